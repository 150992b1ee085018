#!/usr/bin/env bash
# Builds the six infrastructure images that crispify's tests, benchmarks and
# offline demo run, without any container registry (DESIGN.md, "No registry
# on CI"):
#
#   crispify-local/redis:7.0                  Debian 12's redis-server
#   crispify-local/rabbitmq:3.10              Debian 12's rabbitmq-server, with management
#   crispify-local/mariadb:10.11              Debian 12's mariadb-server, standing in for MySQL
#   crispify-local/ferretdb:1.24              FerretDB 1.24 (SQLite), a real MongoDB-compatible
#                                             server built from fixtures/ferretdb/
#   crispify-fixture/elasticsearch-standin:8  protocol stand-ins built from fixtures/standin/:
#   crispify-fixture/ssdb-standin:1           test fixtures, not databases
#
# The Debian images are root filesystems bootstrapped from the Debian mirror
# and loaded with `docker import`; FerretDB and the stand-ins are static Go
# binaries in FROM scratch images. fixtures/README.md says how each behaves.
#
# Usage: scripts/local-images.sh [--force] [NAME...]
#   NAME     redis rabbitmq mariadb ferretdb elasticsearch ssdb (default: all)
#   --force  rebuild the named images even when they already exist
#   --print-mirrors  print the Debian mirrors it would use, and build nothing
#
# Environment:
#   CRISPIFY_IMAGE_CACHE    keeps the Debian base root filesystem between runs
#                           (default /var/cache/crispify-images); delete it to
#                           bootstrap afresh
#   DEBIAN_MIRROR           default: the Debian archive this machine's apt uses
#                           (/etc/apt/sources.list and sources.list.d/, one-line
#                           and deb822 forms)
#   DEBIAN_SECURITY_MIRROR  default: the security archive this machine's apt uses
#   APT_SOURCES_DIR         where apt's sources are read from (default /etc/apt)
#
# Needs Debian (12), a running Docker engine, root for the Debian images
# (mmdebstrap, chroot; mmdebstrap is installed with apt-get when missing) and
# Go for FerretDB and the stand-ins (FerretDB's modules come from the Go
# module proxy, as `go env GOPROXY` says).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${CRISPIFY_IMAGE_CACHE:-/var/cache/crispify-images}

all=(redis rabbitmq mariadb ferretdb elasticsearch ssdb)
declare -A tags=(
	[redis]=crispify-local/redis:7.0
	[rabbitmq]=crispify-local/rabbitmq:3.10
	[mariadb]=crispify-local/mariadb:10.11
	[ferretdb]=crispify-local/ferretdb:1.24
	[elasticsearch]=crispify-fixture/elasticsearch-standin:8
	[ssdb]=crispify-fixture/ssdb-standin:1
)

# Status lines go to stderr; a build's own chatter goes to its log file.
log() { printf '%s local-images: %s\n' "$(date +%T)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

usage() { sed -n '/^# Usage:/,/^#   --print-mirrors/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

# ---------------------------------------------------------------- Debian base

# apt_sources prints "URI SUITE" for every suite of every enabled deb source
# of this machine's apt, in apt's order: /etc/apt/sources.list, then the
# files of sources.list.d, one-line (*.list) and deb822 (*.sources) forms.
apt_sources() {
	local dir=${APT_SOURCES_DIR:-/etc/apt} f
	for f in "$dir/sources.list" "$dir"/sources.list.d/*; do
		[[ -f $f ]] || continue
		case $f in
		*.list)
			# deb [options] URI SUITE COMPONENT...
			sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 {print $2, $3}'
			;;
		*.sources)
			# Paragraphs of Field: value, continued on indented lines.
			awk '
				function flush() {
					if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
						n = split(uris, u, " "); m = split(suites, s, " ")
						for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j]
					}
					types = uris = suites = enabled = field = ""
				}
				/^[ \t]*#/ { next }
				/^[ \t]*$/ { flush(); next }
				/^[ \t]/ { if (field == "uris") uris = uris " " $0; else if (field == "suites") suites = suites " " $0; next }
				{
					field = tolower($0); sub(/:.*/, "", field)
					value = $0; sub(/^[^:]*:[ \t]*/, "", value)
					if (field == "types") types = value
					else if (field == "uris") uris = value
					else if (field == "suites") suites = value
					else if (field == "enabled") enabled = value
				}
				END { flush() }
			' "$f"
			;;
		esac
	done
}

# apt_mirror SUFFIX prints the URI of this machine's first apt source of the
# Debian release it runs (or of bookworm, which the images are made of) with
# the suite suffix SUFFIX: "" for the archive, "-security" for the security
# archive. The images then come from where this machine's packages come from,
# and no mirror's name is written here.
apt_mirror() {
	local want=$1 codename=""
	[[ -r /etc/os-release ]] && codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
	apt_sources | awk -v a="bookworm$want" -v b="${codename:+$codename$want}" \
		'($2 == a || (b != "" && $2 == b)) && !seen++ {sub(/\/$/, "", $1); print $1}'
}

