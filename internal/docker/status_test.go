package docker_test

import (
	"context"
	"testing"
	"time"
)

func TestStatusReadsEveryInfra(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "redis", "plain")
	_ = fake.ContainerStop(context.Background(), "crisp-plain", time.Second)
	rows, err := p.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Name] = r.State
	}
	want := map[string]string{"redis": "healthy", "mysql": "dead", "plain": "dead"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}
