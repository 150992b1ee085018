package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// An ssh:// engine is reached as the docker CLI reaches it: each connection
// is the user's own `ssh` running `docker system dial-stdio` on the other
// machine (Dialer), so that ~/.ssh/config, the agent and known_hosts apply
// as they do for `docker -H ssh://...`.

// ConnectTimeout bounds an ssh login.
const ConnectTimeout = 10 * time.Second

// Target is an ssh:// endpoint, split as the ssh command takes it.
type Target struct {
	User, Host, Port string
	// Socket is the engine's socket on the other machine, when the URL
	// names one (ssh://host/run/user/1000/docker.sock).
	Socket string
}

// ParseTarget reads an ssh:// endpoint: ssh://[user@]host[:port][/socket].
func ParseTarget(host string) (Target, error) {
	u, err := url.Parse(host)
	if err != nil {
		return Target{}, err
	}
	if u.Scheme != "ssh" {
		return Target{}, fmt.Errorf("%s is not an ssh:// endpoint", host)
	}
	if _, ok := u.User.Password(); ok {
		return Target{}, errors.New("a password in an ssh:// URL is not supported: use a key (ssh-add) or ~/.ssh/config")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Target{}, errors.New("an ssh:// endpoint takes no query or fragment: write ssh://[user@]host[:port][/socket]")
	}
	t := Target{User: u.User.Username(), Host: u.Hostname(), Port: u.Port()}
	if t.Host == "" {
		return Target{}, errors.New("the ssh:// endpoint names no host")
	}
	if strings.Trim(u.Path, "/") != "" {
		t.Socket = u.Path
	}
	return t, nil
}

// Display is the target as a user types it: dev@buildbox.
func (t Target) Display() string {
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
func (t Target) args(opts []string, command ...string) []string {
	args := []string{"-o", "BatchMode=yes", "-o", fmt.Sprintf("ConnectTimeout=%d", int(ConnectTimeout/time.Second))}
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
func (t Target) dialStdio() []string {
	if t.Socket != "" {
		return []string{"docker", "--host=unix://" + t.Socket, "system", "dial-stdio"}
	}
	return []string{"docker", "system", "dial-stdio"}
}

// Dialer opens connections to an ssh:// engine and remembers what ssh
// said when one failed, for the error a user reads.
type Dialer struct {
	target Target
	mu     sync.Mutex
	last   error
}

// NewDialer returns the dialer of an engine's connections.
func NewDialer(t Target) *Dialer { return &Dialer{target: t} }

// Dial opens one connection to the engine, an HTTP client's DialContext:
// the network and address are the dialer's own.
func (d *Dialer) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	conn, err := startCmdConn(d.target.args([]string{"-T"}, d.target.dialStdio()...), d.fail)
	if err != nil {
		d.fail(err)
		return nil, err
	}
	return conn, nil
}

func (d *Dialer) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.last = err
}

// LastError is what ssh said when a connection last failed; nil if none
// did.
func (d *Dialer) LastError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
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
	procAttr(cmd)
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

// Output runs command on the target's machine and returns what it wrote
// on stdout; said is the last line written on stderr (ssh's own error, or
// the command's), for messages.
func (t Target) Output(ctx context.Context, command ...string) (out []byte, said string, err error) {
	cmd := exec.CommandContext(ctx, "ssh", t.args([]string{"-T"}, command...)...)
	procAttr(cmd)
	stderr := &tailBuffer{max: 4 << 10}
	cmd.Stderr = stderr
	out, err = cmd.Output()
	return out, stderr.lastLine(), err
}
