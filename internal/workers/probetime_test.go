package workers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

// ProbeTimes times one answer of each up worker's http or tcp probe; a
// worker with a log probe is left out.
func TestProbeTimes(t *testing.T) {
	t.Parallel()
	s, _ := newSupervisor(t)
	ctx := ctxFor(t, 20*time.Second)
	port := freePort(t)
	if err := s.Start(ctx, Spec{Name: "api", Command: workerCmd("-http", fmt.Sprint(port)), Ready: &manifest.Ready{HTTP: fmt.Sprintf("http://127.0.0.1:%d/", port)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, Spec{Name: "logs", Command: workerCmd("-say", "up"), Ready: &manifest.Ready{Log: "up"}}); err != nil {
		t.Fatal(err)
	}
	got := s.ProbeTimes(ctx, func(string) time.Duration { return time.Second })
	if d, ok := got["api"]; !ok || d >= time.Second || len(got) != 1 {
		t.Fatalf("probe times %v: want api's alone, under the limit", got)
	}
}

// A probe that does not answer within the limit counts as the limit.
func TestProbeTimeLimit(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(time.Second)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if d := (probe{http: srv.URL + "/slow"}).time(ctx, nil, 200*time.Millisecond); d != 200*time.Millisecond {
		t.Errorf("slow: %v, want the limit", d)
	}
	if d := (probe{http: srv.URL + "/"}).time(ctx, nil, time.Second); d >= time.Second {
		t.Errorf("fast: %v", d)
	}
	if d := (probe{tcp: freePort(t)}).time(ctx, nil, 300*time.Millisecond); d != 300*time.Millisecond {
		t.Errorf("nothing listening: %v, want the limit", d)
	}
}
