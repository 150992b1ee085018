package docker_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
)

func TestTheExpectedSlowestStartsFirstAlone(t *testing.T) {
	for _, c := range []struct {
		name    string
		history string
		lead    string
	}{
		// mysql's health check allows the longest: 60 retries at the defaults.
		{"by health budget", "", "redis"},
		{"by the time it took last", `{"mysql": 20000}`, "mysql"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, fake, _ := newProject(t, testManifest)
			p.Manifest.Infra["redis"].Health.Retries = 120
			if c.history != "" {
				path := filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, []byte(c.history), 0o644)
			}
			ctx := context.Background()
			_ = p.EnsureNetwork(ctx)
			p.ChooseLead([]string{"redis", "mysql", "plain"})
			var wg sync.WaitGroup
			for _, n := range []string{"plain", "mysql", "redis"} { // the lead last
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := p.Up(ctx, n); err != nil {
						t.Errorf("up %s: %v", n, err)
					}
				}()
			}
			wg.Wait()
			calls := fake.Calls()
			leadStart := slices.Index(calls, "start crisp-"+c.lead)
			for i, call := range calls {
				if strings.HasPrefix(call, "create ") && call != "create crisp-"+c.lead && i < leadStart {
					t.Errorf("%s before the lead %s started: %q", call, c.lead, calls)
				}
			}
			times, _ := os.ReadFile(filepath.Join(p.Manifest.StateDir(), "infra-health-times.json"))
			if !strings.Contains(string(times), `"plain"`) {
				t.Errorf("health times not recorded: %s", times)
			}
		})
	}
}

func TestOthersStartJustInTimeForTheLead(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	// mysql boots as long as last time: healthy 1.6 s after its start.
	fake.AddImage("mysql:8", dockerfake.Image{ID: "sha256:mysql", Health: "starting"})
	go func() {
		for !slices.Contains(fake.CallsMatching("start "), "start crisp-mysql") {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(1600 * time.Millisecond)
		fake.SetHealth("crisp-mysql", "healthy")
	}()
	path := filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	// mysql took 1.6 s last time, plain 0.2 s and redis was never timed:
	// plain waits 1.6 - 0.4 (a quarter to spare) - 0.2 = 1 s, redis not.
	os.WriteFile(path, []byte(`{"mysql": 1600, "plain": 200}`), 0o644)
	ctx := context.Background()
	_ = p.EnsureNetwork(ctx)
	p.ChooseLead([]string{"redis", "mysql", "plain"})
	began := time.Now()
	var wg sync.WaitGroup
	took := map[string]time.Duration{}
	var mu sync.Mutex
	for _, n := range []string{"plain", "mysql", "redis"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Up(ctx, n); err != nil {
				t.Errorf("up %s: %v", n, err)
			}
			mu.Lock()
			took[n] = time.Since(began)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if took["plain"] < time.Second {
		t.Errorf("plain was up after %s: it should have started 1 s after mysql", took["plain"])
	}
	if took["redis"] >= time.Second {
		t.Errorf("redis, never timed, was held back %s", took["redis"])
	}
	if e := rec.phases(event.Infra, "plain"); !slices.Contains(e, event.Waiting) {
		t.Errorf("plain's phases %v: its wait was not reported", e)
	}
	for _, e := range rec.events {
		if e.Name == "plain" && e.Phase == event.Waiting && !strings.Contains(e.Msg, "held back 1s, so as not to slow the boot of mysql") {
			t.Errorf("plain's wait says %q", e.Msg)
		}
	}
}

func TestNoWaitWhenTheLeadIsAlreadyRunning(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "mysql")
	path := filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
	os.WriteFile(path, []byte(`{"mysql": 5000, "plain": 200}`), 0o644)
	again := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: p.Manifest, HealthTimeout: 5 * time.Second})
	again.ChooseLead([]string{"mysql", "plain"})
	began := time.Now()
	var wg sync.WaitGroup
	for _, n := range []string{"plain", "mysql"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := again.Up(context.Background(), n); err != nil {
				t.Errorf("up %s: %v", n, err)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(began); took > time.Second {
		t.Errorf("took %s: plain waited for a lead that was not booting", took)
	}
}

func TestALeadHealthySoonerThanLastTimeReleasesTheOthers(t *testing.T) {
	p, _, rec := newProject(t, testManifest)
	path := filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	// mysql took 20 s last time, on a busier machine; now it is healthy at
	// once, and plain, held back for 14.8 s, must not wait them out.
	os.WriteFile(path, []byte(`{"mysql": 20000, "plain": 200}`), 0o644)
	ctx := context.Background()
	_ = p.EnsureNetwork(ctx)
	p.ChooseLead([]string{"mysql", "plain"})
	began := time.Now()
	var wg sync.WaitGroup
	for _, n := range []string{"plain", "mysql"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Up(ctx, n); err != nil {
				t.Errorf("up %s: %v", n, err)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("took %s: plain waited out a delay its lead no longer needed", took)
	}
	if e := rec.phases(event.Infra, "plain"); !slices.Contains(e, event.Waiting) || !slices.Contains(e, event.Healthy) {
		t.Errorf("plain's phases %v: want held back, then healthy", e)
	}
}
