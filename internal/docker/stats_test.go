package docker_test

import (
	"context"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
)

// Loads follows the project's running containers by infra name, keeps
// the latest reading of each, and lets go of a container that stopped.
func TestLoadsFollowsRunningContainers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := dockerfake.New()
	f.AddImage("redis:7", dockerfake.Image{})
	f.AddImage("rabbitmq:3", dockerfake.Image{})
	runContainer(t, f, "crisp", "redis", "redis:7")
	rabbit := runContainer(t, f, "crisp", "rabbitmq", "rabbitmq:3")
	runContainer(t, f, "other", "redis", "redis:7") // another project's: never followed

	l := docker.NewLoads(f, "crisp")
	defer l.Close()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	f.AddStats("crisp-redis", docker.Stats{Memory: 10 << 20})
	f.AddStats("crisp-redis", docker.Stats{CPU: 12.5, HasCPU: true, Memory: 11 << 20})
	f.AddStats("crisp-rabbitmq", docker.Stats{CPU: 3, HasCPU: true, Memory: 100 << 20})
	f.AddStats("other-redis", docker.Stats{CPU: 99, HasCPU: true})
	want := map[string]docker.Stats{
		"redis":    {CPU: 12.5, HasCPU: true, Memory: 11 << 20},
		"rabbitmq": {CPU: 3, HasCPU: true, Memory: 100 << 20},
	}
	eventually(t, func() bool { return sameStats(l.Latest(), want) }, func() string { return "latest readings" })

	if err := f.ContainerStop(ctx, rabbit, 0); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	delete(want, "rabbitmq")
	eventually(t, func() bool { return sameStats(l.Latest(), want) }, func() string { return "the stopped container's reading gone" })
}

func runContainer(t *testing.T, f *dockerfake.Engine, project, infra, image string) string {
	t.Helper()
	id, err := f.ContainerCreate(context.Background(), docker.ContainerSpec{
		Name: project + "-" + infra, Image: image,
		Labels: map[string]string{docker.LabelProject: project, docker.LabelInfra: infra},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ContainerStart(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	return id
}

func sameStats(got, want map[string]docker.Stats) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		if got[k] != w {
			return false
		}
	}
	return true
}

func eventually(t *testing.T, ok func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ReadLoads takes two one-shot readings of each running container of the
// project and gives the rate between them.
func TestReadLoads(t *testing.T) {
	f := dockerfake.New()
	f.AddImage("redis:7", dockerfake.Image{})
	runContainer(t, f, "crisp", "redis", "redis:7")
	runContainer(t, f, "other", "redis", "redis:7")
	f.AddStats("crisp-redis", docker.Stats{Memory: 9, CPUTime: 1e9, SystemTime: 10e9, CPUs: 4})
	go func() {
		// The second reading: 0.25 s of CPU in 1 s of the host's 4 CPUs.
		time.Sleep(20 * time.Millisecond)
		f.AddStats("crisp-redis", docker.Stats{Memory: 10, CPUTime: 1.25e9, SystemTime: 11e9, CPUs: 4})
	}()
	got := docker.ReadLoads(context.Background(), f, "crisp", 100*time.Millisecond)
	if len(got) != 1 || got["redis"].CPU != 100 || got["redis"].Memory != 10 || !got["redis"].HasCPU {
		t.Fatalf("ReadLoads = %+v, want redis at one core and 10 bytes", got)
	}
}
