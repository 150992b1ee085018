// Package sshfake is a fake `ssh` for tests: the test binary itself, called
// as ssh through a script first on PATH (OnPath), listening on each -L's
// local end until it is killed. Each connection it accepts is closed at
// once, as ssh does when nothing listens at the far end, or carried to the
// address OnPath was given. What the real ssh does is covered by the e2e
// tests.
package sshfake

import (
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Main runs the test binary as the fake ssh when OnPath's script called
// it, else runs the tests: a test package's TestMain calls it.
func Main(m *testing.M) {
	if os.Getenv("CRISPIFY_FAKE_SSH") != "" {
		fakeSSH(os.Args[1:])
		return
	}
	os.Exit(m.Run())
}

// OnPath makes `ssh` the test binary's fake for the rest of t; to, when
// set, is where each connection its tunnels accept is carried.
func OnPath(t testing.TB, to string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := "#!/bin/sh\nCRISPIFY_FAKE_SSH=1 exec " + self + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("CRISPIFY_FAKE_SSH_TO", to)
}

func fakeSSH(args []string) {
	for i, a := range args {
		if a != "-L" || i+1 >= len(args) {
			continue
		}
		parts := strings.Split(args[i+1], ":")
		l, err := net.Listen("tcp", net.JoinHostPort(parts[0], parts[1]))
		if err != nil {
			os.Stderr.WriteString("bind [" + parts[0] + "]:" + parts[1] + ": Address already in use\nCould not request local forwarding.\n")
			os.Exit(255)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go carry(c, os.Getenv("CRISPIFY_FAKE_SSH_TO"))
			}
		}()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	os.Exit(0)
}

// carry copies a connection to and from addr; with no addr, or none
// listening there, it closes it.
func carry(c net.Conn, addr string) {
	defer c.Close()
	if addr == "" {
		return
	}
	far, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer far.Close()
	go func() {
		io.Copy(far, c)
		far.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(c, far)
}
