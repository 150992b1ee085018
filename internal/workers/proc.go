package workers

import (
	"os"
	"os/exec"
	"runtime"
	"time"
)

// proc is one process started in a group of its own, its stdout and stderr
// merged into one pipe so that their lines keep their order.
type proc struct {
	pid     int // also the id of its process group
	started time.Time
	out     *os.File // the read end of the output pipe

	exited  chan struct{} // closed once the process has been waited for
	state   *os.ProcessState
	outDone chan struct{} // closed when the output reached EOF
}

// startProc starts command in dir with env, in a process group of its own,
// stdin from the null device. Call follow to read its output.
func startProc(command, dir string, env []string) (*proc, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := shellCommand(command)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = pw, pw
	ownGroup(cmd)
	p := &proc{out: pr, exited: make(chan struct{}), outDone: make(chan struct{})}
	started := make(chan error, 1)
	go p.run(cmd, started)
	err = <-started
	// The children hold the write end now; ours would keep EOF away.
	pw.Close()
	if err != nil {
		pr.Close()
		return nil, err
	}
	p.pid, p.started = cmd.Process.Pid, time.Now()
	return p, nil
}

// run starts cmd and waits for it, on one OS thread throughout: Linux sends
// the parent-death signal when the thread that forked the child ends, not
// the process, and Go ends a thread when a goroutine locked to it returns.
// A thread of our own, locked until the child is gone, ends with crispify
// only.
func (p *proc) run(cmd *exec.Cmd, started chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		started <- err
		return
	}
	started <- nil
	// With an *os.File as its output, Wait copies nothing: it returns when
	// the process ends, even if a grandchild keeps the pipe open.
	_ = cmd.Wait()
	p.state = cmd.ProcessState
	close(p.exited)
}

// follow calls fn with each line of output until EOF; run it in a goroutine.
func (p *proc) follow(fn func(string)) {
	p.followBatches(func(lines []string) {
		for _, l := range lines {
			fn(l)
		}
	})
}

// followBatches is follow with the lines of each read at once.
func (p *proc) followBatches(fn func([]string)) {
	defer close(p.outDone)
	defer p.out.Close()
	readBatches(p.out, fn)
}

// drainOutput waits up to d for the output to reach EOF. Past that, some
// process outside the group (it called setsid) still holds the pipe, and
// the read end is closed so that the reader ends: crispify does not follow
// what escaped the worker's group.
func (p *proc) drainOutput(d time.Duration) {
	select {
	case <-p.outDone:
	case <-time.After(d):
		// Not inline: closing a pipe with a read pending may block on windows.
		go p.out.Close()
	}
}

// waitOutput waits up to d for the output to reach EOF, and nothing more.
func (p *proc) waitOutput(d time.Duration) {
	select {
	case <-p.outDone:
	case <-time.After(d):
	}
}

// ProcessAlive reports whether a process with this pid runs (not a zombie).
func ProcessAlive(pid int) bool { return processAlive(pid) }
