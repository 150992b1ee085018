#!/usr/bin/env bash
# bench-remote.sh: the infra on another machine's engine. A second Docker
# engine on this machine, in a network namespace of its own behind sshd
# (e2e/testdata/remote-engine.sh), reached as ssh://; the six infra images
# loaded into it. Two measures:
#
#   1. cold boot of the six (`crispify -d` of a stack of infra only, which
#      returns once every container is healthy and, over ssh://, its tunnel
#      up) on the second engine against the same on the local one;
#   2. a Redis round trip (PING, one at a time, median of 2000) through the
#      tunnel, against the same Redis from inside the engine's own machine
#      (its namespace), which is the tunnel's extra cost alone.
#
#   scripts/bench-remote.sh              # 5 runs of each boot
#   RUNS=9 scripts/bench-remote.sh
#
# Needs root (a network namespace), sshd and dockerd, as the e2e tests do.
set -euo pipefail

RUNS=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-remote.XXXXXX")
say() { printf '%s\n' "$*" >&2; }
engine=$root/e2e/testdata/remote-engine.sh
name=bench$$
name=${name:0:8}

images=(crispify-local/rabbitmq:3.10 crispify-local/ferretdb:1.24 crispify-local/mariadb:10.11
	crispify-local/redis:7.0 crispify-fixture/ssdb-standin:1 crispify-fixture/elasticsearch-standin:8)
"$root/scripts/local-images.sh" >&2
(cd "$root" && go build -o "$work/" ./cmd/... && go build -o "$work/redisrtt" ./scripts/redisrtt)
crispify=$work/crispify decrispify=$work/decrispify

cleanup() {
	for side in local remote; do
		[ -f "$work/$side.env" ] && (set -a; . "$work/$side.env"; "$decrispify" -f "$work/$side/crispify.yaml" --volumes --yes >/dev/null 2>&1) || true
	done
	"$engine" down "$name" || true
	rm -rf "$work"
}
trap cleanup EXIT

say "starting the second engine and loading the six images into it"
t0=$(date +%s%N)
OWNER_PID=$$ "$engine" up "$name" "${images[@]}" >"$work/engine.vars"
say "  up in $((($(date +%s%N) - t0) / 1000000)) ms"
. "$work/engine.vars"
printf 'DOCKER_HOST=%s\nPATH=%s:%s\n' "$DOCKER_HOST" "$SSH_BIN" "$PATH" >"$work/remote.env"
printf 'PATH=%s\n' "$PATH" >"$work/local.env"

# The six of bench-infra.sh, each side in a workspace of its own; the
# ports differ so that both could exist at once.
six() { # six PROJECT PORTBASE
	local -a names=(rabbitmq mongodb mysql redis ssdb elasticsearch)
	local -a ports=(5672 27017 3306 6379 8888 9200)
	local -a health=('["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5672"]' '["/ferretdb", "health"]'
		'["healthcheck.sh", "--connect", "--innodb_initialized"]' '["redis-cli", "ping"]' '["/standin", "health"]' '["/standin", "health"]')
	local -a volumes=(/var/lib/rabbitmq /data /var/lib/mysql /data "" "")
	local -a env=('{RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: crisp}' '' '{MYSQL_ROOT_PASSWORD: crisp, MYSQL_DATABASE: crisp}' '' '' '')
	printf 'version: 1\nproject: %s\ninfra:\n' "$1"
	for i in "${!names[@]}"; do
		printf '  %s:\n    image: %s\n    ports: ["%d:%d"]\n' "${names[$i]}" "${images[$i]}" $(($2 + i)) "${ports[$i]}"
		[ -n "${env[$i]}" ] && printf '    env: %s\n' "${env[$i]}"
		[ -n "${volumes[$i]}" ] && printf '    volumes: ["data:%s"]\n' "${volumes[$i]}"
		printf '    health: {cmd: %s, interval: 1s, timeout: 5s, retries: 120}\n' "${health[$i]}"
	done
}
mkdir -p "$work/local" "$work/remote"
six benchlocal 43000 >"$work/local/crispify.yaml"
six benchremote 44000 >"$work/remote/crispify.yaml"

timed() { # timed SIDE COMMAND...: sets $elapsed (ms)
	local side=$1 t0; shift
	t0=$(date +%s%N)
	(set -a; . "$work/$side.env"; "$@" >/dev/null 2>"$work/last.err") || { say "failed on $side: $*"; cat "$work/last.err" >&2; exit 1; }
	elapsed=$((($(date +%s%N) - t0) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
down() { timed "$1" "$decrispify" -f "$work/$1/crispify.yaml" --volumes --yes; }

local_ms=() remote_ms=()
boot() { # boot SIDE: a cold boot, then down with the volumes
	timed "$1" "$crispify" -d -f "$work/$1/crispify.yaml" --output plain
	if [ "$1" = local ]; then local_ms+=("$elapsed"); else remote_ms+=("$elapsed"); fi
	down "$1"
}
for run in $(seq "$RUNS"); do
	say "run $run of $RUNS"
	if [ $((run % 2)) = 1 ]; then boot local; boot remote; else boot remote; boot local; fi
done

# Round trips: a stack of the remote side up, with its tunnels.
timed remote "$crispify" -d -f "$work/remote/crispify.yaml" --output plain
read -r tun_med tun_p90 < <("$work/redisrtt" -addr 127.0.0.1:44003)
read -r there_med there_p90 < <(nsenter --net=/var/run/netns/"$NETNS" -- "$work/redisrtt" -addr 127.0.0.1:44003)
down remote

lm=$(median "${local_ms[@]}") rm_=$(median "${remote_ms[@]}")
echo
echo "Six infra, cold, on a second engine over ssh:// against the local engine ($RUNS runs each, medians; $(nproc) cores; engine $(docker version --format '{{.Server.Version}}'); each side's workspace remembers its health times after its first run)"
echo
echo '| case | local engine | second engine (ssh://) | remote / local | target |'
echo '| --- | ---: | ---: | ---: | --- |'
printf '| cold boot to all healthy (and tunnelled) | %d ms | %d ms | %.2fx | <= 1.2x |\n' "$lm" "$rm_" "$(awk -v a="$rm_" -v b="$lm" 'BEGIN {print a / b}')"
echo
echo "Run by run (ms): local ${local_ms[*]}; remote ${remote_ms[*]}"
echo
echo '| Redis PING round trip (2000, one at a time) | median | p90 |'
echo '| --- | ---: | ---: |'
printf '| on the engine'"'"'s machine, to its 127.0.0.1 | %d µs | %d µs |\n' "$there_med" "$there_p90"
printf '| here, through the tunnel | %d µs | %d µs |\n' "$tun_med" "$tun_p90"
printf '| **extra latency of the tunnel** | **%d µs** | %d µs |\n' $((tun_med - there_med)) $((tun_p90 - there_p90))
