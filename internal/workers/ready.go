package workers

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

const (
	// readyAfterRunning is when a worker without a ready probe counts as up.
	readyAfterRunning = 500 * time.Millisecond
	tcpEvery          = 100 * time.Millisecond
	httpEvery         = 250 * time.Millisecond
	// probeTimeout bounds one dial or request, so a hung server is retried.
	probeTimeout = 2 * time.Second
)

// probe is one worker's readiness check. Its zero value is the default: up
// once the process has run readyAfterRunning without exiting.
type probe struct {
	tcp  int
	http string // a URL template: ${VAR} expands from the replica's env
}

func newProbe(r *manifest.Ready) probe {
	if r == nil {
		return probe{}
	}
	return probe{tcp: r.TCP, http: r.HTTP}
}

// wait returns nil once the replica is ready, or ctx's error. logMatched
// is closed when an output line matched ready.log; it is nil for the other
// probes. own says whether what listens on a port that answered is the
// worker's (answeredBy): an answer from another process (a worker of the
// old name still running, a stray server) is not this worker being ready.
func (p probe) wait(ctx context.Context, env []string, logMatched <-chan struct{}, own func(port int) bool) error {
	switch {
	case logMatched != nil:
		select {
		case <-logMatched:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case p.tcp > 0:
		// ::1 too: a server bound to "localhost" may listen there only
		// (Node 17 and later do, where the system prefers IPv6).
		addrs := []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(p.tcp)), net.JoinHostPort("::1", strconv.Itoa(p.tcp))}
		d := net.Dialer{Timeout: probeTimeout}
		return poll(ctx, tcpEvery, func() bool {
			for _, addr := range addrs {
				if c, err := d.DialContext(ctx, "tcp", addr); err == nil {
					c.Close()
					return own(p.tcp)
				}
			}
			return false
		})
	case p.http != "":
		target := manifest.ExpandEnv(p.http, envLookup(env))
		port := localPort(target)
		client := &http.Client{
			Timeout: probeTimeout,
			Transport: &http.Transport{
				Proxy:             nil, // a local worker is never behind the user's proxy
				DisableKeepAlives: true,
				// A probe asks whether a local dev server answers, not who
				// it is: self-signed certificates are the norm there.
				TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
			},
		}
		defer client.CloseIdleConnections()
		return poll(ctx, httpEvery, func() bool {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
			if err != nil {
				return false
			}
			resp, err := client.Do(req)
			if err != nil {
				return false
			}
			resp.Body.Close()
			if resp.StatusCode < 200 || resp.StatusCode >= 300 {
				return false
			}
			return port == 0 || own(port)
		})
	default:
		t := time.NewTimer(readyAfterRunning)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// port is the local port the probe reaches, 0 when none (a log probe, or
// an http one to another host).
func (p probe) port(env []string) int {
	if p.tcp > 0 {
		return p.tcp
	}
	if p.http != "" {
		return localPort(manifest.ExpandEnv(p.http, envLookup(env)))
	}
	return 0
}

// localPort is the port of a URL on this machine (localhost, a loopback
// address), 0 for another host.
func localPort(raw string) int {
	u, err := url.Parse(raw)
	if err != nil {
		return 0
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		switch u.Scheme {
		case "http":
			return 80
		case "https":
			return 443
		}
		return 0
	}
	return port
}

// describe names the probe for messages.
func (p probe) describe(r *manifest.Ready) string {
	switch {
	case r == nil:
		return "running"
	case r.Log != "":
		return fmt.Sprintf("a line matching %q", r.Log)
	case p.tcp > 0:
		return fmt.Sprintf("port %d accepting connections", p.tcp)
	default:
		return fmt.Sprintf("%s answering 2xx", p.http)
	}
}

// firstPoll is the first wait between two probes: a worker that is up
// within milliseconds (most are, on a restart) is seen so, and the wait
// doubles up to the probe's interval for one that takes its time.
const firstPoll = 5 * time.Millisecond

// poll calls ok at once and then, waiting firstPoll doubling to interval,
// until it returns true.
func poll(ctx context.Context, interval time.Duration, ok func() bool) error {
	wait := min(firstPoll, interval)
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		if ok() {
			return nil
		}
		select {
		case <-t.C:
			wait = min(2*wait, interval)
			t.Reset(wait)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// envLookup looks variables up in a KEY=VALUE list, the last one winning.
func envLookup(env []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && envKey(k) == envKey(name) {
				return v, true
			}
		}
		return "", false
	}
}
