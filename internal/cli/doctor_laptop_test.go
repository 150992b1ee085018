package cli

import (
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
)

// doctor prints the laptop checks of the engine package: a failure for too
// little memory and a foreign platform, a note for what it cannot read.
func TestDoctorLaptopChecks(t *testing.T) {
	h := newHarness(t, infraManifest+`    tools: {node: ">=99"}
    run: node server.js
`)
	h.fake.Host.MemTotal = 1 << 30
	h.fake.AddImage("rabbitmq:3", dockerfake.Image{Platform: docker.Platform{OS: "linux", Arch: "arm64"}})
	stdout, _, code := h.run("doctor")
	if code != ExitFailed {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"FAIL  memory    the infra needs about 1.1 GiB (rabbitmq 512 MiB, app-db 512 MiB, redis 128 MiB), more than the engine's 1.0 GiB",
		"FAIL  platform  image rabbitmq:3 (infra rabbitmq) is for linux/arm64 but the engine is linux/amd64",
		"FAIL  tools     service api wants node >=99 (from crispify.yaml), found ",
		"ok    tools     0 of 1 services have the node, go, ruby and python they ask for (1 not cloned yet",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("doctor's report lacks %q:\n%s", want, stdout)
		}
	}

}

func TestDoctorNotesWhatItCannotRead(t *testing.T) {
	h := newHarness(t, `version: 1
project: clitest
workspace: ./ws
infra:
  search:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.15.3
    health: {cmd: ["curl", "-f", "http://127.0.0.1:9200"]}
`)
	stdout, _, _ := h.run("doctor")
	// The fake engine is not on this machine: its vm.max_map_count is not read.
	if !strings.Contains(stdout, "note  sysctl    vm.max_map_count not read: the engine (Fake Linux) runs in a VM or on another machine") {
		t.Errorf("doctor's report lacks the note on vm.max_map_count:\n%s", stdout)
	}
	if !strings.Contains(stdout, "ok    platform  none of the 1 images is present yet") {
		t.Errorf("doctor's report lacks the platform line:\n%s", stdout)
	}
}
