#!/usr/bin/env bash
# demo.sh: crispify from nothing to the whole demo stack, offline.
#
#   scripts/demo.sh            # build, then `crispify` in the foreground (q or Ctrl-C stops the workers)
#   scripts/demo.sh -d         # the same, detached: returns once everything is ready
#   scripts/demo.sh down       # tear it down (containers, network and workers; data kept)
#
# It builds the local images (scripts/local-images.sh, cached), builds
# crispify, turns each worker of examples/ into a git repo under
# /tmp/crispify-demo/remotes, and runs crispify on manifests/demo.yaml.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo=/tmp/crispify-demo
manifest=$root/manifests/demo.yaml

"$root/scripts/local-images.sh"

mkdir -p "$demo/bin" "$demo/remotes"
(cd "$root" && go build -o "$demo/bin/" ./cmd/...)

# One bare repo per example, made once; a later demo clones from it.
for src in "$root"/examples/*/; do
	name=$(basename "$src")
	bare=$demo/remotes/$name.git
	[ -d "$bare" ] && continue
	work=$(mktemp -d)
	cp "$src"/*.go "$work/"
	# A worker with dependencies (the indexer's MongoDB driver) has its own
	# go.mod and go.sum, fetched through the Go module proxy when it builds;
	# the others need only the standard library.
	if [ -f "$src/go.mod" ]; then
		cp "$src/go.mod" "$work/"
		[ -f "$src/go.sum" ] && cp "$src/go.sum" "$work/"
	else
		printf 'module crisp.example/%s\n\ngo 1.22\n' "$name" >"$work/go.mod"
	fi
	printf 'worker\n' >"$work/.gitignore"
	git -C "$work" init -q --initial-branch=master
	git -C "$work" add .
	git -C "$work" -c user.name=demo -c user.email=demo@crispify.invalid commit -qm "$name: first version"
	git clone -q --bare "$work" "$bare"
	rm -rf "$work"
	echo "demo: made the repo of $name at $bare"
done

export PATH="$demo/bin:$PATH"
if [ "${1:-}" = down ]; then
	shift
	exec decrispify -f "$manifest" "$@"
fi
echo "demo: crispify -f $manifest $*   (tear down later with: scripts/demo.sh down)"
exec crispify -f "$manifest" "$@"
