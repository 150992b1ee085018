package stack

import (
	"reflect"
	"testing"

	"github.com/crispify/crispify/internal/manifest"
)

func TestStopOrderStopsAWorkerBeforeWhatItNeeds(t *testing.T) {
	m, err := manifest.Parse([]byte(`version: 1
project: stoporder
infra:
  redis: {image: redis:7}
services:
  api: {repo: r1, run: ./api, needs: [redis]}
  mailer: {repo: r2, run: ./mailer, needs: [api]}
  web: {repo: r3, run: ./web, needs: [api, docs]}
  docs: {repo: r4}
  cron: {repo: r5, run: ./cron}
`), "crispify.yaml", manifest.Options{Workspace: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		names []string
		want  [][]string
	}{
		// mailer and web need api: they stop first; docs has no worker.
		{[]string{"api", "mailer", "web", "docs", "cron"}, [][]string{{"mailer", "web"}, {"api", "cron"}}},
		{[]string{"api"}, [][]string{{"api"}}},
		{[]string{"cron", "docs"}, [][]string{{"cron"}}},
	} {
		if got := StopOrder(m, c.names); !reflect.DeepEqual(got, c.want) {
			t.Errorf("StopOrder(%v) = %v, want %v", c.names, got, c.want)
		}
	}
}
