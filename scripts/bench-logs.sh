#!/usr/bin/env bash
# bench-logs.sh: chatty workers with the board attached. 10 workers each
# print 5,000 lines of 100 bytes a second for 30 s while `crispify` runs in
# the foreground with its board on a real terminal (tmux). Measured on the
# crispify process: its CPU over the flood (share of one core), its peak
# memory (VmHWM), and the lines lost from the log files (each worker says
# how many it printed; every one must be in its log or a rotation of it).
#
#   scripts/bench-logs.sh            # 3 runs
#   RUNS=5 RATE=5000 FOR=30s WORKERS=10 scripts/bench-logs.sh
#   RUNS=1 PERF=/tmp/perf.data scripts/bench-logs.sh   # and a CPU profile (perf)
set -euo pipefail

RUNS=${RUNS:-3} RATE=${RATE:-5000} FOR=${FOR:-30s} WORKERS=${WORKERS:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-logs.XXXXXX")
session=crispify-bench-logs-$$
say() { printf '%s\n' "$*" >&2; }
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
command -v tmux >/dev/null || { say "bench-logs.sh needs tmux"; exit 1; }

(cd "$root" && go build -o "$work/" ./cmd/... && go build -o "$work/worker" ./fixtures/worker)
manifest=$work/crispify.yaml
cleanup() {
	tmux kill-session -t "$session" 2>/dev/null || true
	"$work/decrispify" -f "$manifest" --yes >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=lib/repos.sh
source "$root/scripts/lib/repos.sh"
mkdir -p "$work/remote" "$work/src"
cp "$root/fixtures/worker/main.go" "$work/src/"
{
	printf 'version: 1\nproject: benchlogs\nworkspace: ./ws\nservices:\n'
	for i in $(seq -w 1 "$WORKERS"); do
		generate_repo "$work/remote/chatty$i.git" "chatty$i" 4 1
		add_files "$work/remote/chatty$i.git" "$work/src"
		printf '  chatty%s:\n    repo: file://%s/remote/chatty%s.git\n' "$i" "$work" "$i"
		printf '    setup: ["cp %s/worker ./worker"]\n    setup_when: [main.go]\n    run: ./worker\n' "$work"
		printf '    env: {WORKER_RATE: "%s", WORKER_RATE_FOR: "%s", WORKER_WAIT_FOR: "%s/go"}\n' "$RATE" "$FOR" "$work"
		printf '    ready: {log: "pid="}\n'
	done
} >"$manifest"
"$work/crispify" validate -f "$manifest" >&2

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# done_count: how many workers said they are done, in their logs.
done_count() { cat "$work"/ws/.crispify/logs/chatty*.log* 2>/dev/null | grep -c '^rate done ' || true; }

# lost: the lines each worker printed that no log file of it holds.
lost() {
	local total=0 i printed kept
	for i in $(seq -w 1 "$WORKERS"); do
		printed=$(cat "$work/ws/.crispify/logs/chatty$i.log"* | awk '/^rate done / {print $3}')
		kept=$(cat "$work/ws/.crispify/logs/chatty$i.log"* | awk '/^line [0-9]+ / {print $2}' | sort -u | wc -l)
		total=$((total + printed - kept))
	done
	echo "$total"
}

cpus=() peaks=() losts=()
hz=$(getconf CLK_TCK)
for run in $(seq "$RUNS"); do
	say "run $run of $RUNS"
	rm -rf "$work/ws" "$work/go"
	tmux kill-session -t "$session" 2>/dev/null || true
	# exec: the pane's process is crispify itself.
	tmux new-session -d -s "$session" -x 160 -y 50 \
		"cd '$work' && exec env -u CI TERM=xterm-256color '$work/crispify' -f '$manifest'"
	pid=$(tmux display-message -p -t "$session" '#{pane_pid}')
	for _ in $(seq 600); do
		ready=$("$work/crispify" -f "$manifest" status --json 2>/dev/null | grep -Eo '"state": *"ready"' | wc -l || true)
		[ "$ready" -ge "$WORKERS" ] && break
		sleep 0.1
	done
	[ "$ready" -ge "$WORKERS" ] || { say "the workers did not get ready"; tmux capture-pane -p -t "$session" >&2; exit 1; }
	t0=$(date +%s%N) c0=$(ticks "$pid")
	if [ -n "${PERF:-}" ]; then
		perf record -q -e cpu-clock -F 999 -g -p "$pid" -o "$PERF" -- sleep 20 >/dev/null 2>&1 &
	fi
	touch "$work/go"
	until [ "$(done_count)" -ge "$WORKERS" ]; do
		kill -0 "$pid" 2>/dev/null || { say "crispify ended during the flood"; exit 1; }
		sleep 0.2
	done
	t1=$(date +%s%N) c1=$(ticks "$pid")
	peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
	cpu=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", 100 * c / hz / (ns / 1e9) }')
	l=$(lost)
	cpus+=("$cpu") peaks+=("$peak") losts+=("$l")
	say "  CPU ${cpu}% of a core over $(((t1 - t0) / 1000000)) ms, peak ${peak} MB, ${l} lines lost"
	tmux send-keys -t "$session" q
	for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
done

echo
echo "$WORKERS workers x $RATE lines/s x $FOR (100-byte lines), board attached in tmux; $RUNS runs, medians; $(nproc) cores"
echo
echo '| measure (crispify process) | median | runs | target |'
echo '| --- | ---: | --- | --- |'
printf '| CPU over the flood, share of one core | %s%% | %s | < 15%% |\n' "$(median "${cpus[@]}")" "${cpus[*]}"
printf '| peak memory (VmHWM) | %s MB | %s | < 100 MB |\n' "$(median "${peaks[@]}")" "${peaks[*]}"
printf '| lines lost from the log files | %s | %s | 0 |\n' "$(median "${losts[@]}")" "${losts[*]}"
