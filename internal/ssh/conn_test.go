package ssh

import (
	"slices"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tg, err := ParseTarget("ssh://dev@buildbox:2222/run/user/1000/docker.sock")
	if err != nil {
		t.Fatal(err)
	}
	args := tg.args([]string{"-T"}, tg.dialStdio()...)
	want := []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-T", "-l", "dev", "-p", "2222", "--", "buildbox", "docker", "--host=unix:///run/user/1000/docker.sock", "system", "dial-stdio"}
	if !slices.Equal(args, want) {
		t.Errorf("args %q\nwant %q", args, want)
	}
	for _, bad := range []string{"ssh://dev:secret@buildbox", "ssh://buildbox?x=1", "ssh:///sock"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	if _, err := ParseTarget("ssh://dev:hunter2@buildbox"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a password must be refused without being repeated: %v", err)
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
