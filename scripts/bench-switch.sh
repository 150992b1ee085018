#!/usr/bin/env bash
# bench-switch.sh: `crispify switch` on a running stack against the by-hand
# way, and its copy of the data against `cp -a`.
#
# The stack of `bench.sh local` (40 repos of FILES files and COMMITS
# commits, the six infra of scripts/local-images.sh, 10 workers ready on
# their ports), the 10 worker repos with a `feature` branch that changes
# their main.go (a setup_when file). Booted once with `crispify -d`; then
# about 200 MB written into the infra's volumes: rows in MariaDB (MYSQL_MB),
# keys in Redis, saved to its dump (REDIS_MB), and a file in RabbitMQ's
# volume (RABBIT_MB; the stand-ins are FROM scratch and keep no data).
#
# Each run, RUNS times, on the stack on master with master's data:
#
#   by hand        `decrispify`, `git checkout feature` in the 10 repos,
#                  `crispify -d`, timed whole (the feature then runs on
#                  master's data); then the same back to master, untimed;
#   first switch   `crispify switch feature`: its data is copied from
#                  master's (checked in its events);
#   switch -       back to master: a swap, no copy (checked);
#   later switch   `crispify switch feature` again: a swap, no copy;
#
# then `crispify switch -` (untimed) and the feature's data volumes are
# removed, so that the next run's first switch copies again. Every run has
# the workspace's remembered state (its health times), as a developer's
# stack would; only the setup's cold boot has none.
#
# Each switch runs with `--output json`; its events split it into the stop
# (from its start to the last infra stopped for its data), the copy (from
# there to the last volume `copied`; none without a copy) and the rest (to
# its end: the infra up on the branch's data, the workers ready). The
# copy's rate is set against `cp -a` of the same volume folders
# (/var/lib/docker/volumes/<vol>/_data, readable by root), one after
# another as the switch copies them, into a folder on the same disk, right
# after the switch; both rates count the folders' bytes (du -sb).
#
# The infra's own restart, the reference of the switches without a copy,
# is taken two ways. Within each switch, from its events: the stop and the
# boot (its last `starting` to its `healthy`) of the infra slowest to boot
# (RabbitMQ here), whatever else the switch spends being crispify's own.
# And on its own: after the runs, `decrispify` and `crispify infra` (no
# supervisor, whose keeper would start a stopped container again), then
# RUNS times `docker stop` of the containers the switches recreate, all at
# once, with crispify's stop timeout, then `docker start` of them, to each
# one's port first answering crispify's readiness probe (scripts/readylag,
# every 20 ms).
#
#   scripts/bench-switch.sh            # 3 runs of each
#   RUNS=5 scripts/bench-switch.sh
#
# Needs root (to read the volumes' folders) and the images of
# scripts/local-images.sh. Everything it makes is removed at its end, also
# on failure.
set -euo pipefail

