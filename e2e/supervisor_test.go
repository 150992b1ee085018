package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeSupervisorEnv makes the test binary a supervisor that answers
// wrongly (TestFakeSupervisorHelper): garbage, nothing, or an endless line.
const fakeSupervisorEnv = "CRISPIFY_E2E_FAKE_SUPERVISOR"

// socketOf is where crispify puts the supervisor's socket of a project in
// a state folder: there when the path fits a unix socket's address, else in
// the user's runtime folder, named by a hash of that path.
func socketOf(stateDir, project string) string {
	p := filepath.Join(stateDir, "supervisor-"+project+".sock")
	if len(p) <= 103 {
		return p
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("crispify-%d", os.Getuid()))
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		dir = filepath.Join(d, "crispify")
	}
	sum := sha256.Sum256([]byte(p))
	return filepath.Join(dir, hex.EncodeToString(sum[:8])+".sock")
}

// TestFakeSupervisorHelper is no test: started by fakeSupervisor, it holds
// the project's supervisor lock, writes its pid file and listens on its
// socket, as a supervisor does, then answers every request wrongly.
func TestFakeSupervisorHelper(t *testing.T) {
	mode := os.Getenv(fakeSupervisorEnv)
	if mode == "" {
		t.Skip("the fake supervisor of the supervisor tests, run by them")
	}
	dir, project := os.Getenv("FAKE_STATE_DIR"), os.Getenv("FAKE_PROJECT")
	os.MkdirAll(dir, 0o755)
	lock, err := os.OpenFile(filepath.Join(dir, "supervisor-"+project+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil || syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		t.Fatalf("lock: %v", err)
	}
	defer runtime.KeepAlive(lock) // its finalizer would let go of the lock
	os.WriteFile(filepath.Join(dir, "supervisor-"+project+".pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	sock := socketOf(dir, project)
	os.MkdirAll(filepath.Dir(sock), 0o700)
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("listening")
	line := []byte(strings.Repeat("x", 1<<20))
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			bufio.NewReader(conn).ReadString('\n')
			switch mode {
			case "garbage":
				conn.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
			case "silent":
				time.Sleep(time.Hour)
			case "endless": // one line of 200 MB, and more
				for i := 0; i < 200; i++ {
					if _, err := conn.Write(line); err != nil {
						return
					}
				}
				time.Sleep(time.Hour)
			}
		}()
	}
}

// fakeSupervisor starts the fake supervisor of e's project and returns its
// process, once it listens.
func fakeSupervisor(t *testing.T, e *env, mode string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFakeSupervisorHelper$", "-test.v")
	cmd.Env = append(os.Environ(), fakeSupervisorEnv+"="+mode, "FAKE_STATE_DIR="+e.ws(".crispify"), "FAKE_PROJECT="+e.project)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if sc.Text() == "listening" {
			go func() { // the rest of its output, so that it never blocks
				for sc.Scan() {
				}
			}()
			return cmd
		}
	}
	t.Fatalf("the fake supervisor did not start listening")
	return nil
}

// measured runs crispify or decrispify like env.run, and returns the most
// memory it held, in KiB: the peak resident set of its own image (VmHWM),
// read from /proc while it runs. The rusage of wait4 will not do: its
// ru_maxrss keeps what the forked test binary held before the exec (175
// MiB under -race), whatever crispify then used.
func (e *env) measured(program string, args ...string) (result, int64) {
	e.t.Helper()
	args = append([]string{"-f", e.manifest}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, program), args...)
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "CI=true", "NO_COLOR=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start %s: %v", program, err)
	}
	pid := cmd.Process.Pid
	exited, done := make(chan struct{}), make(chan struct{})
	var peak int64
	go func() {
		defer close(done)
		for {
			if kb := peakKiB(pid); kb > peak {
				peak = kb
			}
			select {
			case <-exited:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	cmd.Wait()
	close(exited)
	<-done
	r := result{stdout: out.String(), stderr: errOut.String(), code: cmd.ProcessState.ExitCode(), took: time.Since(start)}
	return r, peak
}

// peakKiB is VmHWM of a process in KiB; 0 once it is gone (or before its
// exec, when it is still the test binary's fork, which must not count).
func peakKiB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	status := string(b)
	if !strings.Contains(status, "Name:\tcrispify") && !strings.Contains(status, "Name:\tdecrispify") {
		return 0
	}
	for _, l := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

func TestASupervisorThatAnswersWronglyIsReportedAndEnded(t *testing.T) {
	needEngine(t)
	for _, mode := range []string{"garbage", "silent", "endless"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, "fake"+mode)
			e.write(head + "services:\n" + service("sig", e.workerRepo("sig", nil), "", `WORKER_SAY: up`, "{log: up}"))
			fake := fakeSupervisor(t, e, mode)
			pid := fake.Process.Pid
			who := fmt.Sprintf("supervisor (pid %d)", pid)

			r, rss := e.measured("crispify", "status")
			if r.code != 1 || !strings.Contains(r.stderr, who) || strings.Contains(r.stdout, "not running") ||
				!regexp.MustCompile(`worker\s+sig\s+unknown\s+not known: the `+regexp.QuoteMeta(who)).MatchString(r.stdout) {
				t.Errorf("status of a %s supervisor: exit %d\n%s\n%s", mode, r.code, r.stdout, r.stderr)
			}
			if rss > 100<<10 {
				t.Errorf("status held %d MiB reading a %s supervisor", rss>>10, mode)
			}

			r, rss = e.measured("decrispify")
			if r.code != 1 || !strings.Contains(r.stderr, who) || strings.Contains(r.stdout, "no workers were running") ||
				!strings.Contains(r.stdout, fmt.Sprintf("supervisor (pid %d) ended", pid)) {
				t.Errorf("decrispify of a %s supervisor: exit %d\n%s\n%s", mode, r.code, r.stdout, r.stderr)
			}
			if rss > 100<<10 {
				t.Errorf("decrispify held %d MiB reading a %s supervisor", rss>>10, mode)
			}
			if left := waitGone([]int{pid}, 15*time.Second); len(left) > 0 {
				t.Errorf("decrispify left the %s supervisor running", mode)
			}
		})
	}
}

