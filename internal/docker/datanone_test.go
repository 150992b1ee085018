package docker_test

import (
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
)

// An infra that holds no data (no named volume, no VOLUME in its image) is
// the same container on every data branch: a switch leaves it running,
// while one that holds data is recreated on the branch's volumes.
func TestAnInfraWithoutDataIsTheSameOnEveryBranch(t *testing.T) {
	fake := dockerfake.New()
	fake.AddImage("search:1", dockerfake.Image{ID: "sha256:search"})
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis", Volumes: []string{"/data"}})
	m := load(t, `version: 1
project: crisp
defaults: {branch: master}
infra:
  search:
    image: search:1
  redis:
    image: redis:7
`)
	p := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: m, HealthTimeout: 5 * time.Second})
	up(t, p, "search", "redis")
	search, _ := fake.Spec("crisp-search")
	redis, _ := fake.Spec("crisp-redis")

	p.DataBranch = "feature"
	if forking, err := p.Forking(t.Context()); err != nil || len(forking) != 1 || forking[0] != "redis" {
		t.Errorf("forking infra %v (%v), want redis alone", forking, err)
	}
	up(t, p, "search", "redis")
	if got, _ := fake.Spec("crisp-search"); got.Labels[docker.LabelConfigHash] != search.Labels[docker.LabelConfigHash] {
		t.Error("search, which holds no data, changes its config hash with the data branch: a switch would recreate it")
	}
	if got, _ := fake.Spec("crisp-redis"); got.Labels[docker.LabelConfigHash] == redis.Labels[docker.LabelConfigHash] {
		t.Error("redis, whose image has a VOLUME, keeps its hash on another branch: no swap")
	}
}
