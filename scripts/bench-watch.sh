#!/usr/bin/env bash
# bench-watch.sh: the file watcher of --watch (internal/watch) alone, over
# 40 repos of 500 files each (25 folders, plus an ignored node_modules of
# 200 files and a .git): the CPU it uses while nothing changes, and how
# long a save takes to come out as a Change, the debounce left out. Then
# the end-to-end case on a live stack: scripts/bench-watch-stack.sh.
#
#   scripts/bench-watch.sh                 # 5 runs of each, 30 s idle
#   RUNS=3 IDLE=10s scripts/bench-watch.sh
set -euo pipefail

RUNS=${RUNS:-5}
IDLE=${IDLE:-30s}
SAVES=${SAVES:-40}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-watch.XXXXXX")
trap 'rm -rf "$work"' EXIT
say() { printf '%s\n' "$*" >&2; }

(cd "$root" && go test -c -o "$work/watch.test" ./internal/watch)

# metric FILE NAME: the values of one benchmark metric, one a line.
metric() { awk -v m="$2" '/^Benchmark/ { for (i = 2; i < NF; i++) if ($(i+1) == m) print $i }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } printf "%.3g\n", (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3g to %.3g\n", lo, hi }'; }

: >"$work/idle.txt"
: >"$work/save.txt"
for run in $(seq "$RUNS"); do
	say "run $run of $RUNS: $IDLE idle, then $SAVES saves"
	CRISPIFY_BENCH_IDLE=$IDLE "$work/watch.test" -test.run '^$' -test.bench 'IdleCPU' -test.benchtime 1x >>"$work/idle.txt"
	"$work/watch.test" -test.run '^$' -test.bench 'WriteToChange' -test.benchtime "${SAVES}x" >>"$work/save.txt"
done

printf '%s, %s, Go %s, %s runs\n\n' "$(uname -sr)" "$(nproc 2>/dev/null || sysctl -n hw.ncpu) cores" "$(go env GOVERSION)" "$RUNS"
printf '| case | median | range | target |\n| --- | ---: | --- | --- |\n'
printf '| idle CPU over %s, 40 repos watched | %s%% of one core | %s%% | well under 0.5%% |\n' "$IDLE" \
	"$(metric "$work/idle.txt" %-of-a-core | median)" "$(metric "$work/idle.txt" %-of-a-core | range)"
printf '| save to Change, median of %s saves (debounce left out) | %s ms | %s ms | |\n' "$SAVES" \
	"$(metric "$work/save.txt" ms-median | median)" "$(metric "$work/save.txt" ms-median | range)"
printf '| save to Change, slowest of %s saves (debounce left out) | %s ms | %s ms | |\n' "$SAVES" \
	"$(metric "$work/save.txt" ms-max | median)" "$(metric "$work/save.txt" ms-max | range)"
printf '| adding the 40 repos (walk, .gitignore, OS watches) | %s ms | %s ms | |\n' \
	"$(metric "$work/idle.txt" ms-to-add-40 | median)" "$(metric "$work/idle.txt" ms-to-add-40 | range)"
printf '| OS watches taken (folders; .git and node_modules take none) | %s | | |\n' \
	"$(metric "$work/idle.txt" os-watches | sort -g | tail -1)"

echo
"$root/scripts/bench-watch-stack.sh"
