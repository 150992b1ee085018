package docker

import (
	"reflect"
	"testing"

	"github.com/crispify/crispify/internal/manifest"
)

func TestDownOrderStopsAContainerBeforeWhatItNeeds(t *testing.T) {
	m, err := manifest.Parse([]byte(`version: 1
project: downorder
infra:
  mongo: {image: mongo:7}
  redis: {image: redis:7}
  rabbit: {image: rabbitmq:3, needs: [mongo]}
  search: {image: es:8, needs: [rabbit, redis]}
`), "crispify.yaml", manifest.Options{Workspace: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	of := func(infra ...string) []Container {
		var list []Container
		for _, name := range infra {
			list = append(list, Container{Name: "downorder-" + name, Labels: map[string]string{LabelInfra: name}})
		}
		return list
	}
	for _, c := range []struct {
		name string
		list []Container
		want [][]int
	}{
		{"a chain and a leaf", of("mongo", "redis", "rabbit", "search"), [][]int{{3}, {2}, {0, 1}}},
		// Depths count what is not in the list: search still goes first.
		{"part of the chain", of("search", "mongo"), [][]int{{0}, nil, {1}}},
		{"none needs another", of("redis", "mongo"), [][]int{{0, 1}}},
		// An infra the manifest no longer has needs nothing it knows.
		{"gone from the manifest", of("old", "rabbit", "mongo"), [][]int{{1}, {0, 2}}},
		// The replacement of a recreate left beside the old one.
		{"two of one infra", append(of("rabbit", "mongo"), of("rabbit")...), [][]int{{0, 2}, {1}}},
		{"nothing", nil, [][]int{nil}},
	} {
		if got := downOrder(m, c.list); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: downOrder = %v, want %v", c.name, got, c.want)
		}
	}
}
