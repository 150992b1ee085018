#!/usr/bin/env bash
# demo.sh: crispify from nothing to the whole demo stack, offline.
#
#   scripts/demo.sh            # build, then `crispify` in the foreground (q or Ctrl-C stops the workers)
#   scripts/demo.sh -d         # the same, detached: returns once everything is ready
#   scripts/demo.sh down       # tear it down (containers, network and workers; data kept)
#   scripts/demo.sh status     # any other command of crispify's, on the demo's manifest
#
# It builds the local images (scripts/local-images.sh, cached), builds
# crispify, turns each worker of examples/ into a git repo under
# /tmp/crispify-demo/remotes, and runs crispify on manifests/demo.yaml.
# The binaries it builds are in /tmp/crispify-demo/bin, not on your PATH:
# crispify's hints say `scripts/demo.sh down`, `scripts/demo.sh status`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo=/tmp/crispify-demo
manifest=$root/manifests/demo.yaml
export CRISPIFY_COMMAND=$0

# A command on the demo as it is (down, status, logs...) checks no image,
# rebuilds nothing and syncs no repo: down does only down.
case "${1:-}" in
down | status | logs | stop | restart | doctor | validate | version)
	[ -x "$demo/bin/crispify" ] || (cd "$root" && go build -o "$demo/bin/" ./cmd/...)
	export PATH="$demo/bin:$PATH"
	if [ "$1" = down ]; then
		shift
		exec decrispify -f "$manifest" "$@"
	fi
	exec crispify -f "$manifest" "$@"
	;;
esac

"$root/scripts/local-images.sh"

mkdir -p "$demo/bin" "$demo/remotes"
(cd "$root" && go build -o "$demo/bin/" ./cmd/...)

# example_files SRC DIR puts an example's files into DIR. A worker with
# dependencies (the indexer's MongoDB driver) has its own go.mod and go.sum,
# fetched through the Go module proxy when it builds; the others need only
# the standard library.
example_files() {
	local src=$1 dir=$2 name
	name=$(basename "$src")
	cp "$src"/*.go "$dir/"
	if [ -f "$src/go.mod" ]; then
		cp "$src/go.mod" "$dir/"
		[ -f "$src/go.sum" ] && cp "$src/go.sum" "$dir/"
	else
		printf 'module crisp.example/%s\n\ngo 1.22\n' "$name" >"$dir/go.mod"
	fi
	printf 'worker\n' >"$dir/.gitignore"
}

# One bare repo per example, made once; when the example changed since, a
# new commit brings it up to date, as a team's push would.
for src in "$root"/examples/*/; do
	name=$(basename "$src")
	bare=$demo/remotes/$name.git
	work=$(mktemp -d)
	if [ -d "$bare" ]; then
		git clone -q "$bare" "$work/repo"
		find "$work/repo" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
		example_files "$src" "$work/repo"
		if [ -n "$(git -C "$work/repo" status --porcelain)" ]; then
			git -C "$work/repo" add -A
			git -C "$work/repo" -c user.name=demo -c user.email=demo@crispify.invalid commit -qm "$name: as in examples/ now"
			git -C "$work/repo" push -q origin HEAD
			echo "demo: updated the repo of $name at $bare"
		fi
	else
		mkdir "$work/repo"
		example_files "$src" "$work/repo"
		git -C "$work/repo" init -q --initial-branch=master
		git -C "$work/repo" add .
		git -C "$work/repo" -c user.name=demo -c user.email=demo@crispify.invalid commit -qm "$name: first version"
		git clone -q --bare "$work/repo" "$bare"
		echo "demo: made the repo of $name at $bare"
	fi
	rm -rf "$work"
done

export PATH="$demo/bin:$PATH"
echo "demo: crispify -f $manifest $*   (tear down later with: $0 down)"
exec crispify -f "$manifest" "$@"
