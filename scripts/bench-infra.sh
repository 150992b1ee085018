#!/usr/bin/env bash
# bench-infra.sh: crispify against docker compose on the same six images and
# health checks: cold start to all healthy, no-op re-run, teardown. Each tool
# is measured with the other's stack down, and which goes first alternates
# from run to run, so that drift of a shared machine hits both alike.
# Prints a markdown table of medians and ratios.
#
#   scripts/bench-infra.sh              # 5 runs of each
#   RUNS=9 scripts/bench-infra.sh
#
# Compose is the v2 plugin (`docker compose up -d --wait`) when installed,
# else Debian's docker-compose 1.x, whose `up -d` is followed by a wait for
# every container to be healthy, polled every 100 ms (1.x has no --wait).
# The images come from scripts/local-images.sh.
set -euo pipefail

RUNS=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-infra.XXXXXX")
say() { printf '%s\n' "$*" >&2; }

"$root/scripts/local-images.sh" >&2
crispify=${CRISPIFY:-$work/crispify}
decrispify=${DECRISPIFY:-$work/decrispify}
[[ -n ${CRISPIFY:-} ]] || (cd "$root" && go build -o "$work/" ./cmd/...)

if docker compose version >/dev/null 2>&1; then
	compose=(docker compose) compose_name="docker compose $(docker compose version --short 2>/dev/null) (up -d --wait)"
	compose_up() { docker compose -p benchco -f "$work/compose.yaml" up -d --wait --quiet-pull >/dev/null 2>&1; }
else
	compose=(docker-compose) compose_name="$(docker-compose version --short) (up -d, then a 100 ms health poll)"
	compose_up() {
		docker-compose -p benchco -f "$work/compose.yaml" up -d >/dev/null 2>&1
		local ids; ids=$(docker-compose -p benchco -f "$work/compose.yaml" ps -q)
		until [ "$(docker inspect --format '{{.State.Health.Status}}' $ids | sort -u)" = healthy ]; do sleep 0.1; done
	}
fi
compose_down() { "${compose[@]}" -p benchco -f "$work/compose.yaml" down "$@" >/dev/null 2>&1; }
crispify_down() { "$decrispify" -f "$work/crispify.yaml" "$@" >/dev/null 2>&1; }

cleanup() {
	crispify_down --volumes --yes || true
	compose_down -v || true
	rm -rf "$work"
}
trap cleanup EXIT

# The six, once for each tool: same images, health checks, volumes; ports
# differ only so that both can exist at once.
six() { # six FORMAT PORTBASE: FORMAT is crispify or compose
	local fmt=$1 base=$2
	local -a names=(rabbitmq mongodb mysql redis ssdb elasticsearch)
	local -a images=(crispify-local/rabbitmq:3.10 crispify-fixture/mongo-standin:7 crispify-local/mariadb:10.11
		crispify-local/redis:7.0 crispify-fixture/ssdb-standin:1 crispify-fixture/elasticsearch-standin:8)
	local -a ports=(5672 27017 3306 6379 8888 9200)
	local -a health=('["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5672"]' '["/standin", "health"]'
		'["healthcheck.sh", "--connect", "--innodb_initialized"]' '["redis-cli", "ping"]' '["/standin", "health"]' '["/standin", "health"]')
	local -a volumes=(/var/lib/rabbitmq "" /var/lib/mysql /data "" "")
	local -a env=('{RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: crisp}' '' '{MYSQL_ROOT_PASSWORD: crisp, MYSQL_DATABASE: crisp}' '' '' '')
	if [ "$fmt" = crispify ]; then
		printf 'version: 1\nproject: benchcr\ninfra:\n'
	else
		printf 'services:\n'
	fi
	for i in "${!names[@]}"; do
		printf '  %s:\n    image: %s\n    ports: ["127.0.0.1:%d:%d"]\n' "${names[$i]}" "${images[$i]}" $((base + i)) "${ports[$i]}"
		[ -n "${env[$i]}" ] && printf '    environment: %s\n' "${env[$i]}" | { [ "$fmt" = crispify ] && sed 's/environment/env/' || cat; }
		[ -n "${volumes[$i]}" ] && printf '    volumes: ["data-%s:%s"]\n' "${names[$i]}" "${volumes[$i]}" | { [ "$fmt" = crispify ] && sed 's/data-[a-z]*:/data:/' || cat; }
		if [ "$fmt" = crispify ]; then
			printf '    health: {cmd: %s, interval: 1s, timeout: 5s, retries: 120}\n' "${health[$i]}"
		else
			printf '    healthcheck: {test: %s, interval: 1s, timeout: 5s, retries: 120}\n' "$(sed 's/^\[/["CMD", /' <<<"${health[$i]}")"
		fi
	done
	if [ "$fmt" = compose ]; then
		printf 'volumes:\n'
		for i in "${!names[@]}"; do [ -n "${volumes[$i]}" ] && printf '  data-%s: {}\n' "${names[$i]}"; done
	fi
	return 0
}
six crispify 41000 >"$work/crispify.yaml"
six compose 42000 >"$work/compose.yaml"
"$crispify" validate -f "$work/crispify.yaml" >&2

