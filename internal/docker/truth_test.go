package docker_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
)

const portsManifest = `version: 1
project: crisp
workspace: ./ws
infra:
  rabbitmq:
    image: busybox:1
    ports: ["45672:15672", "35672:5672", "5552:5552"]
`

// The engine reports published ports from a map (the fake backwards): the
// healthy event and status give them in the manifest's order, every time.
func TestPortsKeepTheManifestsOrder(t *testing.T) {
	p, fake, rec := newProject(t, portsManifest)
	up(t, p, "rabbitmq")
	want := []string{"127.0.0.1:45672->15672/tcp", "127.0.0.1:35672->5672/tcp", "127.0.0.1:5552->5552/tcp"}
	if got := rec.last(event.Infra, "rabbitmq"); got.Phase != event.Healthy || !slices.Equal(got.Ports, want) {
		t.Errorf("healthy event: %s %q, want ports %q", got.Phase, got.Ports, want)
	}
	for _, c := range fake.Containers {
		if len(c.Ports) == 0 || c.Ports[0].HostPort == 45672 {
			t.Fatal("the fake reported the ports in the manifest's order: the test would prove nothing")
		}
	}
	for range 3 {
		st, err := p.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(st[0].Ports, want) {
			t.Errorf("status ports %q, want %q", st[0].Ports, want)
		}
	}
}

// errOffline is the error of a pull with no network, as the engine words it.
var errOffline = fmt.Errorf("%s", `Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: no such host`)

// With --pull (remote) and no registry reachable, six present images are
// used as they are, and that is said once, with the count; an image built
// here, which no registry has, is not asked for at all.
func TestFailedPullsAreSaidOnceWithTheirCount(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	p.Pull = true
	var refs []string
	for i := range 6 {
		ref := fmt.Sprintf("registry.example/img%d:1", i)
		fake.AddImage(ref, dockerfake.Image{RepoDigests: []string{"registry.example/img@sha256:0"}, PullError: errOffline})
		refs = append(refs, ref)
	}
	fake.AddImage("crispify-local/redis:7.0", dockerfake.Image{ID: "sha256:local"})
	refs = append(refs, "crispify-local/redis:7.0")
	p.ExpectImages(len(refs))
	for _, ref := range refs {
		if _, err := p.EnsureImage(context.Background(), ref); err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
	}
	if calls := fake.CallsMatching("pull crispify-local/"); len(calls) != 0 {
		t.Errorf("an image built here was pulled: %q", calls)
	}
	if calls := fake.CallsMatching("pull registry.example/"); len(calls) != 6 {
		t.Errorf("pulls %q, want the six pulled images asked for", calls)
	}
	const note = "could not pull 6 images (no registry reachable); using the local ones"
	said := 0
	for _, e := range rec.events {
		if strings.Contains(e.Msg+e.Error, "no such host") {
			t.Errorf("the engine's error is repeated: %+v", e)
		}
		said += strings.Count(e.Msg, note)
		if e.Kind == event.Image && e.Phase.Final() && e.Phase != event.Present {
			t.Errorf("image %s %s: want present", e.Name, e.Phase)
		}
	}
	if said != 1 {
		t.Errorf("%q said %d times, want once:\n%v", note, said, rec.events)
	}
}

const volumesManifest = `version: 1
project: crisp
workspace: ./ws
infra:
  redis:
    image: redis:7
    volumes: ["data:/data"]
    env: {A: "1"}
`

// An image's VOLUME the manifest does not mount gets a volume crispify makes,
// labelled, reused by a recreate, kept and named by a teardown without
// --volumes, removed with it; the engine never makes an anonymous one.
func TestImageVolumesAreLabelledReusedAndRemoved(t *testing.T) {
	p, fake, _ := newProject(t, volumesManifest)
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis", Volumes: []string{"/data", "/var/lib/extra_1"}})
	up(t, p, "redis")
	image := docker.ImageVolumeName("crisp", "redis", "/var/lib/extra_1")
	if !strings.HasPrefix(image, "crisp_redis__var_lib_extra-1-") {
		t.Errorf("image volume named %s", image)
	}
	checkVolumes := func(when string, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := slices.Sorted(maps.Keys(fake.Volumes)); !slices.Equal(got, want) {
			t.Errorf("%s: volumes %q, want %q", when, got, want)
		}
		for name, v := range fake.Volumes {
			if v.Labels[docker.LabelProject] != "crisp" || v.Labels[docker.LabelInfra] != "redis" {
				t.Errorf("%s: volume %s has labels %v, not the project's", when, name, v.Labels)
			}
		}
	}
	checkVolumes("after the boot", "crisp_redis_data", image)
	spec, _ := fake.Spec("crisp-redis")
	if !slices.Contains(spec.Mounts, docker.Mount{Type: "volume", Name: image, Destination: "/var/lib/extra_1"}) {
		t.Errorf("mounts %+v", spec.Mounts)
	}

	p.Manifest.Infra["redis"].Env["A"] = "2"
	up(t, p, "redis")
	if len(fake.CallsMatching("create crisp-redis")) != 2 {
		t.Fatalf("not recreated: %q", fake.Calls())
	}
	checkVolumes("after a recreate", "crisp_redis_data", image)

	report, err := p.Down(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(report.Kept, []string{image, "crisp_redis_data"}) || len(report.Unnamed) != 0 {
		t.Errorf("kept %q, unnamed %q", report.Kept, report.Unnamed)
	}
	up(t, p, "redis")
	checkVolumes("after a boot again", "crisp_redis_data", image)
	if _, err := p.Down(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	checkVolumes("after down --volumes")
}

// A container an older crispify made has an anonymous volume of the engine's:
// a recreate keeps its data (it is mounted again, by its ID), and down
// --volumes removes it, which the engine's own removal with the container
// would not.
func TestAnOlderAnonymousVolumeIsCarriedThenRemovedByDownVolumes(t *testing.T) {
	p, fake, _ := newProject(t, volumesManifest)
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis", Volumes: []string{"/data", "/extra"}})
	up(t, p, "redis")
	anon := strings.Repeat("ef", 32)
	fake.Volumes[anon] = docker.Volume{Name: anon}
	delete(fake.Volumes, docker.ImageVolumeName("crisp", "redis", "/extra"))
	for _, c := range fake.Containers {
		c.Mounts = slices.DeleteFunc(c.Mounts, func(m docker.Mount) bool { return m.Destination == "/extra" })
		c.Mounts = append(c.Mounts, docker.Mount{Type: "volume", Name: anon, Destination: "/extra"})
	}
	p.Manifest.Infra["redis"].Env["A"] = "2"
	up(t, p, "redis")
	spec, _ := fake.Spec("crisp-redis")
	if !slices.Contains(spec.Mounts, docker.Mount{Type: "volume", Name: anon, Destination: "/extra"}) {
		t.Errorf("the old anonymous volume did not move over: %+v", spec.Mounts)
	}
	if _, err := p.Down(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if len(fake.Volumes) != 0 {
		t.Errorf("volumes left by down --volumes after a recreate: %v", slices.Sorted(maps.Keys(fake.Volumes)))
	}
}
