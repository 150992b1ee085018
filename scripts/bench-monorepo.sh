#!/usr/bin/env bash
# bench-monorepo.sh: 10 services kept in one repository (svc01/ ... svc10/,
# beside a shared history of FILES files and COMMITS commits), booted two
# ways:
#
#   one      the services share one clone, each in its own dir (paths default
#            to it): one clone, one fetch, and a change restarts only the
#            services whose folder it touched;
#   clones   the same 10 services in 10 clones of the same repository, each
#            shaped by the whole of its clone (paths: [.]), as a manifest
#            written before services could share a clone has them: 10
#            clones, 10 fetches, and a change restarts all 10.
#
# For each, RUNS times: a cold boot (`crispify -d` from nothing: no
# workspace, no supervisor; no infra, so that only repos, setup and workers
# count), `crispify remote` with nothing new, and `crispify remote` after an
# upstream commit that changes svc01/main.go alone (1 restart of 10 against
# 10 of 10, checked). Each worker's setup copies a prebuilt worker; it is
# ready when it accepts connections on its port.
#
#   scripts/bench-monorepo.sh            # 5 runs of each
#   RUNS=3 scripts/bench-monorepo.sh
set -euo pipefail

RUNS=${RUNS:-5}
SERVICES=10 FILES=400 COMMITS=40
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-monorepo.XXXXXX")
say() { printf '%s\n' "$*" >&2; }
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 CI=true NO_COLOR=1

