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
