#!/usr/bin/env bash
# bench-gitstate.sh: what reading the git state of the stack's repos costs,
# in process against the git command and go-git's Worktree.Status, and the
# idle CPU of the board showing it. Prints markdown tables of medians.
#
#   scripts/bench-gitstate.sh           # 5 runs of each case
#   RUNS=9 scripts/bench-gitstate.sh
#   IDLE=0 scripts/bench-gitstate.sh    # leave out the idle board (95 s)
#
# The cases are the Go benchmarks BenchmarkReadState40 (40 clones of 80
# files: fresh, settled, dirty) and BenchmarkReadStateBigTree (one repo of
# 20,000 files) of internal/repos; cpu-ms counts git's processes too.
set -euo pipefail
RUNS=${RUNS:-5}
IDLE=${IDLE:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

raw=$(cd "$root" && go test -run '^$' -bench 'ReadState' -benchtime 20x -count "$RUNS" ./internal/repos/)

# median reads numbers, one a line, and prints their median.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| case | reader | wall ms (all repos) | CPU ms | CPU ms per repo |"
echo "| --- | --- | ---: | ---: | ---: |"
printf '%s\n' "$raw" | awk '/^Benchmark/ { n = $1; sub(/-[0-9]+$/, "", n); print n }' | sort -u | while read -r name; do
	lines=$(printf '%s\n' "$raw" | awk -v n="$name" '{ m = $1; sub(/-[0-9]+$/, "", m) } m == n')
	wall=$(printf '%s\n' "$lines" | awk '{ print $3 / 1e6 }' | median)
	cpu=$(printf '%s\n' "$lines" | awk '{ print $5 }' | median)
	repos=40
	case $name in *BigTree*) repos=1 ;; esac
	IFS=/ read -r group reader state <<<"${name#Benchmark}"
	printf '| %s | %s | %.1f | %.1f | %.2f |\n' "$group${state:+ $state}" "$reader" "$wall" "$cpu" "$(awk -v c="$cpu" -v r="$repos" 'BEGIN { print c / r }')"
done

if [ "$IDLE" != 0 ] && command -v tmux >/dev/null; then
	echo
	"$root/internal/ui/tui/testdata/idlecpu.sh" 30 65
fi
