#!/usr/bin/env bash
# bench-local.sh: `crispify` from nothing to all ready, 40 repos, 6 infra,
# 10 workers, against the critical path of the same run: the slowest single
# chain of steps (clone + setup + worker ready, or infra healthy + worker
# ready), each step timed by its own events. Then a second run with
# everything up (repos present, infra healthy, setup unchanged), and the
# peak memory of crispify itself.
#
#   scripts/bench-local.sh            # 3 cold runs and 3 warm ones
#   RUNS=5 scripts/bench-local.sh
set -euo pipefail

RUNS=${RUNS:-3}
REPOS=40 WORKERS=10 FILES=80 COMMITS=40
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-local.XXXXXX")
say() { printf '%s\n' "$*" >&2; }
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

"$root/scripts/local-images.sh" >&2
(cd "$root" && go build -o "$work/" ./cmd/... && go build -o "$work/worker" ./fixtures/worker && go build -o "$work/critpath" ./scripts/critpath)
manifest=$work/crispify.yaml
cleanup() {
	"$work/decrispify" -f "$manifest" --volumes --yes >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=lib/repos.sh
source "$root/scripts/lib/repos.sh"
# shellcheck source=lib/stack.sh
source "$root/scripts/lib/stack.sh"
bench_stack "$work" benchlocal 43000 44000 >"$manifest"
"$work/crispify" validate -f "$manifest" >&2

# boot EVENTS: crispify in the foreground, NDJSON events to EVENTS, until
# the boot ends; then its peak memory is read and Ctrl-C stops the workers
# (the infra stays). Prints "WALL_MS PEAK_MB".
boot() {
	local events=$1 t0 pid peak
	: >"$events"
	t0=$(date +%s%N)
	(cd "$work" && exec "$work/crispify" -f "$manifest" --output json >"$events" 2>"$events.err") &
	pid=$!
	until grep -q '"kind":"stack","phase":"\(done\|failed\)"' "$events"; do
		kill -0 "$pid" 2>/dev/null || { say "crispify ended early:"; cat "$events.err" >&2; exit 1; }
		sleep 0.02
	done
	local t1; t1=$(date +%s%N)
	grep -q '"kind":"stack","phase":"done"' "$events" || { say "the boot failed:"; tail -5 "$events.err" >&2; exit 1; }
	peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
	kill -INT "$pid"
	wait "$pid" || true
	echo "$(((t1 - t0) / 1000000)) $peak"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

cold_wall=() cold_total=() cold_crit=() warm_wall=() warm_total=() peaks=() chains=()
for run in $(seq "$RUNS"); do
	say "run $run of $RUNS: cold"
	"$work/decrispify" -f "$manifest" --volumes --yes >/dev/null 2>&1 || true
	rm -rf "$work/ws"
	read -r wall peak < <(boot "$work/cold.ndjson")
	read -r total crit chain < <("$work/critpath" -f "$manifest" "$work/cold.ndjson")
	cold_wall+=("$wall") cold_total+=("$total") cold_crit+=("$crit") peaks+=("$peak") chains+=("$chain")
	say "  wall ${wall} ms, boot ${total} ms, critical path ${crit} ms: $chain; peak ${peak} MB"
	say "run $run of $RUNS: warm"
	read -r wall peak < <(boot "$work/warm.ndjson")
	read -r total _ _ < <("$work/critpath" -f "$manifest" "$work/warm.ndjson")
	warm_wall+=("$wall") warm_total+=("$total") peaks+=("$peak")
	say "  wall ${wall} ms, boot ${total} ms; peak ${peak} MB"
done

ct=$(median "${cold_total[@]}") cc=$(median "${cold_crit[@]}") cw=$(median "${cold_wall[@]}")
ww=$(median "${warm_wall[@]}") wt=$(median "${warm_total[@]}") pk=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)
echo
echo "$REPOS repos ($FILES files, $COMMITS commits), 6 infra, $WORKERS workers; $RUNS runs, medians; $(nproc) cores, engine $(docker version --format '{{.Server.Version}}')"
echo
echo '| case | measured | reference | ratio | target |'
echo '| --- | --- | --- | --- | --- |'
printf '| cold boot (stack started to all ready) | %d ms | critical path %d ms | %.2fx | <= 1.15x |\n' "$ct" "$cc" "$(awk -v a="$ct" -v b="$cc" 'BEGIN {print a / b}')"
printf '| cold boot, wall (process start to all ready) | %d ms | | | |\n' "$cw"
printf '| second run, everything up (wall) | %d ms | boot %d ms | | < 1000 ms |\n' "$ww" "$wt"
printf '| peak memory of crispify (VmHWM, max of all runs) | %d MB | | | < 120 MB |\n' "$pk"
echo
echo "critical chains: ${chains[*]}"