(cd "$root" && go build -o "$work/" ./cmd/... && go build -o "$work/worker" ./fixtures/worker)
crispify=$work/crispify decrispify=$work/decrispify
layouts=(one clones)
cleanup() {
	for l in "${layouts[@]}"; do
		if [ -f "$work/$l/crispify.yaml" ]; then
			"$decrispify" -f "$work/$l/crispify.yaml" --volumes --yes >/dev/null 2>&1 || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=lib/repos.sh
source "$root/scripts/lib/repos.sh"

# The repository: the generated history, then one commit adding the 10
# services' folders, each with the worker's source as its main.go.
say "generating the repository ($FILES files, $COMMITS commits, $SERVICES services)"
generate_repo "$work/product.git" product "$FILES" "$COMMITS"
git clone -q "$work/product.git" "$work/src"
printf 'worker\n' >"$work/src/.gitignore"
for i in $(seq -w 1 "$SERVICES"); do
	mkdir -p "$work/src/svc$i"
	cp "$root/fixtures/worker/main.go" "$work/src/svc$i/main.go"
done
git -C "$work/src" add .
git -C "$work/src" -c user.name=bench -c user.email=bench@crispify.invalid commit -qm "the services"
git -C "$work/src" push -q origin master
# Each layout gets its own upstream, so that a push for one is no news to
# the other.
for l in "${layouts[@]}"; do
	git clone -q --bare "$work/product.git" "$work/$l.git"
	mkdir -p "$work/$l"
done

# manifest LAYOUT PROJECT PORTBASE: worker N listens on PORTBASE+N.
manifest() {
	local layout=$1 i n
	printf 'version: 1\nproject: %s\nworkspace: ./ws\nservices:\n' "$2"
	for i in $(seq -w 1 "$SERVICES"); do
		n=$((10#$i))
		printf '  svc%s:\n    repo: file://%s/%s.git\n    dir: svc%s\n' "$i" "$work" "$layout" "$i"
		if [ "$layout" = clones ]; then
			printf '    path: svc%s\n    paths: [.]\n' "$i"
		fi
		printf '    setup: ["cp --remove-destination %s/worker ./worker"]\n    run: ./worker\n' "$work"
		printf '    env: {WORKER_LISTEN: "%d"}\n    ready: {tcp: %d}\n' $(($3 + n)) $(($3 + n))
	done
}
manifest one benchmono1 47000 >"$work/one/crispify.yaml"
manifest clones benchmonon 47100 >"$work/clones/crispify.yaml"
for l in "${layouts[@]}"; do
	"$crispify" validate -f "$work/$l/crispify.yaml" >&2
done

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
pids() { "$crispify" -f "$work/$1/crispify.yaml" status --json | tr -d ' \n' | grep -o '"name":"svc[0-9]*","state":"ready","detail":"pid[0-9]*' | sort; }

# timed LAYOUT OUT ARGS...: crispify ARGS on LAYOUT's manifest, output in
# OUT; sets $elapsed (ms).
timed() {
	local layout=$1 out=$2 t0
	shift 2
	t0=$(date +%s%N)
	(cd "$work/$layout" && "$crispify" -f crispify.yaml "$@" >"$out" 2>&1) || {
		say "crispify $* failed on $layout:"
		tail -30 "$out" >&2
		exit 1
	}
	elapsed=$(ms "$t0")
}

# push_svc01 LAYOUT: an upstream commit that changes svc01/main.go alone.
push_svc01() {
	local src=$work/src-$1
	[ -d "$src" ] || git clone -q "$work/$1.git" "$src"
	git -C "$src" pull -q --ff-only
	printf '\n// change %s\n' "$(date +%s%N)" >>"$src/svc01/main.go"
	git -C "$src" -c user.name=bench -c user.email=bench@crispify.invalid commit -qam "change svc01"
	git -C "$src" push -q origin master
}

# Milliseconds of each run, by case and layout: cold_one, noop_clones...
cold_one=() cold_clones=() noop_one=() noop_clones=() moved_one=() moved_clones=()

# bench LAYOUT: a cold boot, remote with nothing new, remote with svc01
# changed, then down, leaving nothing for the next run.
bench() {
	local l=$1 before restarted want clones
	local -n c=cold_$l n=noop_$l m=moved_$l
	want=$SERVICES
	[ "$l" = one ] && want=1
	"$decrispify" -f "$work/$l/crispify.yaml" --volumes --yes >/dev/null 2>&1 || true
	rm -rf "$work/$l/ws"
	timed "$l" "$work/$l/cold.out" -d
	c+=("$elapsed")
	clones=$(find "$work/$l/ws" -mindepth 1 -maxdepth 1 -type d -not -name .crispify | wc -l)
	[ "$clones" = "$want" ] || { say "$l: $clones clones in the workspace, want $want"; exit 1; }

	before=$(pids "$l")
	timed "$l" "$work/$l/noop.out" remote
	n+=("$elapsed")
	if grep -q restarted "$work/$l/noop.out" || [ "$(pids "$l")" != "$before" ]; then
		say "$l: remote with nothing new restarted a worker:"
		cat "$work/$l/noop.out" >&2
		exit 1
	fi

	push_svc01 "$l"
	timed "$l" "$work/$l/moved.out" remote
	m+=("$elapsed")
	restarted=$(grep -c '^worker svc[0-9]* .*restarted' "$work/$l/moved.out" || true)
	[ "$restarted" = "$want" ] || {
		say "$l: svc01 changed: want $want restarts, got $restarted:"
		cat "$work/$l/moved.out" >&2
		exit 1
	}
	"$decrispify" -f "$work/$l/crispify.yaml" --yes >/dev/null 2>"$work/down.err" || { cat "$work/down.err" >&2; exit 1; }
	say "  $l: cold boot ${c[-1]} ms; remote, nothing new ${n[-1]} ms; remote, svc01 changed ${m[-1]} ms ($restarted restarted)"
}

for run in $(seq "$RUNS"); do
	say "run $run of $RUNS"
	# Alternate which goes first, so that neither always has a warmer cache.
	if [ $((run % 2)) = 1 ]; then order=(one clones); else order=(clones one); fi
	for l in "${order[@]}"; do bench "$l"; done
done

row() { # row LABEL CASE NOTE_ONE NOTE_CLONES
	local -n a=${2}_one b=${2}_clones
	local o c
	o=$(median "${a[@]}") c=$(median "${b[@]}")
	printf '| %s | %d ms%s | %d ms%s | %.2fx |\n' "$1" "$o" "$3" "$c" "$4" "$(awk -v a="$c" -v b="$o" 'BEGIN {print a / b}')"
}
echo
echo "$SERVICES services in one repository ($FILES files, $COMMITS commits), as one clone or as $SERVICES clones of it; no infra; $RUNS runs, medians; $(nproc) cores"
echo
echo "| case | one clone | $SERVICES clones | clones / one |"
echo '| --- | ---: | ---: | ---: |'
# shellcheck disable=SC2016 # the backticks are markdown
row 'cold boot (`crispify -d` from nothing to all ready)' cold '' ''
# shellcheck disable=SC2016
row '`crispify remote`, nothing new' noop '' ''
# shellcheck disable=SC2016
row '`crispify remote`, svc01 changed upstream' moved " (1 restart)" " ($SERVICES restarts)"
echo
echo "Run by run (ms), one clone: cold ${cold_one[*]}; nothing new ${noop_one[*]}; svc01 changed ${moved_one[*]}"
echo "Run by run (ms), $SERVICES clones: cold ${cold_clones[*]}; nothing new ${noop_clones[*]}; svc01 changed ${moved_clones[*]}"
