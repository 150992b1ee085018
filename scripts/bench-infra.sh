#!/usr/bin/env bash
# bench-infra.sh: crispify against docker compose on the same six images and
# health checks. Two cases, each printed as a markdown table of medians and
# ratios:
#
#   1 s health checks   cold start to all healthy, no-op re-run, teardown
#   10 s health checks  cold start to all healthy, first boot in a workspace
#                       (no remembered health times) and later ones, against
#                       `up -d --wait`; and, container by container, the time
#                       from its start to crispify's healthy against the time
#                       from its start to its port first answering
#
# Each tool is measured with the other's stack down, and which goes first
# alternates from run to run, so that drift of a shared machine hits both
# alike.
#
#   scripts/bench-infra.sh              # 5 runs of each
#   RUNS=9 scripts/bench-infra.sh
#   CASES=10s scripts/bench-infra.sh    # only the 10 s case (CASES=1s: only the other)
#
# Compose is the v2 plugin (`docker compose up -d --wait`) when installed,
# else Debian's docker-compose 1.x, whose `up -d` is followed by a wait for
# every container to be healthy, polled every 100 ms (1.x has no --wait).
# The images come from scripts/local-images.sh.
set -euo pipefail

RUNS=${RUNS:-5}
CASES=${CASES:-1s 10s}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-infra.XXXXXX")
say() { printf '%s\n' "$*" >&2; }

"$root/scripts/local-images.sh" >&2
crispify=${CRISPIFY:-$work/crispify}
decrispify=${DECRISPIFY:-$work/decrispify}
[[ -n ${CRISPIFY:-} ]] || (cd "$root" && go build -o "$work/" ./cmd/...)
(cd "$root" && go build -o "$work/readylag" ./scripts/readylag)

if docker compose version >/dev/null 2>&1; then
	compose=(docker compose) compose_name="docker compose $(docker compose version --short 2>/dev/null) (up -d --wait)"
	compose_up() { docker compose -p "$1" -f "$2" up -d --wait --quiet-pull >/dev/null 2>&1; }
else
	compose=(docker-compose) compose_name="$(docker-compose version --short) (up -d, then a 100 ms health poll)"
	compose_up() {
		docker-compose -p "$1" -f "$2" up -d >/dev/null 2>&1
		local ids
		ids=$(docker-compose -p "$1" -f "$2" ps -q)
		# shellcheck disable=SC2086 # one argument per container
		until [ "$(docker inspect --format '{{.State.Health.Status}}' $ids | sort -u)" = healthy ]; do sleep 0.1; done
	}
fi
compose_down() { # compose_down PROJECT FILE [ARGS...]
	local project=$1 file=$2
	shift 2
	"${compose[@]}" -p "$project" -f "$file" down "$@" >/dev/null 2>&1
}
crispify_down() { "$decrispify" -f "$1" "${@:2}" >/dev/null 2>&1; }

