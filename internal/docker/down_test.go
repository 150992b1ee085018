package docker_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
)

// neededManifest has an app that needs a database.
const neededManifest = `version: 1
project: crisp
infra:
  app:
    image: busybox:1
    needs: [db]
  db:
    image: redis:7
  cache:
    image: redis:7
`

func TestDownStopsAContainerBeforeTheInfraItNeeds(t *testing.T) {
	p, fake, _ := newProject(t, neededManifest)
	up(t, p, "db", "cache", "app")
	if _, err := p.Down(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	calls := fake.CallsMatching("stop ")
	app, db := slices.Index(calls, "stop crisp-app"), slices.Index(calls, "stop crisp-db")
	if app < 0 || db < 0 || app > db {
		t.Errorf("stops %q: want crisp-app before crisp-db, which it needs", calls)
	}
	// A container is removed before the next level stops.
	if all := fake.Calls(); slices.Index(all, "rm crisp-app") > slices.Index(all, "stop crisp-db") {
		t.Errorf("calls %q: crisp-app removed after crisp-db stopped", all)
	}
}

// The prompt before `decrispify --volumes` lists what the teardown then
// removes: never another owner's volume, which the teardown refuses.
func TestTheVolumesATeardownListsAreTheOnesItRemoves(t *testing.T) {
	p, fake, _ := remoteProject(t, "ssh://dev@buildbox", testManifest)
	up(t, p, "redis")
	ctx := context.Background()
	bobs := map[string]string{docker.LabelProject: "crisp", docker.LabelInfra: "redis", docker.LabelOwner: "bob@desk"}
	if err := fake.VolumeCreate(ctx, "crisp_redis_bob", bobs); err != nil {
		t.Fatal(err)
	}
	ours, foreign, err := p.Volumes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, v := range ours {
		listed = append(listed, v.Name)
	}
	if len(foreign) != 1 || foreign[0].Name != "crisp_redis_bob" || slices.Contains(listed, "crisp_redis_bob") {
		t.Errorf("ours %q, foreign %+v: bob's volume is not ours to list", listed, foreign)
	}
	report, err := p.Down(ctx, true)
	if err == nil || !strings.Contains(err.Error(), "bob@desk") {
		t.Errorf("down: %v, want bob's volume refused", err)
	}
	if !slices.Equal(report.Volumes, listed) {
		t.Errorf("removed %q, listed %q: the prompt and the teardown disagree", report.Volumes, listed)
	}
	if _, ok := fake.Volumes["crisp_redis_bob"]; !ok {
		t.Error("bob's volume removed")
	}
}

func TestDownRemovesOnlyOurs(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "redis", "mysql")
	ctx := context.Background()
	foreign, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "someone-else", Image: "busybox:1"})
	other, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "other-redis", Image: "redis:7", Labels: map[string]string{docker.LabelProject: "other"}})
	_ = fake.VolumeCreate(ctx, "precious", nil)

	report, err := p.Down(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Containers) != 2 || !report.Network || len(report.Volumes) != 0 {
		t.Errorf("report %+v", report)
	}
	for _, id := range []string{foreign, other} {
		if _, err := fake.ContainerInspect(ctx, id); err != nil {
			t.Errorf("container %s removed: %v", id, err)
		}
	}
	if _, ok := fake.Volumes["crisp_redis_data"]; !ok {
		t.Error("data volume removed without --volumes")
	}

	up(t, p, "redis")
	report, err = p.Down(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fake.Volumes["crisp_redis_data"]; ok {
		t.Error("data volume kept with --volumes")
	}
	if _, ok := fake.Volumes["precious"]; !ok {
		t.Error("foreign volume removed")
	}

	// Twice is fine.
	if _, err := p.Down(ctx, true); err != nil {
		t.Errorf("second down: %v", err)
	}
}

func TestDownNamesTheUnnamedVolumesItLeaves(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "redis", "plain")
	anon := strings.Repeat("cd", 32)
	for _, c := range fake.Containers {
		if c.Name == "crisp-plain" {
			c.Mounts = append(c.Mounts, docker.Mount{Type: "volume", Name: anon, Destination: "/var/lib/thing"})
		}
	}
	report, err := p.Down(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	// redis's own named volume is not in the list: the next boot reuses it.
	if !slices.Equal(report.Unnamed, []string{anon}) {
		t.Errorf("unnamed volumes reported %q, want just %s", report.Unnamed, anon)
	}
}
