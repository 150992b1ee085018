#!/usr/bin/env bash
# bench.sh: the benchmarks of BENCHMARKS.md. Each prints a markdown table of
# medians and ratios, with the machine it ran on.
#
#   scripts/bench.sh             # all of them
#   scripts/bench.sh repos       # crispify repos vs a git clone loop and xargs -P8
#   scripts/bench.sh infra       # crispify infra vs docker compose, six infra
#   scripts/bench.sh local       # from nothing to all ready vs the critical path
#   scripts/bench.sh apply       # crispify remote on a running stack: nothing new, 3 repos moved
#   scripts/bench.sh ui          # the terminal UI: ns and allocs per event
#   scripts/bench.sh watch       # the file watcher: idle CPU, save to change
#   scripts/bench.sh gitstate    # reading 40 repos' git state; the idle board
#   scripts/bench.sh untracked   # the same read with 5 untracked files and an ignored node_modules each
#   scripts/bench.sh monorepo    # one repo of 10 services vs 10 clones: cold boot, remote with nothing new, with one changed
#   scripts/bench.sh remote-engine  # six infra on a second engine over ssh://, Redis through the tunnel
#   scripts/bench.sh logs        # 10 chatty workers, board attached: CPU, memory, lines lost
#   scripts/bench.sh switch      # crispify switch vs decrispify, git checkout, crispify -d; its copy vs cp -a (3 runs unless RUNS)
#
# RUNS sets the runs of each case (default 5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

all=(repos infra local apply ui watch gitstate untracked monorepo logs remote-engine switch)
# remote-engine sets up a second engine behind sshd, and switch takes some
# 12 minutes with RUNS=3 (as root: it reads the volumes' folders): only
# when asked for.
default=(repos infra local apply ui watch gitstate untracked monorepo logs)

# untracked runs BenchmarkUntracked40 of internal/repos (20 reads of the 40
# repos a run) and prints the medians of its runs.
untracked() {
	local raw name lines wall cpu
	raw=$(cd "$root" && go test -run '^$' -bench '^BenchmarkUntracked40$' -benchtime 20x -count "${RUNS:-5}" ./internal/repos/)
	echo "| case | reader | wall ms, 40 repos | CPU ms, 40 repos | CPU ms per repo |"
	echo "| --- | --- | ---: | ---: | ---: |"
	for name in clean/reader clean/git-status untracked/reader untracked/git-status; do
		lines=$(printf '%s\n' "$raw" | grep "^BenchmarkUntracked40/$name-")
		wall=$(printf '%s\n' "$lines" | awk '{ print $3 / 1e6 }' | median)
		cpu=$(printf '%s\n' "$lines" | awk '{ print $5 }' | median)
		printf '| %s | %s | %.1f | %.1f | %.2f |\n' "${name%/*}" "${name#*/}" "$wall" "$cpu" "$(awk -v c="$cpu" 'BEGIN { print c / 40 }')"
	done
}

# median reads numbers, one a line, and prints their median.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run() {
	case $1 in
	repos) "$here/bench-repos.sh" ;;
	infra) "$here/bench-infra.sh" ;;
	local) "$here/bench-local.sh" ;;
	apply) "$here/bench-apply.sh" ;;
	ui) (cd "$root" && go test -run '^$' -bench . -benchmem ./internal/ui/tui/) ;;
	watch) "$here/bench-watch.sh" ;;
	gitstate) "$here/bench-gitstate.sh" ;;
	untracked) untracked ;;
	monorepo) "$here/bench-monorepo.sh" ;;
	remote-engine) "$here/bench-remote.sh" ;;
	logs) "$here/bench-logs.sh" ;;
	switch) "$here/bench-switch.sh" ;;
	*)
		echo "bench.sh: unknown benchmark $1: use one of ${all[*]}" >&2
		exit 2
		;;
	esac
}

if [ $# -eq 0 ]; then
	set -- "${default[@]}"
fi
for b in "$@"; do
	echo "## $b"
	run "$b"
	echo
done
