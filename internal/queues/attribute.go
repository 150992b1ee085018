package queues

import (
	"net/netip"
	"slices"
	"strings"
)

// Place is where the broker's clients connect on this machine: the host
// ports its AMQP port is published on, and that port in the container.
type Place struct {
	HostPorts     []int
	ContainerPort int
}

// Attribution says which worker holds each consumer's connection.
type Attribution struct {
	// Consumers are the workers of each of the sample's consumers, in its
	// order: one when it is known, several when it could be any of them
	// (see Attribute), none when no worker's connection can be it.
	Consumers [][]string
	// Clients counts each worker's connections to the broker (read only
	// when the broker has consumers).
	Clients map[string]int
}

// Workers are the stack's workers: Leaders the pids of each running one's
// processes (workers.Status.PIDs), every one the leader of its group;
// Names every worker of the stack, running or not.
type Workers struct {
	Leaders map[int]string
	Names   []string
}

// Attribute names the worker behind each consumer of s, from the TCP
// connections under root (a /proc) and the stack's workers.
//
// When the broker sees the client's own socket (no proxy between them) the
// peer's port is the local port of a connection here: its holder, then
// the worker whose group holds it, is exact. Through the engine's proxy
// (docker-proxy, an ssh tunnel) the broker sees the proxy, and the
// client's port is only visible on this side: every connection here to a
// published port is a client of the broker, and its holder is known, but
// not which of the broker's connections it is. A consumer seen through a
// proxy is then the one worker holding clients, or, among several, the
// one whose program amqp091-go named in the consumer tag
// (ctag-<argv0>-<n>), or whose name the tag holds ("payments-4242"); else
// it could be any of them, and all are named.
func Attribute(root string, s Sample, place Place, workers Workers) Attribution {
	at := Attribution{Consumers: make([][]string, len(s.Consumers)), Clients: map[string]int{}}
	if len(s.Consumers) == 0 {
		return at // nobody to name: the pass over every process's fds is saved
	}
	published := map[uint16]bool{}
	for _, p := range place.HostPorts {
		published[uint16(p)] = true
	}
	toBroker := func(c conn) bool {
		return published[c.Remote.Port()] || c.Remote.Port() == uint16(place.ContainerPort)
	}
	var mine []conn
	inodes := map[string]bool{}
	for _, c := range readConns(root) {
		// The proxy's end of a client's connection listens on the
		// published port: it is not a client.
		if toBroker(c) && !published[c.Local.Port()] {
			mine = append(mine, c)
			inodes[c.Inode] = true
		}
	}
	holder := holders(root, inodes)
	w := workerFinder{root: root, leaders: workers.Leaders, memo: map[int]string{}}
	byLocal := map[netip.AddrPort]string{} // local end -> worker, "" for another process
	clients := map[string][]int{}          // worker -> the pids holding its clients through the published ports
	for _, c := range mine {
		pid, ok := holder[c.Inode]
		if !ok {
			continue
		}
		name := w.of(pid)
		byLocal[c.Local] = name
		if name != "" && published[c.Remote.Port()] {
			at.Clients[name]++
			if !slices.Contains(clients[name], pid) {
				clients[name] = append(clients[name], pid)
			}
		}
	}
	viaProxy := sortedNames(clients)
	for i, cons := range s.Consumers {
		if name, ok := byLocal[peerAddr(cons.Peer)]; ok && name != "" {
			at.Consumers[i] = []string{name}
			continue
		}
		at.Consumers[i] = w.byTag(cons.Tag, viaProxy, clients, workers.Names)
	}
	return at
}

// byTag picks the workers that may hold a consumer seen through a proxy
// among those holding clients (names, their pids in pids), as Attribute
// says; all is every worker of the stack.
func (w workerFinder) byTag(tag string, names []string, pids map[string][]int, all []string) []string {
	var match []string
	if prog := tagProgram(tag); prog != "" {
		for _, name := range names {
			if slices.ContainsFunc(pids[name], func(pid int) bool { return program(w.root, pid) == prog }) {
				match = append(match, name)
			}
		}
	}
	if len(match) == 0 {
		for _, name := range all {
			if namesWorker(tag, name) {
				match = append(match, name)
			}
		}
	}
	if len(match) == 0 {
		return names
	}
	return match
}

// namesWorker reports whether tag holds name as a word of its own: not
// "orders" in "reorders".
func namesWorker(tag, name string) bool {
	for i := 0; ; {
		j := strings.Index(tag[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !wordByte(tag[start-1])) && (end == len(tag) || !wordByte(tag[end])) {
			return true
		}
		i = start + 1
	}
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// tagProgram is the program amqp091-go wrote in a default consumer tag,
// ctag-<argv0>-<n>: "./bin/pay" gives "pay"; "" for other tags.
func tagProgram(tag string) string {
	rest, ok := strings.CutPrefix(tag, "ctag-")
	if !ok {
		return ""
	}
	i := strings.LastIndexByte(rest, '-')
	if i <= 0 {
		return ""
	}
	argv0 := rest[:i]
	return argv0[strings.LastIndexByte(argv0, '/')+1:]
}

func peerAddr(p Peer) netip.AddrPort {
	addr, err := netip.ParseAddr(p.Host)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(p.Port))
}

// workerFinder finds the worker of a process: the one whose leader leads
// its group, or an ancestor's (a child that made a group of its own).
type workerFinder struct {
	root    string
	leaders map[int]string
	memo    map[int]string
}

// maxDepth bounds the walk up the parents: a worker's clients are its
// processes or their children, a few levels down.
const maxDepth = 16

func (w workerFinder) of(pid int) string {
	if name, ok := w.memo[pid]; ok {
		return name
	}
	name := ""
	for p, depth := pid, 0; p > 1 && depth < maxDepth; depth++ {
		if n, ok := w.leaders[p]; ok {
			name = n
			break
		}
		ppid, pgrp, ok := parentAndGroup(w.root, p)
		if !ok {
			break
		}
		if n, ok := w.leaders[pgrp]; ok {
			name = n
			break
		}
		p = ppid
	}
	w.memo[pid] = name
	return name
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
