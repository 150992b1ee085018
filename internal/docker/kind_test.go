package docker

import (
	"slices"
	"strings"
	"testing"
)

func TestKindOfEndpoints(t *testing.T) {
	for host, want := range map[string]engineKind{
		"unix:///var/run/docker.sock":    engineLocal,
		"npipe:////./pipe/docker":        engineLocal,
		"tcp://127.0.0.1:2375":           engineLocal,
		"tcp://localhost:2375":           engineLocal,
		"ssh://dev@localhost":            engineLocal, // this machine: nothing to forward
		"ssh://dev@buildbox":             engineSSH,
		"ssh://dev@10.0.0.5:2222/socket": engineSSH,
		"tcp://10.0.0.5:2376":            engineTCP,
		"https://docker.example.com":     engineTCP,
	} {
		if got := kindOf(host); got != want {
			t.Errorf("kindOf(%s) = %d, want %d", host, got, want)
		}
	}
	ep := Endpoint{Host: "ssh://dev@buildbox"}
	if ep.Local() || !ep.SSH() || ep.HostAddress() != "127.0.0.1" {
		t.Errorf("ssh endpoint: local %v, ssh %v, CRISPIFY_HOST %s: want a remote whose ports are forwarded to 127.0.0.1", ep.Local(), ep.SSH(), ep.HostAddress())
	}
	if ep := (Endpoint{Host: "tcp://10.0.0.5:2376"}); ep.Local() || ep.SSH() || ep.HostAddress() != "10.0.0.5" {
		t.Errorf("tcp endpoint: CRISPIFY_HOST %s, want the remote host", ep.HostAddress())
	}
}

func TestParseSSHTarget(t *testing.T) {
	tg, err := parseSSHTarget("ssh://dev@buildbox:2222/run/user/1000/docker.sock")
	if err != nil {
		t.Fatal(err)
	}
	args := tg.args([]string{"-T"}, tg.dialStdio()...)
	want := []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-T", "-l", "dev", "-p", "2222", "--", "buildbox", "docker", "--host=unix:///run/user/1000/docker.sock", "system", "dial-stdio"}
	if !slices.Equal(args, want) {
		t.Errorf("args %q\nwant %q", args, want)
	}
	for _, bad := range []string{"ssh://dev:secret@buildbox", "ssh://buildbox?x=1", "ssh:///sock"} {
		if _, err := parseSSHTarget(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	if _, err := parseSSHTarget("ssh://dev:hunter2@buildbox"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a password must be refused without being repeated: %v", err)
	}
}

func TestParseResources(t *testing.T) {
	out := "Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/vda        263174212 15000000 80000000      16% /\nMemAvailable:   23000000 kB\n"
	disk, mem, err := parseResources(out)
	if err != nil || disk != 80000000<<10 || mem != 23000000<<10 {
		t.Errorf("disk %d mem %d err %v", disk, mem, err)
	}
	if _, _, err := parseResources("sh: df: not found\n"); err == nil {
		t.Error("an answer without figures was taken")
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{max: 16}
	for range 100 {
		b.Write([]byte("noise noise noise\n"))
	}
	b.Write([]byte("ssh: refused\n"))
	if len(b.buf) > 16 || b.lastLine() != "ssh: refused" {
		t.Errorf("kept %d bytes, last line %q", len(b.buf), b.lastLine())
	}
}

func TestSSHEndedSaysWhichPortFailed(t *testing.T) {
	b := &tailBuffer{max: 1 << 10}
	b.Write([]byte("bind [127.0.0.1]:6379: Address already in use\r\nchannel_setup_fwd_listener_tcpip: cannot listen to port: 6379\r\nCould not request local forwarding.\r\n"))
	err := sshEnded(b)
	if err == nil || !strings.Contains(err.Error(), "cannot listen to port: 6379") {
		t.Errorf("got %v, want the port named", err)
	}
}
