package docker_test

import (
	"context"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// TestHealthySaysWhenTheContainerStarted: a container some earlier run
// started is healthy since its own start, not since this run found it, so
// that a board counts its uptime right.
func TestHealthySaysWhenTheContainerStarted(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	up(t, p, "redis")
	c, err := fake.ContainerInspect(context.Background(), "crisp-redis")
	if err != nil {
		t.Fatal(err)
	}
	if first := rec.last(event.Infra, "redis"); !first.Since.Equal(c.StartedAt) || c.StartedAt.IsZero() {
		t.Errorf("first up: since %v, container started %v", first.Since, c.StartedAt)
	}
	time.Sleep(20 * time.Millisecond)
	up(t, p, "redis")
	again := rec.last(event.Infra, "redis")
	if again.Msg != "already running (redis answered)" || !again.Since.Equal(c.StartedAt) {
		t.Errorf("second up: %s %q since %v, want the container's start %v", again.Phase, again.Msg, again.Since, c.StartedAt)
	}
}
