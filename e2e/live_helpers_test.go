package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var statusPID = regexp.MustCompile(`\bpid (\d+)`)

// workerPIDs are the pids `crispify status` shows for a worker now.
func (e *env) workerPIDs(name string) []int {
	e.t.Helper()
	var out []int
	detail, _, _ := strings.Cut(e.status()["worker "+name].Detail, "(supervisor pid")
	for _, m := range statusPID.FindAllStringSubmatch(detail, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// pushCommit commits a file to the source of a worker repo and pushes it to
// its bare remote: an upstream commit.
func (e *env) pushCommit(name, file, text string) {
	e.t.Helper()
	e.commitIn(filepath.Join(e.dir, "src", name), file, text)
	e.git(filepath.Join(e.dir, "src", name), "push", "-q", filepath.Join(e.dir, "remotes", name+".git"), "master")
}

// commitIn writes a file in a working copy and commits it there.
func (e *env) commitIn(dir, file, text string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		e.t.Fatal(err)
	}
	e.git(dir, "add", file)
	e.git(dir, "-c", "user.name=e2e", "-c", "user.email=e2e@crispify.invalid", "commit", "-qm", "change "+file)
}

// ws is the path of a file under the test's workspace.
func (e *env) ws(parts ...string) string {
	return filepath.Join(append([]string{e.dir, "ws"}, parts...)...)
}

// startCrispify starts crispify (not waiting) with its output in a file.
func (e *env) startCrispify(args ...string) (*exec.Cmd, *os.File) {
	e.t.Helper()
	cmd := exec.Command(filepath.Join(bin, "crispify"), append([]string{"-f", e.manifest}, args...)...)
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "CI=true", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, e.extraEnv...)
	out, err := os.CreateTemp(e.dir, "crispify-*.out")
	if err != nil {
		e.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); out.Close() })
	return cmd, out
}

// exitWithin waits for cmd to exit within d and returns its exit code, or
// -1 when it still runs.
func exitWithin(cmd *exec.Cmd, d time.Duration) int {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		if err != nil {
			return -2
		}
		return 0
	case <-time.After(d):
		return -1
	}
}

// pidsOf lists the live processes whose command line contains all of want.
func pidsOf(want ...string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []int
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		cmdline := strings.ReplaceAll(string(b), "\x00", " ")
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(cmdline, w)
		}
		if pid, err := strconv.Atoi(filepath.Base(d)); ok && err == nil && pid != os.Getpid() && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// steadyPIDsOf is pidsOf when two scans in a row agree. One scan of /proc
// is no instant: on a loaded machine, a process started after the scan
// listed /proc is missed while one stopped before the scan reached it is
// gone, and the scan shows a moment that never was. Two equal scans
// cannot both have met that race on the same processes.
func steadyPIDsOf(want ...string) []int {
	last := pidsOf(want...)
	for {
		now := pidsOf(want...)
		if slices.Equal(now, last) {
			return now
		}
		last = now
	}
}

// mustBeAlive fails the test unless every pid runs: a signal test proves
// nothing about processes that were not there.
func (e *env) mustBeAlive(what string, pids ...int) {
	e.t.Helper()
	if len(pids) == 0 {
		e.t.Fatalf("%s: no processes to signal", what)
	}
	for _, p := range pids {
		if !alive(p) {
			e.t.Fatalf("%s: process %d is not running before the test signals it", what, p)
		}
	}
}

func kill(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }

// childrenNamed lists the live children of parents whose command line
// contains want.
func childrenNamed(parents []int, want string) []int {
	named := pidsOf(want)
	var out []int
	for _, p := range parents {
		for _, c := range childrenOf(strconv.Itoa(p)) {
			if slices.Contains(named, c) {
				out = append(out, c)
			}
		}
	}
	return out
}
