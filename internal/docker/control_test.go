package docker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

func TestStopAndRestartOneContainer(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	up(t, p, "redis")
	ctx := context.Background()
	if err := p.Stop(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	if c, _ := fake.ContainerInspect(ctx, "crisp-redis"); c.State != "exited" {
		t.Errorf("state %s after Stop", c.State)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Dead {
		t.Errorf("event %s after Stop", e.Phase)
	}
	if err := p.Restart(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy {
		t.Errorf("event %s after Restart", e.Phase)
	}
	if err := p.Restart(ctx, "mysql"); err == nil || !strings.Contains(err.Error(), "crispify infra mysql") {
		t.Errorf("restart of a container that does not exist: %v", err)
	}
}