mirror=${DEBIAN_MIRROR:-$(apt_mirror "")}
security=${DEBIAN_SECURITY_MIRROR:-$(apt_mirror -security)}

# The base root filesystem, bootstrapped once and copied for each Debian
# image. mmdebstrap (in Debian 12) rather than debootstrap: it downloads with
# apt, applies the dpkg filters below while it unpacks, and is quicker.
base=$cache/bookworm
base_args=(
	--variant=minbase
	--aptopt='APT::Install-Recommends "false"'
	--aptopt='Acquire::Languages "none"'
	# No pseudo-terminal in the chroot: without this dpkg warns on every package.
	--aptopt='Dpkg::Use-Pty "0"'
	# Documentation, manuals and translations are never unpacked; the images
	# stay small without a clean-up pass.
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/info/*'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-exclude=/usr/share/lintian/*'
	bookworm
)
base_mirrors=(
	"deb $mirror bookworm main"
	"deb $mirror bookworm-updates main"
	"deb $security bookworm-security main"
)

# in_root ROOT CMD... runs CMD chrooted in ROOT with a clean environment. /proc
# is mounted in a mount and PID namespace of the command's own: the mount and
# any daemon a package script starts die with the command, even when this
# script is killed, so nothing is ever left mounted under the cache.
in_root() {
	local root=$1
	shift
	unshare --mount --pid --fork --kill-child --mount-proc="$root/proc" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
}

# need_mirrors fails, saying what to set, when apt's sources named no mirror.
need_mirrors() {
	[[ -n $mirror ]] || die "no Debian archive in this machine's apt sources (/etc/apt/sources.list, sources.list.d/): set DEBIAN_MIRROR to a Debian mirror's URL"
	[[ -n $security ]] || die "no Debian security archive in this machine's apt sources (/etc/apt/sources.list, sources.list.d/): set DEBIAN_SECURITY_MIRROR to its URL"
}

ensure_mmdebstrap() {
	command -v mmdebstrap >/dev/null && return
	log "installing mmdebstrap with apt-get"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null
}

# ensure_base bootstraps the base when it is missing or was made by another
# recipe, else brings its packages up to date; either way its package lists are
# fresh, so that the image builds need no `apt-get update` of their own.
ensure_base() {
	local recipe
	recipe=$(printf '%s\n' "${base_args[@]}" "${base_mirrors[@]}")
	if [[ -f $base.recipe && $(<"$base.recipe") == "$recipe" && -d $base ]]; then
		log "updating the cached Debian base $base"
	else
		log "bootstrapping Debian 12 (minbase) into $base"
		rm -rf --one-file-system "$base" "$base.tmp" "$base.recipe"
		# Into a temporary name first: an interrupted bootstrap is never taken
		# for a finished one.
		mmdebstrap "${base_args[@]}" "$base.tmp" "${base_mirrors[@]}" >"$cache/logs/base.log" 2>&1 ||
			die "mmdebstrap failed: see $cache/logs/base.log"
		# Package scripts must not try to start services in the chroot; the
		# official Debian images ship the same policy.
		printf '#!/bin/sh\nexit 101\n' >"$base.tmp/usr/sbin/policy-rc.d"
		chmod 755 "$base.tmp/usr/sbin/policy-rc.d"
		mv "$base.tmp" "$base"
		printf '%s\n' "$recipe" >"$base.recipe"
	fi
	cp -L /etc/resolv.conf "$base/etc/resolv.conf"
	{ in_root "$base" apt-get update -q && in_root "$base" apt-get upgrade -y -q; } \
		>>"$cache/logs/base.log" 2>&1 || die "apt-get in $base failed: see $cache/logs/base.log"
}

# build_debian NAME PACKAGE VERSION CHANGE... installs PACKAGE into a copy of
# the base, overlays fixtures/images/NAME/rootfs, runs its setup.sh inside, and
# imports the result with the Dockerfile instructions CHANGE. VERSION is a glob
# the Debian version must match, so that a tag never lies about its content.
build_debian() {
	local name=$1 pkg=$2 want=$3
	shift 3
	local root=$cache/work/$name dir=$repo/fixtures/images/$name version change
	local changes=()
	for change; do changes+=(--change "$change"); done
	step "$name" "installing $pkg into a copy of the Debian base"
	rm -rf --one-file-system "$root"
	mkdir -p "$cache/work"
	cp -a "$base" "$root"
	cp -a "$dir/rootfs/." "$root/"
	cp "$dir/setup.sh" "$root/tmp/setup.sh"
	in_root "$root" apt-get install -y -q "$pkg"
	# shellcheck disable=SC2016 # ${Version} is dpkg-query's, not the shell's
	version=$(in_root "$root" dpkg-query -W -f='${Version}' "$pkg")
	# shellcheck disable=SC2053 # $want is a glob
	[[ $version == $want ]] || {
		step "$name" "error: Debian's $pkg is now $version, not $want: change its tag in $0"
		return 1
	}
	in_root "$root" sh /tmp/setup.sh
	# Package lists, caches and logs are for building only.
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
		"$root"/var/log/apt/* "$root"/var/log/*.log "$root"/tmp/* "$root/etc/resolv.conf"
	step "$name" "importing $pkg $version as ${tags[$name]}"
	local old
	old=$(image_id "${tags[$name]}")
	# /dev, /proc and /sys are the engine's to provide.
	tar --create --numeric-owner --directory="$root" \
		--exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' . |
		docker import "${changes[@]}" - "${tags[$name]}"
	drop_replaced "${tags[$name]}" "$old"
	rm -rf --one-file-system "$root"
}

image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# drop_replaced TAG OLD removes the image OLD that a --force rebuild of TAG
# replaced, so that rebuilds leave no dangling images; one still used by a
# container stays.
drop_replaced() {
	if [[ -n $2 && $2 != "$(image_id "$1")" ]]; then
		docker rmi "$2" >/dev/null 2>&1 || true
	fi
}

path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

build_redis() {
	build_debian redis redis-server '5:7.0.*' \
		"ENV PATH=$path" \
		'WORKDIR /data' \
		'VOLUME /data' \
		'EXPOSE 6379' \
		'ENTRYPOINT ["docker-entrypoint.sh"]' \
		'CMD ["redis-server"]'
}

build_rabbitmq() {
	# PATH puts RabbitMQ's own scripts before Debian's /usr/sbin wrappers,
	# which su to the rabbitmq user and so cannot run as PID 1 or as a health
	# check. HOME is where root's CLI finds the server's Erlang cookie, as in
	# the official image. A fixed node name keeps the data directory
	# (/var/lib/rabbitmq/mnesia/rabbit@localhost) the same when the
	# container is recreated with a new hostname.
	build_debian rabbitmq rabbitmq-server '3.10.*' \
		"ENV PATH=/usr/lib/rabbitmq/bin:$path" \
		'ENV HOME=/var/lib/rabbitmq' \
		'ENV LANG=C.UTF-8' \
		'ENV RABBITMQ_NODENAME=rabbit@localhost' \
		'VOLUME /var/lib/rabbitmq' \
		'EXPOSE 4369 5671 5672 15671 15672 25672' \
		'ENTRYPOINT ["docker-entrypoint.sh"]' \
		'CMD ["rabbitmq-server"]'
}

build_mariadb() {
	build_debian mariadb mariadb-server '1:10.11.*' \
		"ENV PATH=$path" \
		'ENV LANG=C.UTF-8' \
		'VOLUME /var/lib/mysql' \
		'EXPOSE 3306' \
		'ENTRYPOINT ["docker-entrypoint.sh"]' \
		'CMD ["mariadbd"]'
}

# ------------------------------------------------------------------- FerretDB

# build_ferretdb builds fixtures/ferretdb, a module of its own (FerretDB's
# dependencies stay out of crispify's go.mod), into a static binary and that
# into a FROM scratch image. Without PostgreSQL support: only SQLite is used,
# and the binary is smaller.
build_ferretdb() {
	local dir=$cache/work/ferretdb old
	step ferretdb "building FerretDB from fixtures/ferretdb"
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$repo/fixtures/ferretdb" && CGO_ENABLED=0 go build -tags ferretdb_no_postgresql -trimpath -ldflags='-s -w' -o "$dir/ferretdb" .)
	old=$(image_id "${tags[ferretdb]}")
	docker build --quiet --tag "${tags[ferretdb]}" --file "$repo/fixtures/images/ferretdb/Dockerfile" "$dir"
	drop_replaced "${tags[ferretdb]}" "$old"
	rm -rf "$dir"
}

# ------------------------------------------------------------------ stand-ins

# build_standins NAME... builds fixtures/standin/NAME into static binaries, in
# one `go build` so that the standard library is compiled once for all, then
# each into a FROM scratch image, which needs nothing from a registry.
build_standins() {
	local dir=$cache/work/standins name pkgs=()
	for name; do pkgs+=("./fixtures/standin/$name"); done
	step standins "building $* from fixtures/standin"
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$repo" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$dir/" "${pkgs[@]}")
	local old
	for name; do
		mkdir "$dir/$name-context"
		mv "$dir/$name" "$dir/$name-context/standin"
		old=$(image_id "${tags[$name]}")
		docker build --quiet --tag "${tags[$name]}" \
			--file "$repo/fixtures/images/$name-standin/Dockerfile" "$dir/$name-context"
		drop_replaced "${tags[$name]}" "$old"
		step standins "built ${tags[$name]}"
	done
	rm -rf "$dir"
}

# ------------------------------------------------------------------------ main

declare -A pids=() # running build job -> its process (group) id

# start_build JOB [NAME...] starts a build in the background, its output in
# its log file and its progress on stderr.
start_build() {
	build "$@" 3>&2 </dev/null >"$cache/logs/$1.log" 2>&1 &
	pids[$1]=$!
}

# stop_builds stops the builds still running when the script ends early, and
# removes their half-made root filesystems.
stop_builds() {
	set +m # no "Terminated" job notices
	local pid
	for pid in "${pids[@]}"; do
		kill -- "-$pid" 2>/dev/null || true
	done
	wait
	rm -rf --one-file-system "$cache/work"
}

interrupted() {
	log "interrupted: stopping the builds"
	exit 130 # runs stop_builds
}

# step NAME MSG reports a build's progress on the script's stderr (fd 3 in a
# build, whose own output goes to its log).
step() { printf '%s local-images: %s: %s\n' "$(date +%T)" "$1" "$2" >&3; }

# build JOB [NAME...] does one job and says how long it took.
build() {
	local job=$1 start=$SECONDS
	shift
	case $job in
	standins) build_standins "$@" ;;
	*) "build_$job" ;;
	esac
	step "$job" "done in $((SECONDS - start))s"
}

main() {
	local force=0 names=() arg
	for arg; do
		case $arg in
		--force) force=1 ;;
		--print-mirrors)
			printf 'DEBIAN_MIRROR=%s\nDEBIAN_SECURITY_MIRROR=%s\n' "$mirror" "$security"
			return 0
			;;
		-h | --help)
			usage
			return 0
			;;
		-*) die "unknown option $arg (try --help)" ;;
		*)
			[[ -v tags[$arg] ]] || die "unknown image $arg: want one of ${all[*]}"
			names+=("$arg")
			;;
		esac
	done
	((${#names[@]})) || names=("${all[@]}")

	docker version >/dev/null 2>&1 || die "the Docker engine is not reachable: is it running? try docker info"
	mkdir -p "$cache/logs"
	# Test packages may run this script at the same time: the second waits,
	# then finds the images built.
	exec 9>"$cache/lock"
	flock -n 9 || {
		log "waiting for another local-images.sh run to finish"
		flock 9
	}

	# Jobs: one per Debian image, one for FerretDB, one for all the stand-ins.
	local jobs=() gojobs=() standins=() name present
	present=$'\n'$(docker image ls --format '{{.Repository}}:{{.Tag}}')$'\n'
	for name in "${names[@]}"; do
		if ((!force)) && [[ $present == *$'\n'"${tags[$name]}"$'\n'* ]]; then
			log "${tags[$name]}: present, skipped (--force rebuilds)"
			continue
		fi
		case $name in
		redis | rabbitmq | mariadb) jobs+=("$name") ;;
		ferretdb) gojobs+=(ferretdb) ;;
		*) standins+=("$name") ;;
		esac
	done
	((${#jobs[@]} + ${#gojobs[@]} + ${#standins[@]})) || return 0

	local start=$SECONDS
	if ((${#jobs[@]})); then
		((EUID == 0)) || die "building the Debian images needs root (mmdebstrap, chroot): run with sudo"
		need_mirrors
	fi
	if ((${#standins[@]} + ${#gojobs[@]})); then
		command -v go >/dev/null || die "building FerretDB and the stand-ins needs Go: install it, or name only redis rabbitmq mariadb"
	fi

	# Builds run in the background, each in a process group of its own
	# (set -m), so that an interrupt or a failure stops all of a build: go,
	# apt, dpkg, docker import.
	set -m
	trap interrupted INT TERM
	trap stop_builds EXIT
	# FerretDB and the stand-ins need no Debian base: they build while it
	# is bootstrapped.
	for name in "${gojobs[@]}"; do
		start_build "$name"
	done
	if ((${#standins[@]})); then
		start_build standins "${standins[@]}"
	fi
	if ((${#jobs[@]})); then
		ensure_mmdebstrap
		ensure_base
		# Then the Debian images all at once: they wait on dpkg, the disk
		# and the engine as much as on the CPU.
		for name in "${jobs[@]}"; do
			start_build "$name"
		done
	fi

	local failed=() job
	for job in "${!pids[@]}"; do
		if ! wait "${pids[$job]}"; then
			failed+=("$job")
			log "$job failed; the end of $cache/logs/$job.log:"
			tail -n 20 "$cache/logs/$job.log" >&2
		fi
		unset "pids[$job]"
	done
	((${#failed[@]} == 0)) || die "could not build: ${failed[*]}"
	log "all built in $((SECONDS - start))s"
}

main "$@"