# timed COMMAND...: runs COMMAND, which must succeed, and sets $elapsed to
# the milliseconds it took.
timed() {
	local t0
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || { say "failed: $*"; exit 1; }
	elapsed=$((($(date +%s%N) - t0) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

cr_up=("$crispify" infra -f "$work/crispify.yaml" --output plain)
cr_cold=() co_cold=() cr_noop=() co_noop=() cr_down=() co_down=()
# measure TOOL: cold start, no-op re-run and teardown of one tool, with the
# other's stack down, so that neither is timed while the other's six
# containers run their health checks beside it.
measure() {
	if [ "$1" = crispify ]; then
		timed "${cr_up[@]}" && cr_cold+=("$elapsed")
		timed "${cr_up[@]}" && cr_noop+=("$elapsed")
		timed crispify_down && cr_down+=("$elapsed")
	else
		timed compose_up && co_cold+=("$elapsed")
		timed compose_up && co_noop+=("$elapsed")
		timed compose_down && co_down+=("$elapsed")
	fi
}
for run in $(seq "$RUNS"); do
	say "run $run of $RUNS"
	crispify_down --volumes --yes || true
	compose_down -v || true
	# Alternate who goes first, so that drift of the machine hits both.
	if [ $((run % 2)) = 1 ]; then
		measure crispify
		measure compose
	else
		measure compose
		measure crispify
	fi
done

row() { # row CASE CRISPIFY_TIMES... -- COMPOSE_TIMES...
	local name=$1; shift
	local -a a=() b=(); local side=a
	for x in "$@"; do
		if [ "$x" = -- ]; then side=b; continue; fi
		if [ $side = a ]; then a+=("$x"); else b+=("$x"); fi
	done
	local ma mb
	ma=$(median "${a[@]}") mb=$(median "${b[@]}")
	printf '| %s | %d ms | %d ms | %.2fx |\n' "$name" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {print a / b}')"
}

echo
echo "Six infra ($RUNS runs each, medians; compose: $compose_name; $(nproc) cores; engine $(docker version --format '{{.Server.Version}}'))"
echo
echo '| case | crispify | compose | crispify / compose |'
echo '| --- | --- | --- | --- |'
row "cold start to all healthy" "${cr_cold[@]}" -- "${co_cold[@]}"
row "no-op re-run" "${cr_noop[@]}" -- "${co_noop[@]}"
row "teardown (volumes kept)" "${cr_down[@]}" -- "${co_down[@]}"
echo
echo "Cold starts, run by run (ms; crispify's first run has no history of health times: its lead is chosen by health check budget, and nothing is started late):"
echo "crispify ${cr_cold[*]}; compose ${co_cold[*]}"
