package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/client"
)

// An ssh:// engine is reached as the docker CLI reaches it: each connection
// is the user's own `ssh` running `docker system dial-stdio` on the other
// machine, so that ~/.ssh/config, the agent and known_hosts apply as they do
// for `docker -H ssh://...`.

// sshConnectTimeout bounds an ssh login.
const sshConnectTimeout = 10 * time.Second

// sshTarget is an ssh:// endpoint, split as the ssh command takes it.
type sshTarget struct {
	User, Host, Port string
	// Socket is the engine's socket on the other machine, when the URL
	// names one (ssh://host/run/user/1000/docker.sock).
	Socket string
}

func parseSSHTarget(host string) (sshTarget, error) {
	u, err := url.Parse(host)
	if err != nil {
		return sshTarget{}, err
	}
	if u.Scheme != "ssh" {
		return sshTarget{}, fmt.Errorf("%s is not an ssh:// endpoint", host)
	}
	if _, ok := u.User.Password(); ok {
		return sshTarget{}, errors.New("a password in an ssh:// URL is not supported: use a key (ssh-add) or ~/.ssh/config")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return sshTarget{}, errors.New("an ssh:// endpoint takes no query or fragment: write ssh://[user@]host[:port][/socket]")
	}
	t := sshTarget{User: u.User.Username(), Host: u.Hostname(), Port: u.Port()}
	if t.Host == "" {
		return sshTarget{}, errors.New("the ssh:// endpoint names no host")
	}
	if strings.Trim(u.Path, "/") != "" {
		t.Socket = u.Path
	}
	return t, nil
}

// display is the target as a user types it: dev@buildbox.
func (t sshTarget) display() string {
	s := t.Host
	if t.User != "" {
		s = t.User + "@" + s
	}
	if t.Port != "" {
		s += " -p " + t.Port
	}
	return s
}

// args are ssh's arguments: the options crispify needs, the user's
// login, then the host and the remote command. BatchMode: nothing may
// prompt, since a background supervisor has no terminal and a boot dials
// many connections at once (git runs the same way here).
func (t sshTarget) args(opts []string, command ...string) []string {
	args := []string{"-o", "BatchMode=yes", "-o", fmt.Sprintf("ConnectTimeout=%d", int(sshConnectTimeout/time.Second))}
	args = append(args, opts...)
	if t.User != "" {
		args = append(args, "-l", t.User)
	}
	if t.Port != "" {
		args = append(args, "-p", t.Port)
	}
	args = append(args, "--", t.Host)
	return append(args, command...)
}

// dialStdio is the remote command that joins ssh's stdio to the engine.
func (t sshTarget) dialStdio() []string {
	if t.Socket != "" {
		return []string{"docker", "--host=unix://" + t.Socket, "system", "dial-stdio"}
	}
	return []string{"docker", "system", "dial-stdio"}
}

// sshDialer opens connections to an ssh:// engine and remembers what ssh
// said when one failed, for the error a user reads.
type sshDialer struct {
	target sshTarget
	mu     sync.Mutex
	last   error
}

func (d *sshDialer) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	conn, err := startCmdConn(d.target.args([]string{"-T"}, d.target.dialStdio()...), d.fail)
	if err != nil {
		d.fail(err)
		return nil, err
	}
	return conn, nil
}

func (d *sshDialer) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.last = err
}

func (d *sshDialer) lastError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

// sshClientOpts make the Docker client talk HTTP over ssh connections,
// keeping more of them idle than the default two: each new one is a login.
func sshClientOpts(d *sshDialer) []client.Opt {
	transport := &http.Transport{DialContext: d.dial, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
	return []client.Opt{
		client.WithHTTPClient(&http.Client{Transport: transport}),
		client.WithHost("http://docker.example.com"), // a placeholder: the dialer decides where
		client.WithDialContext(d.dial),
		client.WithAPIVersionNegotiation(),
	}
}

// cmdConn is a net.Conn over the stdin and stdout of an ssh process.
type cmdConn struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *tailBuffer
	exited chan struct{}
	err    error // how the process ended, once exited is closed
	onFail func(error)
	once   sync.Once
}

func startCmdConn(args []string, onFail func(error)) (*cmdConn, error) {
	cmd := exec.Command("ssh", args...)
	sshProcAttr(cmd)
	c := &cmdConn{cmd: cmd, stderr: &tailBuffer{max: 4 << 10}, exited: make(chan struct{}), onFail: onFail}
	cmd.Stderr = c.stderr
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if c.stdout, err = cmd.StdoutPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ssh: %w: is OpenSSH's ssh on PATH?", err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// Read turns the end of ssh's output into what ssh said, when it failed.
func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.stdout.Read(p)
	if err == nil || n > 0 {
		return n, nil
	}
	select {
	case <-c.exited:
	case <-time.After(2 * time.Second):
		return 0, err
	}
	if c.err != nil {
		if said := c.stderr.lastLine(); said != "" {
			failed := fmt.Errorf("ssh: %s", strings.TrimPrefix(said, "ssh: "))
			if c.onFail != nil {
				c.onFail(failed)
			}
			return 0, failed
		}
	}
	return 0, err
}

func (c *cmdConn) Write(p []byte) (int, error) { return c.stdin.Write(p) }

// Close ends the ssh process: its stdin first, so that dial-stdio ends the
// engine's side cleanly, then the process, if it lingers.
func (c *cmdConn) Close() error {
	c.once.Do(func() {
		c.stdin.Close()
		select {
		case <-c.exited:
		case <-time.After(time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	})
	return nil
}

func (c *cmdConn) LocalAddr() net.Addr                { return cmdAddr{} }
func (c *cmdConn) RemoteAddr() net.Addr               { return cmdAddr{} }
func (c *cmdConn) SetDeadline(t time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(t time.Time) error { return nil }

type cmdAddr struct{}

func (cmdAddr) Network() string { return "ssh" }
func (cmdAddr) String() string  { return "ssh" }

// tailBuffer keeps the last max bytes written to it: a process's stderr,
// for messages, never more.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// lastLines is the last n non-empty lines, joined by newlines.
func (b *tailBuffer) lastLines(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(string(b.buf), "\r", ""), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (b *tailBuffer) lastLine() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return lastLine(strings.ReplaceAll(string(b.buf), "\r", ""))
}
