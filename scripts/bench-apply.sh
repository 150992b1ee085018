#!/usr/bin/env bash
# bench-apply.sh: `crispify remote` on a running stack of 40 repos, 6 infra
# and 10 workers (detached): with nothing new, and with 3 worker repos
# moved upstream (a commit that changes main.go, so that setup re-runs).
# The reference for the second is the sum of the same steps done alone by
# hand, in the same run: `git pull --ff-only` of the 3 repos, their setup
# command, and each worker stopped, started and answering on its port; and
# that sum plus what no update can skip, learning that the other 37 have
# nothing new: `git fetch` of all 40, 8 at once (as xargs -P8 would).
#
#   scripts/bench-apply.sh            # 5 runs of each
#   RUNS=3 scripts/bench-apply.sh
set -euo pipefail

RUNS=${RUNS:-5}
REPOS=40 WORKERS=10 FILES=80 COMMITS=40
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-apply.XXXXXX")
say() { printf '%s\n' "$*" >&2; }
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 CI=true NO_COLOR=1

"$root/scripts/local-images.sh" >&2
(cd "$root" && go build -o "$work/" ./cmd/... && go build -o "$work/worker" ./fixtures/worker)
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
bench_stack "$work" benchapply 45000 46000 >"$manifest"
say "booting the stack (detached)"
(cd "$work" && "$work/crispify" -f "$manifest" -d >/dev/null 2>"$work/boot.err") || { cat "$work/boot.err" >&2; exit 1; }

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
pids() { "$work/crispify" -f "$manifest" status --json | tr -d ' \n' | grep -o '"name":"svc[0-9]*","state":"ready","detail":"pid[0-9]*' | sort; }
moved=(svc01 svc02 svc03)

# push_main REPO: an upstream commit that changes main.go (setup_when).
push_main() {
	local src=$work/src-$1
	[ -d "$src" ] || git clone -q "$work/remote/$1.git" "$src"
	git -C "$src" pull -q --ff-only
	printf '\n// change %s\n' "$(date +%s%N)" >>"$src/main.go"
	git -C "$src" -c user.name=bench -c user.email=bench@crispify.invalid commit -qam "change main.go"
	git -C "$src" push -q origin master
}

noop=() moved_ms=() by_hand=() fetch_ms=() setup_ms=() restart_ms=() fetch_all=()
for run in $(seq "$RUNS"); do
	say "run $run of $RUNS"
	before=$(pids)
	t0=$(date +%s%N)
	"$work/crispify" -f "$manifest" remote >"$work/noop.out" 2>&1 || { grep -v " unchanged " "$work/noop.out" | tail -40 >&2; exit 1; }
	noop+=("$(ms "$t0")")
	[ "$(pids)" = "$before" ] || { say "remote with nothing new restarted a worker"; exit 1; }

	for r in "${moved[@]}"; do push_main "$r"; done
	t0=$(date +%s%N)
	"$work/crispify" -f "$manifest" remote >"$work/moved.out" 2>&1 || { tail -20 "$work/moved.out" >&2; exit 1; }
	moved_ms+=("$(ms "$t0")")
	restarted=$(grep -c '^worker svc.*restarted: 1 new commit, setup re-ran: main.go changed' "$work/moved.out" || true)
	[ "$restarted" = 3 ] || { say "want 3 restarts, got $restarted:"; cat "$work/moved.out" >&2; exit 1; }

	# The same steps by hand, on the same repos: fetch and fast-forward,
	# setup, and the worker stopped, started and ready, one after another.
	for r in "${moved[@]}"; do push_main "$r"; done
	"$work/crispify" -f "$manifest" stop "${moved[@]}" >/dev/null
	f=0 s=0 w=0
	for r in "${moved[@]}"; do
		n=$((10#${r#svc}))
		t0=$(date +%s%N)
		git -C "$work/ws/$r" pull -q --ff-only
		f=$((f + $(ms "$t0")))
		t0=$(date +%s%N)
		(cd "$work/ws/$r" && sh -c "cp --remove-destination $work/worker ./worker")
		s=$((s + $(ms "$t0")))
		t0=$(date +%s%N)
		(cd "$work/ws/$r" && WORKER_LISTEN=$((46000 + n)) exec ./worker >/dev/null 2>&1) &
		wpid=$!
		until (exec 3<>/dev/tcp/127.0.0.1/$((46000 + n))) 2>/dev/null; do sleep 0.005; done
		kill "$wpid"
		wait "$wpid" 2>/dev/null || true
		w=$((w + $(ms "$t0")))
	done
	fetch_ms+=("$f") setup_ms+=("$s") restart_ms+=("$w") by_hand+=($((f + s + w)))
	t0=$(date +%s%N)
	printf '%s\n' "$work"/ws/svc* | xargs -P8 -I{} git -C {} fetch -q origin
	fetch_all+=("$(ms "$t0")")
	# Back to the stack's own workers, up to date.
	"$work/crispify" -f "$manifest" remote >/dev/null 2>&1
	say "  nothing new ${noop[-1]} ms; 3 moved ${moved_ms[-1]} ms; by hand ${by_hand[-1]} ms (fetch $f, setup $s, start to ready $w)"
done

n=$(median "${noop[@]}") m=$(median "${moved_ms[@]}") h=$(median "${by_hand[@]}") fa=$(median "${fetch_all[@]}")
echo
echo "$REPOS repos ($FILES files, $COMMITS commits), 6 infra, $WORKERS workers, detached; $RUNS runs, medians; $(nproc) cores, engine $(docker version --format '{{.Server.Version}}')"
echo
echo '| case | crispify remote | reference | ratio | target |'
echo '| --- | ---: | ---: | ---: | --- |'
printf '| nothing new | %d ms | | | < 1000 ms |\n' "$n"
printf '| 3 repos moved (fetch, setup, restart of 3 workers) | %d ms | by hand %d ms (fetch %d, setup %d, start to ready %d) | %.2fx | <= 1.2x |\n' \
	"$m" "$h" "$(median "${fetch_ms[@]}")" "$(median "${setup_ms[@]}")" "$(median "${restart_ms[@]}")" "$(awk -v a="$m" -v b="$h" 'BEGIN {print a / b}')"
printf '| 3 repos moved, against the by-hand steps plus a fetch of all 40 | %d ms | %d ms (git fetch of 40: %d) | %.2fx | <= 1.2x |\n' \
	"$m" $((h + fa)) "$fa" "$(awk -v a="$m" -v b=$((h + fa)) 'BEGIN {print a / b}')"
