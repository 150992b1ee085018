package docker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
)

func TestEnsureImagePullsMissingAndNamesFailures(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	fake.Images["redis:8"] = &dockerfake.Image{ID: "sha256:r8"}
	id, err := p.EnsureImage(context.Background(), "redis:8")
	if err != nil || id != "sha256:r8" {
		t.Fatalf("pull redis:8: %q %v", id, err)
	}
	if got := rec.phases(event.Image, "redis:8"); got[0] != event.Pulling || got[len(got)-1] != event.Pulled {
		t.Errorf("image events %v", got)
	}
	_, err = p.EnsureImage(context.Background(), "nope:1")
	if err == nil || !strings.Contains(err.Error(), "pull image nope:1") {
		t.Fatalf("got %v", err)
	}
	if e := rec.last(event.Image, "nope:1"); e.Phase != event.Failed {
		t.Errorf("event %s", e.Phase)
	}
	if got := rec.phases(event.Image, "redis:7"); len(got) != 0 {
		t.Errorf("present image events before asking: %v", got)
	}
	if _, err := p.EnsureImage(context.Background(), "redis:7"); err != nil || len(fake.CallsMatching("pull redis:7")) != 0 {
		t.Errorf("present image was pulled: %v %q", err, fake.Calls())
	}
}
