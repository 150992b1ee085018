#!/usr/bin/env bash
# remote-engine.sh: a second Docker engine on this machine, behind SSH, for
# the remote-engine tests and benchmark. It lives in a network namespace of
# its own (a veth pair joins it to this machine), runs Debian's dockerd with
# its own socket, data root, exec root and pid file, and an sshd in a mount
# namespace of its own where that engine's socket is /var/run/docker.sock,
# so that `ssh root@ADDR docker system dial-stdio` reaches it. Nothing of it
# touches the first engine, root's ~/.ssh or anything outside its folder.
#
#   remote-engine.sh up NAME [IMAGE...]   start it (after removing leftovers)
#                                         and load the images from the first
#                                         engine; prints KEY=VALUE lines
#   remote-engine.sh down NAME            stop and remove all of it
#   remote-engine.sh sweep                remove what runs whose owner died left
#
# NAME is 1-8 of [a-z0-9]. Everything lives in /tmp/crispify-remote/NAME:
# the folder, the namespace crispify-NAME and the veth pair are found by NAME
# alone, so `down` (or the next `up`) cleans up after a run that was killed.
set -euo pipefail

base=/tmp/crispify-remote

usage() { echo "usage: $0 up NAME [IMAGE...] | down NAME | sweep" >&2; exit 2; }

# The /30 of a name: 10.213.N.0/30, N from the name's checksum, moved on
# past any N another engine of this machine uses already.
subnet_of() {
	local n; n=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	n=$((n % 250 + 1))
	local tries=0
	while ip -o -4 addr show | grep -q "inet 10\.213\.$n\.1/" && [ $tries -lt 250 ]; do
		n=$((n % 250 + 1)) tries=$((tries + 1))
	done
	echo "10.213.$n"
}

# pids_under DIR: processes whose command line or cgroup names DIR or the
# engine's cgroup: dockerd, containerd, shims, sshd and the containers.
pids_under() {
	local name=$1 dir=$2 pid
	for pid in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$pid" = "$$" ] && continue
		if tr "\0" " " 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$dir/"; then
			echo "$pid"
		elif grep -qF "/crispify-remote-$name/" "/proc/$pid/cgroup" 2>/dev/null; then
			echo "$pid"
		fi
	done
}

