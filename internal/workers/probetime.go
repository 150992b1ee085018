package workers

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// ProbeTimes times one answer of the ready probe of every worker that is
// up (ready, or sick) and has a tcp or http one: how long a connection, or
// a 2xx answer, took. A probe with no answer within limit(name) counts as
// that limit. Workers whose probe is a log line, or none, are left out:
// nothing of theirs answers. It is what sick.slow is judged on.
func (s *Supervisor) ProbeTimes(ctx context.Context, limit func(name string) time.Duration) map[string]time.Duration {
	type target struct {
		name  string
		probe probe
		env   []string
	}
	var targets []target
	s.mu.Lock()
	for name, w := range s.workers {
		w.mu.Lock()
		phase := w.phaseLocked()
		if (phase == event.Ready || phase == event.Sick) && (w.gen.probe.tcp > 0 || w.gen.probe.http != "") && len(w.replicas) > 0 {
			targets = append(targets, target{name, w.gen.probe, w.replicas[0].env})
		}
		w.mu.Unlock()
	}
	s.mu.Unlock()
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]time.Duration{}
	for _, t := range targets {
		wg.Go(func() {
			d := t.probe.time(ctx, t.env, limit(t.name))
			mu.Lock()
			out[t.name] = d
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// time is how long one answer of the probe took, limit when none came
// within it.
func (p probe) time(ctx context.Context, env []string, limit time.Duration) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	began := time.Now()
	if !p.answer(ctx, env) {
		return limit
	}
	return min(time.Since(began), limit)
}

// answer tries the probe once, as wait does over and over.
func (p probe) answer(ctx context.Context, env []string) bool {
	if p.tcp > 0 {
		var d net.Dialer
		for _, host := range []string{"127.0.0.1", "::1"} {
			if c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(p.tcp))); err == nil {
				c.Close()
				return true
			}
		}
		return false
	}
	client := &http.Client{Transport: &http.Transport{
		Proxy: nil, DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, manifest.ExpandEnv(p.http, envLookup(env)), nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}