RUNS=${RUNS:-3}
REPOS=40 WORKERS=10 FILES=80 COMMITS=40
MYSQL_MB=${MYSQL_MB:-80} REDIS_MB=${REDIS_MB:-70} RABBIT_MB=${RABBIT_MB:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench-switch.XXXXXX")
project=benchsw$$
say() { printf '%s\n' "$*" >&2; }
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 CI=true NO_COLOR=1

[ "$(id -u)" = 0 ] || { say "bench-switch.sh: run it as root: it reads the volumes' folders"; exit 2; }
"$root/scripts/local-images.sh" >&2
(cd "$root" && go build -o "$work/" ./cmd/... && go build -o "$work/worker" ./fixtures/worker &&
	go build -o "$work/readylag" ./scripts/readylag)
crispify=$work/crispify decrispify=$work/decrispify
cleanup() {
	local rc=$?
	# KEEP=DIR keeps the runs' events and outputs there.
	if [ -n "${KEEP:-}" ]; then
		mkdir -p "$KEEP" && cp "$work"/*.json "$work"/*.err "$work"/*.out "$work"/*.txt "$work/crispify.yaml" "$KEEP/" 2>/dev/null || true
	fi
	if [ -f "$work/crispify.yaml" ]; then
		(cd "$work" && "$decrispify" -f crispify.yaml --all-branches --yes >/dev/null 2>&1) || true
		# What a run cut off may have left: the containers and volumes
		# carrying the project's label.
		docker ps -aq --filter "label=io.crispify.project=$project" | xargs -r docker rm -f >/dev/null 2>&1 || true
		docker volume ls -q --filter "label=io.crispify.project=$project" | xargs -r docker volume rm >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_base N: the first port from 42000 on with N free ports after it.
free_base() {
	local p=42000 i used
	used=$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
	while :; do
		for ((i = 0; i < $1; i++)); do
			grep -qx "$((p + i))" <<<"$used" && break
		done
		[ "$i" = "$1" ] && { echo "$p"; return; }
		p=$((p + 100))
	done
}
infraport=$(free_base 6)
workerport=$(($(free_base $((6 + 100 + WORKERS))) + 100))

# shellcheck source=lib/repos.sh
source "$root/scripts/lib/repos.sh"
# shellcheck source=lib/stack.sh
source "$root/scripts/lib/stack.sh"
bench_stack "$work" "$project" "$infraport" "$workerport" >"$work/crispify.yaml"
# The feature branch of each worker repo: one commit on master's head that
# changes main.go (a setup_when file: its setup runs again).
feature=()
for i in $(seq -w 1 "$WORKERS"); do
	src=$work/featuresrc/svc$i
	git clone -q "$work/remote/svc$i.git" "$src"
	git -C "$src" checkout -q -b feature
	printf '\n// the feature of svc%s\n' "$i" >>"$src/main.go"
	git -C "$src" -c user.name=bench -c user.email=bench@crispify.invalid commit -qam "feature"
	git -C "$src" push -q origin feature
	feature+=("svc$i")
done
"$crispify" validate -f "$work/crispify.yaml" >&2

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
fail() {
	say "$1:"
	[ -f "${2:-}" ] && tail -40 "$2" >&2
	exit 1
}

# timed OUT ARGS...: crispify ARGS in the stack's folder, its output in OUT
# and its stderr in OUT.err; sets $elapsed (ms).
timed() {
	local out=$1 t0
	shift
	t0=$(date +%s%N)
	(cd "$work" && "$crispify" -f crispify.yaml "$@" >"$out" 2>"$out.err") || { cat "$out.err" >&2; fail "crispify $* failed" "$out"; }
	elapsed=$(ms "$t0")
}

# branches: the branch of each worker repo, sorted and counted ("10 feature").
branches() {
	local r
	for r in "${feature[@]}"; do git -C "$work/ws/$r" rev-parse --abbrev-ref HEAD; done | sort | uniq -c | awk '{ print $1, $2 }'
}
# ready: the 10 workers ready and the six infra healthy, by status --json.
check_up() {
	local st
	st=$(cd "$work" && "$crispify" -f crispify.yaml status --json)
	[ "$(jq '[.[] | select(.kind == "worker" and .state == "ready")] | length' <<<"$st")" = "$WORKERS" ] &&
		[ "$(jq '[.[] | select(.kind == "infra" and .state == "healthy")] | length' <<<"$st")" = 6 ] ||
		{ echo "$st" >"$work/status.out"; fail "$1: not every worker ready and infra healthy" "$work/status.out"; }
}
# data_events OUT PHASE: how many data events of PHASE the NDJSON in OUT has.
data_events() { jq -c "select(.kind == \"data\" and .phase == \"$2\")" "$1" | wc -l; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
say "booting the stack from nothing (project $project, infra on ports $infraport+, workers on $workerport+)"
timed "$work/boot.out" -d
check_up "cold boot"

# About 200 MB into the volumes, before the first switch.
c() { echo "$project-$1"; }
say "writing ${MYSQL_MB} MB of rows into MariaDB, ${REDIS_MB} MB of keys into Redis, a ${RABBIT_MB} MB file into RabbitMQ's volume"
rows=$((MYSQL_MB * 1024))
docker exec -e MYSQL_PWD=crisp "$(c mysql)" mariadb -uroot crisp -e "
	CREATE TABLE blobs (id INT AUTO_INCREMENT PRIMARY KEY, v VARBINARY(1024) NOT NULL) ENGINE=InnoDB;
	INSERT INTO blobs (v) SELECT RANDOM_BYTES(1024) FROM seq_1_to_$rows;"
# Values of 1000 random base64 characters, sent as the protocol's commands.
head -c $((REDIS_MB * 1024 * 1024 * 3 / 4)) /dev/urandom | base64 -w 1000 |
	awk '{ k = "key:" NR; printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length($0), $0 }' |
	docker exec -i "$(c redis)" redis-cli --pipe >/dev/null
docker exec "$(c redis)" redis-cli SAVE >/dev/null
docker exec -u rabbitmq "$(c rabbitmq)" sh -c "head -c $((RABBIT_MB * 1024 * 1024)) /dev/urandom >/var/lib/rabbitmq/bench-blob"
volbytes() { # volbytes VOLUME...: apparent bytes of the volumes' folders
	local v
	for v in "$@"; do du -sb "/var/lib/docker/volumes/$v/_data" | cut -f1; done | awk '{ s += $1 } END { print s + 0 }'
}
master_vols=$(docker volume ls -q --filter "label=io.crispify.project=$project" | sort)
# shellcheck disable=SC2086 # one argument per volume
say "the volumes hold $(($(volbytes $master_vols) / 1000000)) MB: $(echo $master_vols)"

streams=() parts=() byhand_down=() byhand_up=() byhand=() first=() back=() later=() copyms=() copybytes=() cpms=() cpbytes=() rates=()

# byhand BRANCH: decrispify, git checkout BRANCH in the 10 repos, crispify
# -d; sets $elapsed, and $down and $up (ms) of its first and last step.
byhand() {
	local t0 t1 r
	t0=$(date +%s%N)
	(cd "$work" && "$decrispify" -f crispify.yaml >"$work/byhand-down.out" 2>&1) || fail "decrispify failed" "$work/byhand-down.out"
	down=$(ms "$t0")
	for r in "${feature[@]}"; do git -C "$work/ws/$r" checkout -q "$1"; done
	t1=$(date +%s%N)
	(cd "$work" && "$crispify" -f crispify.yaml -d >"$work/byhand-up.out" 2>&1) || fail "crispify -d failed" "$work/byhand-up.out"
	up=$(ms "$t1")
	elapsed=$(ms "$t0")
}

# phases OUT: "stop copy up bytes stream" of the switch in the NDJSON of
# OUT, in ms from its events: from its start to the last infra stopped for
# its data, from there to the last volume copied (0 with no copy), from
# there to its end; the bytes copied; and the time the bytes streamed, each
# volume from its first `copying` to its `copied` (the copy less its
# containers, marker and checks).
phases() {
	jq -rs '
		def t: .ts | capture("^(?<s>[^.]*)(\\.(?<f>[0-9]+))?(?<z>.*)$") | ((.s + .z | sub("\\+00:00$"; "Z") | fromdateiso8601) + ("0." + (.f // "0") | tonumber));
		([.[] | select(.kind == "stack" and .phase == "started") | t] | min) as $a
		| ([.[] | select(.kind == "infra" and .phase == "dead") | t] | max) as $s
		| ([.[] | select(.kind == "data" and .phase == "copied") | t] | max // $s) as $c
		| ([.[] | select(.kind == "stack" and .phase == "done") | t] | max) as $d
		| ([.[] | select(.kind == "data" and (.phase == "copying" or .phase == "copied"))] | group_by(.volume.name)
			| map((map(t) | max) - (map(t) | min)) | add // 0) as $stream
		| def ms: . * 1000 | round;
		"\(($s - $a) | ms) \(($c - $s) | ms) \(($d - $c) | ms) \([.[] | select(.kind == "data" and .phase == "copied") | .volume.done] | add // 0) \($stream | ms)"' "$1"
}

# slowest OUT: "name stop boot" from a switch's events: of the infra whose
# boot (its last starting to its healthy) took longest, that boot, and its
# stop (from the event before its stopped one: the workers stopped, or the
# infra stopped before it) in ms. The switch beyond those two is crispify's
# own time, the target's "plus 1 s".
slowest() {
	jq -rs '
		def t: .ts | capture("^(?<s>[^.]*)(\\.(?<f>[0-9]+))?(?<z>.*)$") | ((.s + .z | sub("\\+00:00$"; "Z") | fromdateiso8601) + ("0." + (.f // "0") | tonumber));
		def ms: . * 1000 | round;
		map(. + {t: t}) as $e
		| ($e | map(select(.kind == "stack" and .phase == "started")) | first.t) as $a
		| ($e | map(select(.kind == "infra" and .phase == "dead")) | sort_by(.t)) as $dead
		| [$e | map(select(.kind == "infra" and .phase == "starting")) | group_by(.name)[] | max_by(.t)
			| . as $s | {name, s: .t, h: ([$e[] | select(.kind == "infra" and .name == $s.name and .phase == "healthy" and .t > $s.t) | .t] | min)}
			| select(.h != null)] | max_by(.h - .s) as $b
		| ($dead | map(.name) | index($b.name)) as $i
		| (if $i == 0 then ([$e[] | select(.kind == "worker" and .phase == "stopped" and .t < $dead[0].t) | .t] | max // $a) else $dead[$i - 1].t end) as $p
		| "\($b.name) \(($dead[$i].t - $p) | ms) \(($b.h - $b.s) | ms)"' "$1"
}
# own CASE OUT: appends to own_CASE the switch's wall time ($elapsed) less
# its slowest infra's stop and boot, and to infra_CASE those two.
own() {
	local -n o=own_$1 i=infra_$1
	local name stop boot
	read -r name stop boot < <(slowest "$2")
	o+=($((elapsed - stop - boot))) i+=($((stop + boot)))
	slow=$name
}
own_first=() own_back=() own_later=() infra_first=() infra_back=() infra_later=()

for run in $(seq "$RUNS"); do
	say "run $run of $RUNS"
	[ "$(branches)" = "$WORKERS master" ] || fail "run $run: the worker repos are not all on master: $(branches)"

	byhand feature
	byhand+=("$elapsed") byhand_down+=("$down") byhand_up+=("$up")
	[ "$(branches)" = "$WORKERS feature" ] || fail "by hand: not all on feature: $(branches)"
	check_up "by hand to feature"
	byhand master
	check_up "by hand back to master"

	timed "$work/first.$run.json" --output json switch feature
	first+=("$elapsed")
	own first "$work/first.$run.json"
	[ "$(data_events "$work/first.$run.json" copied)" -gt 0 ] || fail "the first switch copied nothing" "$work/first.$run.json"
	[ "$(branches)" = "$WORKERS feature" ] || fail "switch feature: not all on feature: $(branches)"
	check_up "switch feature"
	# cp -a of the volumes the switch copied, in its order, while they are
	# as warm in the page cache as the switch found them.
	read -r fstop cms fup cbytes streamed < <(phases "$work/first.$run.json")
	mapfile -t copied < <(jq -r 'select(.kind == "data" and .phase == "copied") | .volume.name' "$work/first.$run.json")
	srcs=()
	for v in "${copied[@]}"; do srcs+=("${v%.feature-*}"); done
	# Three times (the machine is shared): their median is the run's.
	cps=()
	for _ in 1 2 3; do
		rm -rf "$work/cp" && mkdir "$work/cp"
		t0=$(date +%s%N)
		for v in "${srcs[@]}"; do cp -a "/var/lib/docker/volumes/$v/_data" "$work/cp/$v"; done
		cps+=("$(ms "$t0")")
	done
	cp_ms=$(median "${cps[@]}")
	bytes=$(volbytes "${srcs[@]}")
	rm -rf "$work/cp"
	copyms+=("$cms") copybytes+=("$cbytes") streams+=("$streamed") cpms+=("$cp_ms") cpbytes+=("$bytes")
	rates+=("$(awk -v a="$cp_ms" -v b="$cms" 'BEGIN { printf "%.2f", a / b }')")

	timed "$work/back.$run.json" --output json switch -
	back+=("$elapsed")
	own back "$work/back.$run.json"
	read -r bstop _ bup _ _ < <(phases "$work/back.$run.json")
	[ "$(data_events "$work/back.$run.json" copied)" = 0 ] || fail "switch - copied" "$work/back.$run.json"
	[ "$(branches)" = "$WORKERS master" ] || fail "switch -: not all on master: $(branches)"
	check_up "switch -"

	timed "$work/later.$run.json" --output json switch feature
	later+=("$elapsed")
	own later "$work/later.$run.json"
	read -r lstop _ lup _ _ < <(phases "$work/later.$run.json")
	parts+=("first $fstop+$cms+$fup, back $bstop+$bup, later $lstop+$lup")
	[ "$(data_events "$work/later.$run.json" copied)" = 0 ] || fail "the later switch copied" "$work/later.$run.json"
	check_up "later switch feature"

	# Untimed: traced (-v, every git and Docker call with its time, in
	# reset.N.json.err) for KEEP's readers.
	timed "$work/reset.$run.json" --output json -v switch -
	check_up "switch - after the later switch"
	docker volume ls -q --filter "label=io.crispify.project=$project" --filter "label=io.crispify.data-branch=feature" |
		xargs -r docker volume rm >/dev/null
	say "  by hand ${byhand[-1]} ms; first switch ${first[-1]} ms (copy ${cms} ms of $((cbytes / 1000000)) MB, cp -a ${cp_ms} ms of $((bytes / 1000000)) MB); switch - ${back[-1]} ms; later switch ${later[-1]} ms"
	say "  switches' stop + copy + up (ms): ${parts[-1]}"
done

# The containers the switches recreated: those with a swapped event.
mapfile -t swapped < <(jq -r 'select(.kind == "data" and .phase == "swapped") | .name' "$work/later.1.json" | sort -u)
say "the infra's own restart: ${swapped[*]}, stopped and started at once by docker"
(cd "$work" && "$decrispify" -f crispify.yaml >/dev/null 2>&1 && "$crispify" -f crispify.yaml infra >"$work/infra.out" 2>&1) ||
	fail "decrispify and crispify infra failed" "$work/infra.out"
restart=() restart_stop=()
for run in $(seq "$RUNS"); do
	t0=$(date +%s%N)
	for n in "${swapped[@]}"; do docker stop -t 10 "$(c "$n")" >/dev/null & done
	wait
	stopped=$(ms "$t0")
	rm -f "$work/answered.txt"
	"$work/readylag" watch -f "$work/crispify.yaml" -every 20ms -o "$work/answered.txt" &
	watcher=$!
	for n in "${swapped[@]}"; do docker start "$(c "$n")" >/dev/null & done
	wait "$watcher"
	wait
	last=$(awk '{ print $2 }' "$work/answered.txt" | sort -n | tail -1)
	restart+=($(((last - t0) / 1000000))) restart_stop+=("$stopped")
	say "  restart ${restart[-1]} ms (stop ${stopped} ms)"
	[ "$(wc -l <"$work/answered.txt")" = 6 ] || fail "not every infra answered after its restart" "$work/answered.txt"
done

b=$(median "${byhand[@]}") f=$(median "${first[@]}") k=$(median "${back[@]}") l=$(median "${later[@]}")
r=$(median "${restart[@]}")
cm=$(median "${copyms[@]}") cp=$(median "${cpms[@]}") cb=$(median "${cpbytes[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", b / 1e6 / (t / 1000) }'; }
# shellcheck disable=SC2086 # one argument per volume
total=$(($(volbytes $master_vols) / 1000000))
echo
echo "40 repos ($WORKERS with a feature branch and a worker), six infra, $total MB in their volumes (${MYSQL_MB} MB of rows, ${REDIS_MB} MB of keys and a ${RABBIT_MB} MB file written); $RUNS runs, medians"
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB, Linux $(uname -r), Docker $(docker version --format '{{.Server.Version}}') ($(docker info --format '{{.Driver}}' 2>/dev/null)), $(date -u +%F); load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "| case | measured | reference | ratio | target |"
echo '| --- | ---: | ---: | ---: | --- |'
# shellcheck disable=SC2016 # the backticks are markdown
printf '| by hand: `decrispify`, `git checkout feature` in 10, `crispify -d` | %d ms | | | |\n' "$b"
# shellcheck disable=SC2016
printf '| first `switch feature` (copy) | %d ms | by hand %d ms | %sx | <= 0.5x |\n' "$f" "$b" "$(ratio "$f" "$b")"
# shellcheck disable=SC2016
printf '| `switch -` (no copy) | %d ms | infra restart %d ms | %+d ms | <= +1000 ms |\n' "$k" "$r" $((k - r))
# shellcheck disable=SC2016
printf '| later `switch feature` (no copy) | %d ms | infra restart %d ms | %+d ms | <= +1000 ms |\n' "$l" "$r" $((l - r))
# shellcheck disable=SC2016
printf '| `switch -`, less %s'"'"'s own stop and boot in it | %d ms | | | <= 1000 ms |\n' "$slow" "$(median "${own_back[@]}")"
# shellcheck disable=SC2016
printf '| later `switch feature`, the same | %d ms | | | <= 1000 ms |\n' "$(median "${own_later[@]}")"
# shellcheck disable=SC2016
printf '| the copy, %d MB | %d ms, %s MB/s | `cp -a` %d ms, %s MB/s | %sx | >= 0.8x |\n' \
	$((cb / 1000000)) "$cm" "$(mbs "$cb" "$cm")" "$cp" "$(mbs "$cb" "$cp")" "$(ratio "$cp" "$cm")"
echo
echo "Run by run (ms): by hand ${byhand[*]} (decrispify ${byhand_down[*]}; crispify -d ${byhand_up[*]}); first switch ${first[*]}; switch - ${back[*]}; later switch ${later[*]}"
echo "Each switch's stop + copy + up, from its events (ms): ${parts[*]}"
echo "$slow's own stop + boot in each switch (ms): first ${infra_first[*]}; switch - ${infra_back[*]}; later ${infra_later[*]}; the rest: first ${own_first[*]}; switch - ${own_back[*]}; later ${own_later[*]}"
echo "The copy (from the last infra stopped to the last volume copied) ${copyms[*]}, of ${copybytes[*]} bytes by its events, of which the bytes streamed ${streams[*]}; cp -a ${cpms[*]} of ${cpbytes[*]} bytes (du -sb); cp -a / copy ${rates[*]}"
echo "The infra's restart (${swapped[*]}; docker stop, then start, to each one's first answer) ${restart[*]}, of which the stop ${restart_stop[*]}"
