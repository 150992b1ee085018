package e2e

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A supervisor killed with SIGKILL in the middle of the copy to a new
// branch: master's data is whole, the next boot runs on it, and the next
// switch finds the half copy, removes it and copies again; nothing of the
// cut copy (marker, half volume, copy containers) stays.
func TestAKilledCopyLeavesMastersDataWhole(t *testing.T) {
	t.Parallel() // a project and ports of its own; mostly waiting on containers
	needImages(t, imageRedis)
	e := newEnv(t, "switchkill")
	e.writeBranchedRedis()
	e.crispify("-d").must(t, 0)
	e.docker("exec", e.project+"-redis", "redis-cli", "set", "greeting", "master's")
	// Enough bytes that the copy takes a while to cut.
	e.docker("exec", e.project+"-redis", "sh", "-c", "head -c 1000000000 /dev/urandom > /data/blob")
	sum := e.docker("exec", e.project+"-redis", "sha256sum", "/data/blob")

	cmd, out := e.startCrispify("--output", "json", "switch", "feature")
	copying := eventually(60*time.Second, func() bool {
		b, _ := os.ReadFile(out.Name())
		return strings.Contains(string(b), `"phase":"copying"`)
	})
	if !copying {
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("no copy seen:\n%s", b)
	}
	b, err := os.ReadFile(e.ws(".crispify", "supervisor-"+e.project+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the supervisor %d: %v", pid, err)
	}
	if code := exitWithin(cmd, 30*time.Second); code == -1 {
		t.Fatal("switch still runs 30 s after its supervisor was killed")
	}
	if done, _ := os.ReadFile(out.Name()); strings.Contains(string(done), `"phase":"copied"`) {
		t.Fatalf("the copy ended before the kill: the test cut nothing\n%s", done)
	}

	// The next boot runs on master's data, whole.
	e.crispify("-d").must(t, 0)
	if got := e.docker("exec", e.project+"-redis", "redis-cli", "get", "greeting"); got != "master's" {
		t.Errorf("master's greeting after the cut copy: %q", got)
	}
	if got := e.docker("exec", e.project+"-redis", "sha256sum", "/data/blob"); got != sum {
		t.Errorf("master's blob after the cut copy: %s, want %s", got, sum)
	}

	// The next switch copies again, whole.
	r := e.crispify("--output", "json", "switch", "feature").must(t, 0)
	if got := dataEvents(t, r.stdout); !strings.Contains(strings.Join(got, ","), "redis copied") {
		t.Errorf("the switch after the cut copy did not copy: %q", got)
	}
	if got := e.docker("exec", e.project+"-redis", "sha256sum", "/data/blob"); got != sum {
		t.Errorf("feature's blob: %s, want master's %s", got, sum)
	}
	if left := e.docker("volume", "ls", "-q", "--filter", "label=io.crispify.data-copy-marker"); left != "" {
		t.Errorf("the marker of a copy under way is left: %s", left)
	}
	if got := e.docker("volume", "ls", "-q", "--filter", "label=io.crispify.project="+e.project, "--filter", "label=io.crispify.data-branch=feature"); len(strings.Fields(got)) != 1 {
		t.Errorf("feature's volumes: %q, want the one copy", got)
	}
	if left := e.docker("ps", "-aq", "--filter", "label=io.crispify.data-copy"); left != "" {
		t.Errorf("copy containers left: %s", left)
	}
}
