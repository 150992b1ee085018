#!/bin/sh
# idlecpu.sh measures the CPU the live status board uses while nothing
# happens: a booted stack on screen in a real pseudo-terminal (tmux), its
# utime+stime from /proc read before and after a quiet interval.
#
#   internal/ui/tui/testdata/idlecpu.sh [SECONDS [SETTLE]]
#
# measures SECONDS (default 30) after the board has been up SETTLE seconds
# (default 65). An idle board shows its clock in seconds for its first
# minute and in minutes after, so the default measures the steady state of
# a board left open all day; SETTLE=3 measures the first minute, when the
# clock redraws the screen every second. Prints the share of one core; the
# issue's budget is under 1%.
set -eu

seconds=${1:-30}
settle=${2:-65}
root=$(cd "$(dirname "$0")/../../../.." && pwd)
dir=$(mktemp -d)
session="crispify-idlecpu-$$"
cleanup() {
	tmux kill-session -t "$session" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

(cd "$root" && go build -o "$dir/idleboard" ./internal/ui/tui/testdata/idleboard)
tmux new-session -d -s "$session" -x 160 -y 48 "exec $dir/idleboard"

# Let it draw the board and settle.
sleep "$settle"
pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')
if [ "$(cat "/proc/$pid/comm")" != idleboard ]; then
	echo "idlecpu: the pane runs $(cat "/proc/$pid/comm"), not the board" >&2
	exit 1
fi
if ! tmux capture-pane -p -t "$session" | grep -q 'ready 10/10'; then
	echo "idlecpu: the board is not on screen:" >&2
	tmux capture-pane -p -t "$session" >&2
	exit 1
fi

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
sleep "$seconds"
after=$(ticks)

# The board must still be up, and quit cleanly on q.
tmux capture-pane -p -t "$session" | grep -q 'ready 10/10'
tmux send-keys -t "$session" q
sleep 1
# Gone, or a zombie nobody reaps once tmux itself has exited.
if [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat")" != Z ]; then
	echo "idlecpu: q did not end the board" >&2
	exit 1
fi

awk -v t=$((after - before)) -v hz="$hz" -v s="$seconds" -v settle="$settle" 'BEGIN {
	pct = t * 100 / (hz * s)
	printf "idle board: %d ticks of CPU in %ds after %ds = %.2f%% of one core (budget 1%%)\n", t, s, settle, pct
	exit (pct < 1 ? 0 : 1)
}'
