package docker

import (
	"testing"

	"github.com/crispify/crispify/internal/manifest"
)

// Every container of an infra gets the same host name, its own name, so
// that RabbitMQ finds its queues under rabbit@rabbitmq after a recreate;
// the host name leaves the config hash as it was, so that an upgrade
// recreates nothing.
func TestAnInfraKeepsItsHostNameAndItsHash(t *testing.T) {
	m, err := manifest.Parse([]byte("version: 1\nproject: hosttest\ninfra:\n  rabbit_mq:\n    image: rabbitmq:3\n"), "crispify.yaml", manifest.Options{Workspace: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	s := Spec(m, m.Infra["rabbit_mq"], "sha256:1")
	if s.Hostname != "rabbit-mq" {
		t.Errorf("host name %q, want rabbit-mq", s.Hostname)
	}
	before := s.Labels[LabelConfigHash]
	s.Hostname = ""
	if got := configHash(s, "sha256:1"); got != before {
		t.Errorf("the host name changes the config hash: %s, without it %s", before, got)
	}
}
