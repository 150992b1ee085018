#!/usr/bin/env bash
# release-check.sh: build the release as users get it, and install it.
#
#   scripts/release-check.sh      # what CI runs after `make test`
#
# It installs goreleaser (pinned below; the Go module proxy serves it) into
# a cache folder kept between runs, checks .goreleaser.yml, builds a
# snapshot release into dist/ (nothing is published or signed), then checks
# the six archives and the .deb and .rpm packages: the .deb is unpacked into
# a clean folder and its crispify, crispify-remote, man pages and
# completions are tried there.
set -euo pipefail
cd "$(dirname "$0")/.."

goreleaser_version=v2.15.1
tools=${XDG_CACHE_HOME:-$HOME/.cache}/crispify/tools/goreleaser-$goreleaser_version
goreleaser=$tools/goreleaser

say() { printf '\n== %s\n' "$*"; }
fail() { echo "release-check: $*" >&2; exit 1; }

if ! "$goreleaser" --version 2>/dev/null | grep -q "GitVersion: *$goreleaser_version\$"; then
	say "installing goreleaser $goreleaser_version into $tools"
	mkdir -p "$tools"
	GOBIN=$tools go install "github.com/goreleaser/goreleaser/v2@$goreleaser_version"
fi

say "goreleaser check"
"$goreleaser" check

say "goreleaser release --snapshot --clean"
"$goreleaser" release --snapshot --clean

version=$(grep -o '"version":"[^"]*"' dist/metadata.json | head -1 | cut -d'"' -f4)
[ -n "$version" ] || fail "dist/metadata.json names no version"
echo "release-check: version $version"

say "archives"
for target in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64; do
	case $target in
	windows_*) archive=dist/crispify_${version}_$target.zip
		list=$(unzip -Z1 "$archive") ;;
	*) archive=dist/crispify_${version}_$target.tar.gz
		list=$(tar -tzf "$archive") ;;
	esac
	[ -f "$archive" ] || fail "no archive $archive"
	exe=""; case $target in windows_*) exe=.exe ;; esac
	for f in "crispify$exe" "decrispify$exe" LICENSE README.md completions/crispify.bash man/crispify.1.gz; do
		grep -qx "$f" <<<"$list" || fail "$archive lacks $f; it has: $(tr '\n' ' ' <<<"$list")"
	done
	echo "ok  $archive"
done

say "packages"
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
deb=$(ls dist/crispify_*_"$arch".deb 2>/dev/null | head -1)
rpm=$(ls dist/crispify-*."$(uname -m)".rpm 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no .deb for $arch in dist/: $(ls dist)"
[ -n "$rpm" ] || fail "no .rpm for $(uname -m) in dist/: $(ls dist)"
echo "ok  $rpm"
# Output is read whole into variables: grep -q in a pipe would end the
# writer early, which pipefail counts as a failure.
info=$(dpkg-deb --info "$deb")
grep -q '^ Depends: git$' <<<"$info" || fail "$deb does not depend on git: $info"

# Install the .deb into a folder of its own, and run it from there.
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
for f in usr/bin/crispify usr/bin/decrispify usr/bin/crispify-local usr/bin/crispify-remote \
	usr/share/man/man1/crispify.1.gz usr/share/man/man1/crispify-local.1.gz usr/share/man/man1/decrispify.1.gz \
	usr/share/bash-completion/completions/crispify usr/share/zsh/vendor-completions/_crispify \
	usr/share/fish/vendor_completions.d/crispify.fish usr/share/doc/crispify/copyright; do
	[ -e "$root/$f" ] || fail "$deb does not install /$f"
done
[ "$(readlink "$root/usr/bin/crispify-remote")" = crispify ] || fail "crispify-remote is not a link to crispify"
got=$("$root/usr/bin/crispify" version)
echo "$got"
[[ $got == "crispify $version ("* ]] || fail "crispify version says \"$got\", want crispify $version"
help=$("$root/usr/bin/crispify-remote" --help)
grep -q '^  crispify remote \[-d\]' <<<"$help" || fail "crispify-remote --help is not the help of crispify remote:
$help"
page=$(zcat "$root/usr/share/man/man1/crispify.1.gz")
grep -q '^\.TH "CRISPIFY" "1"' <<<"$page" || fail "crispify.1 is not a man page"
page=$(zcat "$root/usr/share/man/man1/crispify-doctor.1.gz")
grep -q "crispify $version" <<<"$page" || fail "crispify-doctor.1 does not name version $version"
grep -q 'vm.max_map_count' <<<"$page" || fail "crispify-doctor.1 lacks the doctor's description"
grep -q 'complete -o default -F __start_crispify crispify' "$root/usr/share/bash-completion/completions/crispify" ||
	fail "the bash completion does not complete crispify"
grep -q 'Apache License' "$root/usr/share/doc/crispify/copyright" || fail "the package's copyright is not the license"
echo "ok  $deb: installs crispify $version, its links, man pages and completions"
