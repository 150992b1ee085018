#!/usr/bin/env bash
# bench-repos.sh: how fast `crispify repos` gets 40 repos onto disk, with each
# git backend, against plain git: a sequential `git clone` loop and
# `xargs -P8 git clone`. Prints a markdown table of medians and ratios.
#
#   scripts/bench-repos.sh            # 40 repos of 80 files and 40 commits, 5 runs
#   RUNS=10 REPOS=40 scripts/bench-repos.sh
#   CRISPIFY=./bin/crispify scripts/bench-repos.sh
#
# crispify is $CRISPIFY, else `crispify` on PATH, else built from ./cmd/crispify,
# else the stand-in internal/repos/testdata/reposync (same flags, same engine).
# Times come from hyperfine when installed, else from a loop of date +%s%N;
# peak memory from /usr/bin/time -v.
set -euo pipefail

REPOS=${REPOS:-40}
FILES=${FILES:-80}
COMMITS=${COMMITS:-40}
RUNS=${RUNS:-5}
JOBS=8

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crispify-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
remote=$work/remote ws=$work/ws manifest=$work/crispify.yaml
mkdir -p "$remote"

# Keep the user's git settings (hooks, templates, gc) out of the numbers.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

say() { printf '%s\n' "$*" >&2; }

# shellcheck source=lib/repos.sh
source "$root/scripts/lib/repos.sh"
generate() { generate_repo "$remote/$1.git" "$1" "$FILES" "$COMMITS"; }

say "generating $REPOS repos of $FILES files and $COMMITS commits in $work"
{
	printf 'version: 1\nproject: bench\nworkspace: ./ws\ndefaults:\n  branch: master\nservices:\n'
	for i in $(seq -w 1 "$REPOS"); do
		generate "svc$i"
		printf '  svc%s:\n    repo: file://%s/svc%s.git\n' "$i" "$remote" "$i"
		# The baselines' input: URL and target folder, one pair per line.
		printf 'file://%s/svc%s.git %s/svc%s\n' "$remote" "$i" "$ws" "$i" >>"$work/pairs"
	done
} >"$manifest"

# The crispify to measure.
if [[ -n ${CRISPIFY:-} ]]; then
	crispify=$CRISPIFY
elif command -v crispify >/dev/null 2>&1; then
	crispify=crispify
elif (cd "$root" && go build -o "$work/crispify" ./cmd/crispify 2>/dev/null) && "$work/crispify" repos --help >/dev/null 2>&1; then
	crispify=$work/crispify
else
	say "crispify repos not found: using the stand-in internal/repos/testdata/reposync"
	(cd "$root" && go build -o "$work/crispify" ./internal/repos/testdata/reposync)
	crispify=$work/crispify
fi

# The commands, as small scripts so that hyperfine and the loop run the same.
cat >"$work/seq-clone" <<EOF
#!/usr/bin/env bash
while read -r url dir; do git clone -q "\$url" "\$dir"; done <"$work/pairs"
EOF
cat >"$work/xargs-clone" <<EOF
#!/usr/bin/env bash
xargs -P$JOBS -n2 git clone -q <"$work/pairs"
EOF
cat >"$work/xargs-pull" <<EOF
#!/usr/bin/env bash
cut -d' ' -f2 "$work/pairs" | xargs -P$JOBS -I{} git -C {} pull -q --ff-only
EOF
chmod +x "$work"/seq-clone "$work"/xargs-clone "$work"/xargs-pull

# median PREPARE COMMAND: "WALL CPU", the median wall time of COMMAND over
# $RUNS runs, PREPARE run before each, and its CPU time (user + system, its
# child processes included: git's work too), in seconds. CPU time says what
# the work costs when other processes compete for the machine.
median() {
	local prepare=$1 cmd=$2
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine --style none --runs "$RUNS" --prepare "$prepare" --export-csv "$work/h.csv" "$cmd" >/dev/null 2>&1 ||
			{ say "failed: $cmd"; echo "nan nan"; return; }
		# columns: command,mean,stddev,median,user,system,min,max (user and
		# system are means)
		awk -F, 'NR == 2 { printf "%.3f %.3f\n", $4, $5 + $6 }' "$work/h.csv"
		return
	fi
	local runs=() t0 t1
	for _ in $(seq "$RUNS"); do
		bash -c "$prepare"
		t0=$(date +%s%N)
		/usr/bin/time -f '%U %S' -o "$work/cpu" bash -c "$cmd" >/dev/null 2>&1 || { say "failed: $cmd"; echo "nan nan"; return; }
		t1=$(date +%s%N)
		runs+=("$(((t1 - t0) / 1000)) $(awk '{ print $1 + $2 }' "$work/cpu")")
	done
	printf '%s\n' "${runs[@]}" | sort -n | awk '{ w[NR] = $1; c[NR] = $2 } END {
		m = NR % 2 ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
		for (i = 1; i <= NR; i++) cpu += c[i]
		printf "%.3f %.3f\n", m / 1e6, cpu / NR
	}'
}

