# lib/repos.sh: generated git repos for the benchmarks. Source it.

# generate_repo BARE NAME FILES COMMITS: a bare repo of FILES files and
# COMMITS commits on master, made by one git fast-import: the first commit
# adds every file, each next one changes a few.
generate_repo() {
	local bare=$1 name=$2 files=$3 commits=$4
	git init -q --bare --initial-branch=master "$bare"
	awk -v files="$files" -v commits="$commits" -v repo="$name" 'BEGIN {
		when = 1700000000
		for (c = 0; c < commits; c++) {
			when += 60
			msg = "commit " c
			printf "commit refs/heads/master\ncommitter Bench <bench@crispify.invalid> %d +0000\ndata %d\n%s\n", when, length(msg), msg
			for (f = 0; f < files; f++) {
				if (c > 0 && f % commits != c) continue
				body = sprintf("%s file %d version %d\n", repo, f, c)
				for (l = 0; l < 20; l++) body = body sprintf("line %d of file %d of %s, version %d: some text to compress\n", l, f, repo, c)
				printf "M 100644 inline src/dir%d/file%d.txt\ndata %d\n%s\n", f % 8, f, length(body), body
			}
		}
	}' | git -C "$bare" fast-import --quiet
}

# add_files BARE DIR: one more commit on master adding the files of DIR.
add_files() {
	local bare=$1 dir=$2 f
	{
		printf 'commit refs/heads/master\ncommitter Bench <bench@crispify.invalid> %d +0000\ndata 9\nadd files\nfrom refs/heads/master^0\n' "$(date +%s)"
		for f in "$dir"/*; do
			printf 'M 100644 inline %s\ndata %d\n' "$(basename "$f")" "$(wc -c <"$f")"
			cat "$f"
			printf '\n'
		done
	} | git -C "$bare" fast-import --quiet
}
