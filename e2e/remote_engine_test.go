package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// remoteEngine is a second Docker engine on this machine, in a network
// namespace of its own and reached over ssh:// with a key of its own
// (testdata/remote-engine.sh makes it): another machine, as far as crispify
// can tell.
type remoteEngine struct {
	t      *testing.T
	name   string
	vars   map[string]string // what the script printed: DIR, SOCKET, ADDR, DOCKER_HOST, SSH_BIN
	script string
}

// startRemoteEngine makes the engine with the given local images loaded
// into it (there is no registry), and tears it down when the test ends,
// whatever its outcome. Outside CI it skips when it cannot be made here
// (not root, or the tools are missing); in CI it fails.
func startRemoteEngine(t *testing.T, name string, images ...string) *remoteEngine {
	t.Helper()
	needImages(t, images...)
	var missing []string
	for _, tool := range []string{"ip", "nsenter", "unshare", "dockerd", "sshd", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err := os.Stat("/usr/sbin/" + tool); err != nil {
				missing = append(missing, tool)
			}
		}
	}
	why := ""
	switch {
	case os.Geteuid() != 0:
		why = "a network namespace needs root"
	case len(missing) > 0:
		why = "missing " + strings.Join(missing, ", ") + " (.ci/run installs openssh-server, iproute2 and docker.io)"
	}
	if why != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and the second engine cannot be made: %s", why)
		}
		t.Skipf("skipped: the second engine cannot be made here (%s) and CI is unset", why)
	}
	script, _ := filepath.Abs("testdata/remote-engine.sh")
	re := &remoteEngine{t: t, name: name, script: script, vars: map[string]string{}}
	t.Cleanup(re.down)
	cmd := exec.Command(script, append([]string{"up", name}, images...)...)
	cmd.Env = append(os.Environ(), "OWNER_PID="+strconv.Itoa(os.Getpid()))
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("start the second engine: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			re.vars[k] = v
		}
	}
	t.Logf("second engine %s at %s, up with %d images in %s", name, re.vars["DOCKER_HOST"], len(images), time.Since(start).Round(100*time.Millisecond))
	return re
}

// down removes the engine and checks nothing of it is left.
func (re *remoteEngine) down() {
	cmd := exec.Command(re.script, "down", re.name)
	if out, err := cmd.CombinedOutput(); err != nil {
		re.t.Errorf("tear the second engine down: %v\n%s", err, out)
	}
	if out, _ := exec.Command("ip", "netns", "list").Output(); strings.Contains(string(out), "crispify-"+re.name) {
		re.t.Errorf("network namespace crispify-%s left behind", re.name)
	}
	if _, err := os.Stat(re.vars["DIR"]); re.vars["DIR"] != "" && err == nil {
		re.t.Errorf("%s left behind", re.vars["DIR"])
	}
	if out, _ := exec.Command("ip", "link", "show", "cr"+re.name+"h").CombinedOutput(); !strings.Contains(string(out), "does not exist") {
		re.t.Errorf("veth cr%sh left behind: %s", re.name, out)
	}
	if mounts, _ := os.ReadFile("/proc/mounts"); re.vars["DIR"] != "" && strings.Contains(string(mounts), re.vars["DIR"]) {
		re.t.Errorf("mounts under %s left behind", re.vars["DIR"])
	}
}

// env is what crispify needs to use the engine: DOCKER_HOST, and the
// engine's ssh first on PATH (a wrapper that gives ssh the test's key and
// known_hosts with -F, leaving root's ~/.ssh alone).
func (re *remoteEngine) env() []string {
	return []string{"DOCKER_HOST=" + re.vars["DOCKER_HOST"], "PATH=" + re.vars["SSH_BIN"] + string(os.PathListSeparator) + os.Getenv("PATH")}
}

// docker runs the docker CLI against the engine, through its socket.
func (re *remoteEngine) docker(args ...string) string {
	re.t.Helper()
	out, err := exec.Command("docker", append([]string{"-H", re.vars["SOCKET"]}, args...)...).CombinedOutput()
	if err != nil {
		re.t.Fatalf("docker -H %s %s: %v\n%s", re.vars["SOCKET"], strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// dropConnections ends every ssh connection to the engine from its side, as
// a network that drops would: the sshd's children, one per connection.
func (re *remoteEngine) dropConnections() int {
	re.t.Helper()
	data, err := os.ReadFile(filepath.Join(re.vars["DIR"], "sshd.pid"))
	if err != nil {
		re.t.Fatal(err)
	}
	sshd := strings.TrimSpace(string(data))
	n := 0
	for _, pid := range childrenOf(sshd) {
		if p, err := os.FindProcess(pid); err == nil && p.Kill() == nil {
			n++
		}
	}
	return n
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid string) []int {
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, stat := range dirs {
		data, err := os.ReadFile(stat)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so read after ')'.
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == pid {
			n, _ := strconv.Atoi(filepath.Base(filepath.Dir(stat)))
			out = append(out, n)
		}
	}
	return out
}

// sshProcessesTo lists this machine's ssh processes that talk to addr.
func sshProcessesTo(addr string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range dirs {
		data, err := os.ReadFile(f)
		if err != nil || len(data) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
		if filepath.Base(args[0]) == "ssh" && strings.Contains(string(data), addr) {
			out = append(out, filepath.Base(filepath.Dir(f))+": "+strings.Join(args, " "))
		}
	}
	return out
}