func TestDecrispifyStopsAStackWhoseManifestIsBrokenOrGone(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "nomanifest")
	manifest := head + redisInfra + "services:\n" + service("sig", e.workerRepo("sig", nil), "", `WORKER_SAY: up, WORKER_CHILD: "1"`, "{log: up}")
	e.write(manifest)
	e.crispify("-d").must(t, 0)
	pids := e.pids("sig")
	e.mustBeAlive("the worker", pids...)

	// Broken: decrispify finds the stack its supervisor recorded.
	f, _ := os.OpenFile(e.manifest, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("a: [unclosed\n")
	f.Close()
	e.crispify("status").must(t, 2)
	r := e.run("decrispify").must(t, 0)
	if !strings.Contains(r.stderr, "is broken") || !strings.Contains(r.stdout, "workers stopped") || !strings.Contains(r.stdout, "1 containers removed") {
		t.Errorf("decrispify with a broken manifest:\n%s\n%s", r.stdout, r.stderr)
	}
	if left := waitGone(pids, 2*time.Second); len(left) > 0 {
		t.Errorf("workers left by decrispify with a broken manifest: %v", left)
	}
	if left := e.docker("ps", "-aq", "--filter", "label=io.crispify.project="+e.project); left != "" {
		t.Errorf("containers left: %s", left)
	}
	e.freeUnnamed(r)

	// Gone: named by project and workspace.
	e.write(manifest)
	e.crispify("-d").must(t, 0)
	pids = e.workerPIDs("sig") // the log has the first run's too
	e.mustBeAlive("the worker", pids...)
	moved := e.manifest + ".moved"
	if err := os.Rename(e.manifest, moved); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(moved, e.manifest)
	r = e.run("decrispify", "--project", e.project, "--workspace", e.ws())
	if r.code != 0 || !strings.Contains(r.stderr, "is gone") || !strings.Contains(r.stdout, "workers stopped") {
		t.Errorf("decrispify --project --workspace without a manifest: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if left := waitGone(pids, 2*time.Second); len(left) > 0 {
		t.Errorf("workers left by decrispify without a manifest: %v", left)
	}
	e.freeUnnamed(r)
}

func TestARemovedAndARenamedServiceStopAndTheNewOneOwnsThePort(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "orphans")
	pa, pb := freePort(t), freePort(t)
	urlA, urlB := e.workerRepo("a", nil), e.workerRepo("b", nil)
	a := service("a", urlA, "", `WORKER_LISTEN: "`+itoa(pa)+`"`, "{tcp: "+itoa(pa)+"}")
	b := func(name string) string {
		return service(name, urlB, "", `WORKER_LISTEN: "`+itoa(pb)+`"`, "{tcp: "+itoa(pb)+", timeout: 20s}")
	}
	e.write(head + "services:\n" + a + b("b"))
	e.crispify("-d").must(t, 0)
	pidsB := e.pids("b")
	e.mustBeAlive("worker b", pidsB...)

	// b renamed c, on b's port: b stops first, and c is ready on its own.
	e.write(head + "services:\n" + a + b("c"))
	r := e.crispify("-d").must(t, 0)
	if row := lineOf(r.stdout, "worker b"); !strings.Contains(row, "stopped") || !strings.Contains(row, "no longer in the manifest") {
		t.Errorf("the apply does not say b stopped:\n%s", r.stdout)
	}
	if left := waitGone(pidsB, time.Second); len(left) > 0 {
		t.Errorf("b still runs after it left the manifest: %v", left)
	}
	if st := e.status()["worker c"]; st.State != "ready" {
		t.Errorf("c: %+v", st)
	}
	if got := string(mustRead(t, e.ws(".crispify", "logs", "c.log"))); strings.Contains(got, "address already in use") {
		t.Errorf("c met b on its port:\n%s", got)
	}

	// a removed: status shows it still running until an apply, stop works
	// on it by name, and an apply would stop it.
	pidsA := e.pids("a")
	e.write(head + "services:\n" + b("c"))
	if row := e.status()["worker a"]; !strings.Contains(row.Detail, "no longer in the manifest") {
		t.Errorf("status does not show a, which runs: %+v", row)
	}
	e.crispify("stop", "a").must(t, 0)
	if left := waitGone(pidsA, time.Second); len(left) > 0 {
		t.Errorf("stop a left it running: %v", left)
	}
	e.run("decrispify").must(t, 0)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerboseDetachedShowsTheApplysTrace(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "vdetach")
	e.write(head + "services:\n" + service("sig", e.workerRepo("sig", nil), "", `WORKER_SAY: up`, "{log: up}"))
	r := e.crispify("-d", "-v").must(t, 0)
	if !regexp.MustCompile(`(?m)^crispify -v \S+ run .*go build -o worker`).MatchString(r.stderr) {
		t.Errorf("-v -d does not show the setup it ran:\n%s", r.stderr)
	}
}