down() {
	local name=$1
	local dir=$base/$name ns=crispify-$name
	if [ -S "$dir/docker.sock" ]; then
		# Containers first, quickly: the engine would stop them one by one.
		local ids
		ids=$(timeout 20 docker -H "unix://$dir/docker.sock" ps -aq 2>/dev/null || true)
		[ -z "$ids" ] || timeout 30 docker -H "unix://$dir/docker.sock" rm -f $ids >/dev/null 2>&1 || true
	fi
	local pid
	for f in sshd.pid dockerd.pid; do
		pid=$(cat "$dir/$f" 2>/dev/null || true)
		[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	done
	for _ in $(seq 50); do
		[ -z "$(pids_under "$name" "$dir")" ] && break
		sleep 0.2
	done
	for pid in $(pids_under "$name" "$dir"); do kill -9 "$pid" 2>/dev/null || true; done
	# Mounts the engine left under its data and exec roots, deepest first.
	local m
	for m in $(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	ip link del "cr${name}h" 2>/dev/null || true
	local cg
	for cg in /sys/fs/cgroup/*/crispify-remote-"$name"; do
		[ -d "$cg" ] || continue
		find "$cg" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$cg" 2>/dev/null || true
	done
	rm -rf "$dir"
	rmdir "$base" 2>/dev/null || true # when no other engine is left in it
}

# sweep removes the engines of runs that died without cleaning up: those
# whose owner.pid no longer runs.
sweep() {
	local d owner
	for d in "$base"/*/; do
		[ -d "$d" ] || continue
		owner=$(cat "$d/owner.pid" 2>/dev/null || true)
		if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then
			down "$(basename "$d")"
		fi
	done
	rmdir "$base" 2>/dev/null || true
}

up() {
	local name=$1; shift
	[[ $name =~ ^[a-z0-9]{1,8}$ ]] || usage
	for tool in ip nsenter unshare dockerd sshd ssh ssh-keygen docker; do
		command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
			echo "remote-engine.sh: $tool is missing (apt-get install iproute2 util-linux docker.io openssh-server openssh-client)" >&2; exit 1; }
	done
	sweep
	down "$name"
	local dir=$base/$name ns=crispify-$name net; net=$(subnet_of "$name")
	local host_ip=$net.1 remote_ip=$net.2
	mkdir -p "$dir"/{data,exec,bin,run}
	chmod 700 "$dir"
	echo "${OWNER_PID:-$PPID}" >"$dir/owner.pid"

	# The network: a namespace, a veth pair with a /30, loopback up.
	ip netns add "$ns"
	ip link add "cr${name}h" type veth peer name "cr${name}r"
	ip link set "cr${name}r" netns "$ns"
	ip addr add "$host_ip/30" dev "cr${name}h"
	ip link set "cr${name}h" up
	ip netns exec "$ns" ip addr add "$remote_ip/30" dev "cr${name}r"
	ip netns exec "$ns" ip link set "cr${name}r" up
	ip netns exec "$ns" ip link set lo up

	# The engine: the first engine's storage driver (what works on this
	# machine), its own everything else. nsenter, not `ip netns exec`,
	# which remounts /sys and hides the cgroup mounts dockerd needs.
	local driver; driver=$(docker info --format '{{.Driver}}' 2>/dev/null || echo vfs)
	cat >"$dir/daemon.json" <<JSON
{"storage-driver": "$driver", "data-root": "$dir/data", "exec-root": "$dir/exec",
 "pidfile": "$dir/dockerd.pid", "hosts": ["unix://$dir/docker.sock"],
 "cgroup-parent": "/crispify-remote-$name", "log-level": "warn", "mtu": 1400,
 "bip": "172.29.0.1/24", "default-address-pools": [{"base": "172.30.0.0/16", "size": 24}]}
JSON
	nsenter --net=/var/run/netns/"$ns" -- setsid dockerd --config-file "$dir/daemon.json" \
		--containerd-namespace "crispify-$name" --containerd-plugins-namespace "crispify-$name-plugins" \
		</dev/null >"$dir/dockerd.log" 2>&1 &
	local ok=""
	for _ in $(seq 120); do
		if docker -H "unix://$dir/docker.sock" version >/dev/null 2>&1; then ok=1; break; fi
		sleep 0.25
	done
	[ -n "$ok" ] || { echo "remote-engine.sh: dockerd did not start:" >&2; tail -20 "$dir/dockerd.log" >&2; exit 1; }

	# SSH: keys of its own, a config that names them, a wrapper for PATH.
	ssh-keygen -q -t ed25519 -N '' -C crispify-e2e -f "$dir/id_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C crispify-e2e-host -f "$dir/host_ed25519"
	cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
	echo "$remote_ip $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"
	cat >"$dir/sshd_config" <<CONF
ListenAddress $remote_ip
Port 22
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
MaxSessions 200
MaxStartups 200:30:400
PrintMotd no
LogLevel ERROR
CONF
	cat >"$dir/ssh_config" <<CONF
Host $remote_ip
  User root
  IdentityFile $dir/id_ed25519
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile $dir/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
CONF
	printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$dir/ssh_config" >"$dir/bin/ssh"
	chmod +x "$dir/bin/ssh"
	# sshd in a private mount namespace: /run is a tmpfs of its own there,
	# with the privilege separation folder sshd wants and the second
	# engine's socket at /run/docker.sock (/var/run is /run).
	nsenter --net=/var/run/netns/"$ns" -- unshare -m --propagation private -- sh -c "
		mount -t tmpfs -o mode=755 crispify-run /run &&
		mkdir -p /run/sshd && touch /run/docker.sock &&
		mount --bind '$dir/docker.sock' /run/docker.sock &&
		exec /usr/sbin/sshd -D -e -f '$dir/sshd_config'" </dev/null >"$dir/sshd.log" 2>&1 &
	ok=""
	for _ in $(seq 80); do
		if "$dir/bin/ssh" -o ConnectTimeout=2 "$remote_ip" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then ok=1; break; fi
		sleep 0.25
	done
	[ -n "$ok" ] || { echo "remote-engine.sh: sshd did not answer:" >&2; cat "$dir/sshd.log" >&2; exit 1; }

	# No registry: the first engine's images, loaded.
	if [ $# -gt 0 ]; then
		docker save "$@" | docker -H "unix://$dir/docker.sock" load -q >/dev/null
	fi
	echo "DIR=$dir"
	echo "SOCKET=unix://$dir/docker.sock"
	echo "ADDR=$remote_ip"
	echo "HOST_ADDR=$host_ip"
	echo "DOCKER_HOST=ssh://root@$remote_ip"
	echo "SSH_BIN=$dir/bin"
	echo "NETNS=$ns"
}

case ${1:-} in
up) [ $# -ge 2 ] || usage; shift; up "$@" ;;
down) [ $# -eq 2 ] || usage; down "$2" ;;
sweep) sweep ;;
*) usage ;;
esac
