#!/usr/bin/env bash
# bench-watch-stack.sh: the inner loop on a live stack. 40 repos, each with
# a worker ready on its port, detached and watched (`crispify -d --watch`),
# no infra. A save of main.go (a setup_when file) in one repo, to that
# worker's new process answering, against the same steps done alone by
# hand: its setup command, then the worker started and answering. And the
# CPU the supervisor and a board on the stack (`crispify status --watch` in
# tmux) use while nothing changes.
#
#   scripts/bench-watch-stack.sh            # 5 saves per run, 5 runs, 30 s idle
#   RUNS=3 SAVES=3 IDLE=10 scripts/bench-watch-stack.sh
#
# The board is measured once it has been open SETTLE seconds (default 65):
# in its first minute its clocks count seconds and it redraws every second;
# after, once a minute (SETTLE=3 measures the first minute).
set -euo pipefail

RUNS=${RUNS:-5} SAVES=${SAVES:-5} IDLE=${IDLE:-30} SETTLE=${SETTLE:-65}
REPOS=40 FILES=500 COMMITS=2 PORT=49000
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-watchstack.XXXXXX")
session=crispify-bench-watch-$$
say() { printf '%s\n' "$*" >&2; }
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 CI=true NO_COLOR=1
manifest=$work/crispify.yaml
cleanup() {
	tmux kill-session -t "$session" 2>/dev/null || true
	"$work/decrispify" -f "$manifest" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/" ./cmd/... && go build -o "$work/worker" ./fixtures/worker)
# shellcheck source=lib/repos.sh
source "$root/scripts/lib/repos.sh"
say "generating $REPOS repos of $FILES files, each with a worker"
mkdir -p "$work/src"
cp "$root/fixtures/worker/main.go" "$work/src/"
printf 'module bench.example/worker\n\ngo 1.22\n' >"$work/src/go.mod"
{
	printf 'version: 1\nproject: benchwatch\nworkspace: ./ws\nservices:\n'
	for i in $(seq -w 1 "$REPOS"); do
		generate_repo "$work/remote/svc$i.git" "svc$i" "$FILES" "$COMMITS"
		add_files "$work/remote/svc$i.git" "$work/src"
		n=$((10#$i))
		printf '  svc%s:\n    repo: file://%s/remote/svc%s.git\n' "$i" "$work" "$i"
		printf '    setup: ["cp --remove-destination %s/worker ./worker"]\n    setup_when: [main.go]\n    run: ./worker\n' "$work"
		printf '    env: {WORKER_LISTEN: "%d", WORKER_SAY: "svc%s up"}\n    ready: {tcp: %d}\n' $((PORT + n)) "$i" $((PORT + n))
	done
} >"$manifest"
say "booting (detached, watched)"
(cd "$work" && "$work/crispify" -f "$manifest" -d --watch >/dev/null 2>"$work/boot.err") || { cat "$work/boot.err" >&2; exit 1; }

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime+stime, clock ticks
hz=$(getconf CLK_TCK)

save_ms=() alone_ms=() sup_cpu=() board_cpu=()
svc=svc07 n=7 log=$work/ws/.crispify/logs/svc07.log
for run in $(seq "$RUNS"); do
	for s in $(seq "$SAVES"); do
		# A save: the worker's next "svc07 up" line is its new process up.
		before=$(grep -c "svc07 up" "$log")
		t0=$(date +%s%N)
		printf '\n// save %s\n' "$t0" >>"$work/ws/$svc/main.go"
		until [ "$(grep -c "svc07 up" "$log")" -gt "$before" ]; do sleep 0.002; done
		until (exec 3<>/dev/tcp/127.0.0.1/$((PORT + n))) 2>/dev/null; do sleep 0.002; done
		save_ms+=("$(ms "$t0")")
		sleep 1
	done
	# The same steps alone, on a copy of the repo.
	rm -rf "$work/alone" && cp -r "$work/ws/$svc" "$work/alone"
	for s in $(seq "$SAVES"); do
		t0=$(date +%s%N)
		(cd "$work/alone" && sh -c "cp --remove-destination $work/worker ./worker")
		(cd "$work/alone" && WORKER_LISTEN=$((PORT + 100)) exec ./worker >/dev/null 2>&1) &
		wpid=$!
		until (exec 3<>/dev/tcp/127.0.0.1/$((PORT + 100))) 2>/dev/null; do sleep 0.002; done
		alone_ms+=("$(ms "$t0")")
		kill "$wpid"
		wait "$wpid" 2>/dev/null || true
	done
	say "  run $run: save to ready ${save_ms[*]: -$SAVES} ms; alone ${alone_ms[*]: -$SAVES} ms"
done

say "idle: the supervisor and a board, $IDLE s after $SETTLE s"
sup=$(cat "$work/ws/.crispify/supervisor-benchwatch.pid")
tmux new-session -d -s "$session" -x 160 -y 60 "cd $work && exec env -u CI $work/crispify -f $manifest status --watch"
sleep "$SETTLE"
board=$(tmux list-panes -t "$session" -F '#{pane_pid}')
s0=$(cpu "$sup") b0=$(cpu "$board")
sleep "$IDLE"
s1=$(cpu "$sup") b1=$(cpu "$board")
tmux capture-pane -p -t "$session" | grep -q "watching $REPOS" || { say "the board does not show $REPOS watched:"; tmux capture-pane -p -t "$session" >&2; exit 1; }
sp=$(awk -v d=$((s1 - s0)) -v hz="$hz" -v t="$IDLE" 'BEGIN {printf "%.2f", 100 * d / hz / t}')
bp=$(awk -v d=$((b1 - b0)) -v hz="$hz" -v t="$IDLE" 'BEGIN {printf "%.2f", 100 * d / hz / t}')

sm=$(median "${save_ms[@]}") am=$(median "${alone_ms[@]}")
echo
echo "$REPOS repos of $FILES files, $REPOS workers, all watched, detached; $RUNS runs of $SAVES saves, medians; $(nproc) cores"
echo
echo '| case | measured | reference | difference | target |'
echo '| --- | ---: | ---: | ---: | --- |'
printf '| save of main.go to the new worker answering (debounce 150 ms included) | %d ms | setup + start + ready alone %d ms | +%d ms | <= +300 ms |\n' "$sm" "$am" $((sm - am))
printf '| idle CPU over %d s: the supervisor, %d repos watched | %s%% of one core | | | |\n' "$IDLE" "$REPOS" "$sp"
printf '| idle CPU over %d s: the board (`status --watch`), open %d s | %s%% of one core | | | < 0.5%% |\n' "$IDLE" "$SETTLE" "$bp"