# peak PREPARE COMMAND: the peak resident memory of COMMAND in MB. For git
# loops that is the largest single git process, for crispify with the cli
# backend crispify itself without its git children.
peak() {
	local prepare=$1 cmd=$2
	if [[ ! -x /usr/bin/time ]]; then
		echo "n/a"
		return
	fi
	bash -c "$prepare"
	/usr/bin/time -v -o "$work/time.txt" bash -c "exec $cmd >/dev/null 2>&1" || { echo "failed"; return; }
	awk -F: '/Maximum resident set size/ { printf "%.0f\n", $2 / 1024 }' "$work/time.txt"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.2fx", a / b; else print "-" }'; }

clean="rm -rf '$ws'"
populate="rm -rf '$ws' && '$crispify' repos -f '$manifest' >/dev/null 2>&1"
repos_cmd() { echo "'$crispify' repos -f '$manifest' $*"; }

say "timing, $RUNS runs each (hyperfine: $(command -v hyperfine >/dev/null && echo yes || echo no))"
read -r t_seq c_seq < <(median "$clean" "$work/seq-clone")
read -r t_xargs c_xargs < <(median "$clean" "$work/xargs-clone")
read -r t_gogit c_gogit < <(median "$clean" "$(repos_cmd --git go-git)")
read -r t_cli c_cli < <(median "$clean" "$(repos_cmd --git cli)")
read -r t_auto c_auto < <(median "$clean" "$(repos_cmd --git auto)")
bash -c "$populate"
read -r t_present c_present < <(median true "$(repos_cmd)")
read -r t_upd_gogit c_upd_gogit < <(median true "$(repos_cmd --update --git go-git)")
read -r t_upd_cli c_upd_cli < <(median true "$(repos_cmd --update --git cli)")
read -r t_upd_auto c_upd_auto < <(median true "$(repos_cmd --update --git auto)")
read -r t_pull c_pull < <(median true "$work/xargs-pull")

say "peak memory"
m_gogit=$(peak "$clean" "$(repos_cmd --git go-git)")
m_cli=$(peak "$clean" "$(repos_cmd --git cli)")
m_upd_gogit=$(peak true "$(repos_cmd --update --git go-git)")
m_upd_cli=$(peak true "$(repos_cmd --update --git cli)")
m_auto=$(peak "$clean" "$(repos_cmd --git auto)")
m_upd_auto=$(peak true "$(repos_cmd --update --git auto)")
m_xargs=$(peak "$clean" "$work/xargs-clone")

cat <<EOF
## crispify repos: $REPOS repos of $FILES files and $COMMITS commits, file://, median of $RUNS runs

$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a) at the end, $(git --version), crispify: \`$crispify\`

| case | command | median | vs \`xargs -P$JOBS git\` | CPU (user+sys) | target |
| --- | --- | ---: | ---: | ---: | --- |
| cold clone | \`git clone\` loop | ${t_seq} s | $(ratio "$t_seq" "$t_xargs") | ${c_seq} s | |
| cold clone | \`xargs -P$JOBS git clone\` | ${t_xargs} s | 1.00x | ${c_xargs} s | |
| cold clone | \`crispify repos --git go-git\` | ${t_gogit} s | $(ratio "$t_gogit" "$t_xargs") | ${c_gogit} s | <= 1.2x |
| cold clone | \`crispify repos --git cli\` | ${t_cli} s | $(ratio "$t_cli" "$t_xargs") | ${c_cli} s | <= 1.2x |
| cold clone | \`crispify repos\` (auto, the default) | ${t_auto} s | $(ratio "$t_auto" "$t_xargs") | ${c_auto} s | <= 1.2x |
| all present | \`crispify repos\` | ${t_present} s | | ${c_present} s | < 0.3 s |
| update, nothing new | \`xargs -P$JOBS git pull --ff-only\` | ${t_pull} s | 1.00x | ${c_pull} s | |
| update, nothing new | \`crispify repos --update --git go-git\` | ${t_upd_gogit} s | $(ratio "$t_upd_gogit" "$t_pull") | ${c_upd_gogit} s | < 1.5 s |
| update, nothing new | \`crispify repos --update --git cli\` | ${t_upd_cli} s | $(ratio "$t_upd_cli" "$t_pull") | ${c_upd_cli} s | < 1.5 s |
| update, nothing new | \`crispify repos --update\` (auto, the default) | ${t_upd_auto} s | $(ratio "$t_upd_auto" "$t_pull") | ${c_upd_auto} s | < 1.5 s |

| peak memory (max RSS) | MB | target |
| --- | ---: | --- |
| \`crispify repos --git go-git\`, cold clone | ${m_gogit} | < 100 MB |
| \`crispify repos --git cli\`, cold clone (crispify alone) | ${m_cli} | < 100 MB |
| \`crispify repos --update --git go-git\` | ${m_upd_gogit} | < 100 MB |
| \`crispify repos --update --git cli\` (crispify alone) | ${m_upd_cli} | < 100 MB |
| \`crispify repos\` (auto), cold clone (crispify alone) | ${m_auto} | < 100 MB |
| \`crispify repos --update\` (auto) | ${m_upd_auto} | < 100 MB |
| \`xargs -P$JOBS git clone\` (largest git) | ${m_xargs} | |
EOF
