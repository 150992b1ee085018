package workers

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"time"
)

// proc is one process started in a group of its own, its stdout and stderr
// merged into one pipe so that their lines keep their order.
type proc struct {
	pid     int // also the id of its process group
	started time.Time
	out     *os.File // the read end of the output pipe
	fam     *family  // every process descended from it: what a stop ends

	exited  chan struct{} // closed once the process has been waited for
	state   *os.ProcessState
	outDone chan struct{} // closed when the output reached EOF
}

// startProc starts command in dir with env, in a process group of its own
// and in fam (nil: the group alone), stdin from the null device. Call
// follow to read its output.
func startProc(command, dir string, env []string, fam *family) (*proc, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	if fam == nil {
		fam = &family{}
	}
	build := func() *exec.Cmd {
		cmd := shellCommand(command)
		cmd.Dir, cmd.Env = dir, slices.Clip(env)
		cmd.Stdout, cmd.Stderr = pw, pw
		ownGroup(cmd)
		return cmd
	}
	p := &proc{out: pr, fam: fam, exited: make(chan struct{}), outDone: make(chan struct{})}
	started := make(chan int, 1)
	failed := make(chan error, 1)
	go p.run(build, started, failed)
	select {
	case p.pid = <-started:
	case err = <-failed:
	}
	// The children hold the write end now; ours would keep EOF away.
	pw.Close()
	if err != nil {
		pr.Close()
		fam.release()
		return nil, err
	}
	p.started = time.Now()
	fam.started(p.pid)
	return p, nil
}

// run starts a command of build and waits for it, on one OS thread
// throughout: Linux sends the parent-death signal when the thread that
// forked the child ends, not the process, and Go ends a thread when a
// goroutine locked to it returns. A thread of our own, locked until the
// child is gone, ends with crispify only. It sends the pid to started, or
// the error to failed.
func (p *proc) run(build func() *exec.Cmd, started chan<- int, failed chan<- error) {
	runtime.LockOSThread()
	retire := false
	defer func() {
		// A thread left in a worker's cgroup must never run anything else.
		if !retire {
			runtime.UnlockOSThread()
		}
	}()
	cmd := build()
	var err error
	retire, err = startIn(cmd, p.fam)
	// A cgroup the system would not start it in (an old kernel without
	// clone3, a cgroup of another type): once more without, and if that
	// starts, no cgroup for later ones either.
	if err != nil && !retire && p.fam.dropCgroup() {
		cmd = build()
		if retire, err = startIn(cmd, p.fam); err == nil {
			p.fam.cgroupsRefused()
		}
	}
	if err != nil {
		failed <- err
		return
	}
	started <- cmd.Process.Pid
	// With an *os.File as its output, Wait copies nothing: it returns when
	// the process ends, even if a grandchild keeps the pipe open.
	_ = cmd.Wait()
	p.state = cmd.ProcessState
	close(p.exited)
}

// startIn starts cmd in fam, from the calling thread. retire says the
// thread could not leave the cgroup it entered to fork the child into it.
func startIn(cmd *exec.Cmd, fam *family) (retire bool, err error) {
	leave, err := fam.enter(cmd)
	if err != nil {
		return false, err
	}
	err = cmd.Start()
	return !leave(), err
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