cleanup() {
	for d in "$work"/*/; do
		[ -f "$d/crispify.yaml" ] && { crispify_down "$d/crispify.yaml" --volumes --yes || true; }
		# Compose's project is named after its folder: benchco, benchco10.
		[ -f "$d/compose.yaml" ] && { compose_down "$(basename "$d")" "$d/compose.yaml" -v || true; }
	done
	rm -rf "$work"
}
trap cleanup EXIT

names=(rabbitmq mongodb mysql redis ssdb elasticsearch)

# The six, once for each tool: same images, health checks, volumes; ports
# differ only so that both can exist at once.
six() { # six FORMAT PROJECT PORTBASE INTERVAL: FORMAT is crispify or compose
	local fmt=$1 project=$2 base=$3 interval=$4
	local -a images=(crispify-local/rabbitmq:3.10 crispify-local/ferretdb:1.24 crispify-local/mariadb:10.11
		crispify-local/redis:7.0 crispify-fixture/ssdb-standin:1 crispify-fixture/elasticsearch-standin:8)
	local -a ports=(5672 27017 3306 6379 8888 9200)
	local -a health=('["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5672"]' '["/ferretdb", "health"]'
		'["healthcheck.sh", "--connect", "--innodb_initialized"]' '["redis-cli", "ping"]' '["/standin", "health"]' '["/standin", "health"]')
	local -a volumes=(/var/lib/rabbitmq /data /var/lib/mysql /data "" "")
	local -a env=('{RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: crisp}' '' '{MYSQL_ROOT_PASSWORD: crisp, MYSQL_DATABASE: crisp}' '' '' '')
	if [ "$fmt" = crispify ]; then
		printf 'version: 1\nproject: %s\ninfra:\n' "$project"
	else
		printf 'services:\n'
	fi
	for i in "${!names[@]}"; do
		printf '  %s:\n    image: %s\n    ports: ["127.0.0.1:%d:%d"]\n' "${names[$i]}" "${images[$i]}" $((base + i)) "${ports[$i]}"
		[ -n "${env[$i]}" ] && printf '    environment: %s\n' "${env[$i]}" | { [ "$fmt" = crispify ] && sed 's/environment/env/' || cat; }
		[ -n "${volumes[$i]}" ] && printf '    volumes: ["data-%s:%s"]\n' "${names[$i]}" "${volumes[$i]}" | { [ "$fmt" = crispify ] && sed 's/data-[a-z]*:/data:/' || cat; }
		if [ "$fmt" = crispify ]; then
			printf '    health: {cmd: %s, interval: %s, timeout: 5s, retries: 120}\n' "${health[$i]}" "$interval"
		else
			printf '    healthcheck: {test: %s, interval: %s, timeout: 5s, retries: 120}\n' "$(sed 's/^\[/["CMD", /' <<<"${health[$i]}")" "$interval"
		fi
	done
	if [ "$fmt" = compose ]; then
		printf 'volumes:\n'
		for i in "${!names[@]}"; do [ -n "${volumes[$i]}" ] && printf '  data-%s: {}\n' "${names[$i]}"; done
	fi
	return 0
}

# timed COMMAND...: runs COMMAND, which must succeed, and sets $elapsed to
# the milliseconds it took.
timed() {
	local t0
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || { say "failed: $*"; exit 1; }
	elapsed=$((($(date +%s%N) - t0) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }

row() { # row CASE CRISPIFY_TIMES... -- COMPOSE_TIMES...
	local name=$1
	shift
	local -a a=() b=()
	local side=a
	for x in "$@"; do
		if [ "$x" = -- ]; then
			side=b
			continue
		fi
		if [ $side = a ]; then a+=("$x"); else b+=("$x"); fi
	done
	local ma mb
	ma=$(median "${a[@]}") mb=$(median "${b[@]}")
	printf '| %s | %d ms | %d ms | %s |\n' "$name" "$ma" "$mb" "$(ratio "$ma" "$mb")"
}

machine() { echo "$(nproc) cores; engine $(docker version --format '{{.Server.Version}}'); compose: $compose_name"; }

# ------------------------------------------------------------- 1 s checks

case_1s() {
	local dir=$work/benchcr
	mkdir -p "$dir" "$work/benchco"
	six crispify benchcr 41000 1s >"$dir/crispify.yaml"
	six compose benchco 42000 1s >"$work/benchco/compose.yaml"
	"$crispify" validate -f "$dir/crispify.yaml" >&2
	local cr_up=("$crispify" infra -f "$dir/crispify.yaml" --output plain)
	local co=(benchco "$work/benchco/compose.yaml")
	local cr_cold=() co_cold=() cr_noop=() co_noop=() cr_down=() co_down=()
	measure() {
		if [ "$1" = crispify ]; then
			timed "${cr_up[@]}" && cr_cold+=("$elapsed")
			timed "${cr_up[@]}" && cr_noop+=("$elapsed")
			timed crispify_down "$dir/crispify.yaml" && cr_down+=("$elapsed")
		else
			timed compose_up "${co[@]}" && co_cold+=("$elapsed")
			timed compose_up "${co[@]}" && co_noop+=("$elapsed")
			timed compose_down "${co[@]}" && co_down+=("$elapsed")
		fi
	}
	for run in $(seq "$RUNS"); do
		say "1 s checks: run $run of $RUNS"
		crispify_down "$dir/crispify.yaml" --volumes --yes || true
		compose_down "${co[@]}" -v || true
		if [ $((run % 2)) = 1 ]; then
			measure crispify
			measure compose
		else
			measure compose
			measure crispify
		fi
	done
	echo
	echo "Six infra, 1 s health checks ($RUNS runs each, medians; $(machine))"
	echo
	echo '| case | crispify | compose | crispify / compose |'
	echo '| --- | --- | --- | --- |'
	row "cold start to all healthy" "${cr_cold[@]}" -- "${co_cold[@]}"
	row "no-op re-run" "${cr_noop[@]}" -- "${co_noop[@]}"
	row "teardown (volumes kept)" "${cr_down[@]}" -- "${co_down[@]}"
	echo
	echo "Cold starts, run by run (ms; crispify's first run has no history of health times):"
	echo "crispify ${cr_cold[*]}; compose ${co_cold[*]}"
}

# ------------------------------------------------------------ 10 s checks

case_10s() {
	local dir=$work/benchcr10
	mkdir -p "$dir" "$work/benchco10"
	six crispify benchcr10 43000 10s >"$dir/crispify.yaml"
	six compose benchco10 44000 10s >"$work/benchco10/compose.yaml"
	"$crispify" validate -f "$dir/crispify.yaml" >&2
	local co=(benchco10 "$work/benchco10/compose.yaml")
	local times=$dir/.crispify/infra-health-times.json
	local first=() later=() composed=() lags=$work/lags.txt
	: >"$lags"
	# cold MODE: one cold start of crispify's six, timed into $elapsed; MODE
	# first forgets the remembered health times, as a new workspace has
	# none; MODE lag runs readylag beside it and records each container's.
	cold() {
		crispify_down "$dir/crispify.yaml" --volumes --yes || true
		[ "$1" = first ] && rm -f "$times"
		if [ "$1" = lag ]; then
			"$work/readylag" watch -f "$dir/crispify.yaml" -every 20ms -o "$work/answered.txt" &
			local watcher=$!
		fi
		local t0
		t0=$(date +%s%N)
		"$crispify" infra -f "$dir/crispify.yaml" --output json >"$work/events.ndjson" 2>/dev/null || { say "failed: crispify infra"; exit 1; }
		elapsed=$((($(date +%s%N) - t0) / 1000000))
		if [ "$1" = lag ]; then
			wait "$watcher"
			for n in "${names[@]}"; do
				printf '%s %s\n' "$n" "$(docker inspect --format '{{.State.StartedAt}}' "benchcr10-$n")"
			done >"$work/started.txt"
			"$work/readylag" report -f "$dir/crispify.yaml" -events "$work/events.ndjson" \
				-answered "$work/answered.txt" -started "$work/started.txt" >>"$lags"
		fi
		crispify_down "$dir/crispify.yaml" || true
	}
	for run in $(seq "$RUNS"); do
		say "10 s checks: run $run of $RUNS"
		compose_down "${co[@]}" -v || true
		if [ $((run % 2)) = 1 ]; then
			cold first && first+=("$elapsed")
			cold later && later+=("$elapsed")
			timed compose_up "${co[@]}" && composed+=("$elapsed") && compose_down "${co[@]}"
		else
			timed compose_up "${co[@]}" && composed+=("$elapsed") && compose_down "${co[@]}"
			cold later && later+=("$elapsed")
			cold first && first+=("$elapsed")
		fi
		cold lag
	done
	echo
	echo "Six infra, 10 s health checks ($RUNS runs each, medians; $(machine))"
	echo
	echo '| case | crispify | compose | crispify / compose |'
	echo '| --- | --- | --- | --- |'
	row "cold start, first boot in a workspace (no health times)" "${first[@]}" -- "${composed[@]}"
	row "cold start, health times remembered" "${later[@]}" -- "${composed[@]}"
	echo
	echo "Run by run (ms): crispify first boot ${first[*]}; remembered ${later[*]}; compose ${composed[*]}"
	echo
	echo "From each container's start ($RUNS runs of the six, one more boot each, with its ports probed every 20 ms beside it; medians, ms):"
	echo
	echo '| container | port first answered | crispify healthy | healthy - answered |'
	echo '| --- | ---: | ---: | ---: |'
	for n in "${names[@]}"; do
		# shellcheck disable=SC2046 # one number per run
		printf '| %s | %d | %d | %d |\n' "$n" \
			"$(median $(awk -v n="$n" '$1 == n {print $2}' "$lags"))" \
			"$(median $(awk -v n="$n" '$1 == n {print $3}' "$lags"))" \
			"$(median $(awk -v n="$n" '$1 == n {print $4}' "$lags"))"
	done
	# shellcheck disable=SC2046 # one number per container and run
	printf '| all %d | | | **%d** |\n' "$(wc -l <"$lags")" "$(median $(awk '{print $4}' "$lags"))"
}

for c in $CASES; do
	case $c in
	1s) case_1s ;;
	10s) case_10s ;;
	*)
		say "bench-infra.sh: unknown case $c: use 1s or 10s"
		exit 2
		;;
	esac
done
