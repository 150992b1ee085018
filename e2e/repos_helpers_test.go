package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// workerRepo makes a bare git repo holding the test worker's source (and
// extra files), and returns its file:// URL.
func (e *env) workerRepo(name string, extra map[string]string) string {
	e.t.Helper()
	src, err := os.ReadFile("../fixtures/worker/main.go")
	if err != nil {
		e.t.Fatal(err)
	}
	files := map[string]string{
		"main.go":    string(src),
		"go.mod":     "module e2e.example/" + name + "\n\ngo 1.22\n",
		".gitignore": "worker\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	work := filepath.Join(e.dir, "src", name)
	for path, text := range files {
		p := filepath.Join(work, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
	bare := filepath.Join(e.dir, "remotes", name+".git")
	e.git(work, "init", "-q", "--initial-branch=master")
	e.git(work, "add", ".")
	e.git(work, "-c", "user.name=e2e", "-c", "user.email=e2e@crispify.invalid", "commit", "-qm", "first")
	e.git(e.dir, "clone", "-q", "--bare", work, bare)
	return "file://" + bare
}

func (e *env) git(dir string, args ...string) {
	e.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		e.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// workerLog is the log file crispify keeps of a service, without the time
// before each line.
func (e *env) workerLog(name string) string {
	data, _ := os.ReadFile(filepath.Join(e.dir, "ws", ".crispify", "logs", name+".log"))
	return logStamp.ReplaceAllString(string(data), "")
}

// logStamp is the time a worker's log writes before each line.
var logStamp = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z `)

var pidLine = regexp.MustCompile(`(?m)^(?:pid|child)=(\d+)$`)

// pids are every process a worker said it started, in its log.
// The log may trail the worker's output by a few milliseconds (lines are
// read and written in bursts), so a worker just reported ready may not be
// in it yet: this waits, for a while, until the log has a pid and has said
// no more for 100 ms.
func (e *env) pids(name string) []int {
	read := func() []int {
		var out []int
		for _, m := range pidLine.FindAllStringSubmatch(e.workerLog(name), -1) {
			n, _ := strconv.Atoi(m[1])
			out = append(out, n)
		}
		return out
	}
	var out []int
	deadline := time.Now().Add(5 * time.Second)
	for {
		out = read()
		time.Sleep(100 * time.Millisecond)
		if again := read(); (len(out) > 0 && len(again) == len(out)) || time.Now().After(deadline) {
			return again
		}
	}
}

// alive reports whether a process runs (a zombie does not count: nothing
// may reap it in a container, and it runs nothing).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// waitGone waits until none of pids runs; it returns those still running
// after d.
func waitGone(pids []int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eventually polls cond every 200ms until it holds or d passes.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return cond()
}
