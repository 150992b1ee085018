// Command readylag measures how soon crispify counts a container healthy
// after it could have: scripts/bench-infra.sh runs `watch` beside a boot,
// which probes every infra's published port with the same handshake as
// crispify's readiness probe but far more often, and notes when each first
// answered; `report` then sets that beside the boot's healthy events, from
// each container's start.
//
//	readylag watch -f crispify.yaml -every 20ms -o answered.txt
//	readylag report -f crispify.yaml -events events.ndjson -answered answered.txt -started started.txt
//
// report prints one line per container: name, start to first answer, start
// to crispify's healthy, and the difference, in milliseconds.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"

	"github.com/crispify/crispify/internal/probe"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: readylag watch|report [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "watch":
		err = watch(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want watch or report", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "readylag:", err)
		os.Exit(1)
	}
}

// probes are the infra of a manifest that have a probe, and the address of
// its published port on this machine.
func probes(file string) (map[string]probe.Probe, map[string]string, error) {
	m, err := manifest.Load(file, manifest.Options{})
	if err != nil {
		return nil, nil, err
	}
	prs, addrs := map[string]probe.Probe{}, map[string]string{}
	for _, name := range m.InfraNames() {
		in := m.Infra[name]
		pr, ok := docker.ProbeOf(in)
		if !ok {
			continue
		}
		for _, p := range in.Ports {
			if p.Container == pr.Port && p.Proto == "tcp" {
				prs[name], addrs[name] = pr, net.JoinHostPort(p.HostIP, strconv.Itoa(p.Host))
			}
		}
	}
	return prs, addrs, nil
}

// watch probes every port until each answered once, or SIGTERM, writing
// "name unix-nanoseconds" for each as it first answers.
func watch(args []string) error {
	fs := flag.NewFlagSet("watch", flag.ExitOnError)
	file := fs.String("f", "crispify.yaml", "the manifest")
	every := fs.Duration("every", 20*time.Millisecond, "time between probes of one port")
	out := fs.String("o", "answered.txt", "where to write the first answers")
	limit := fs.Duration("timeout", 3*time.Minute, "give up after")
	fs.Parse(args)
	prs, addrs, err := probes(*file)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, pr := range prs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(*every)
			defer tick.Stop()
			for {
				attempt, done := context.WithTimeout(ctx, time.Second)
				err := pr.Check(attempt, addrs[name])
				done()
				if err == nil {
					at := time.Now()
					mu.Lock()
					fmt.Fprintf(f, "%s %d\n", name, at.UnixNano())
					mu.Unlock()
					return
				}
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// report sets the first answers beside the boot's healthy events.
func report(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	file := fs.String("f", "crispify.yaml", "the manifest")
	eventsFile := fs.String("events", "events.ndjson", "the boot's --output json")
	answeredFile := fs.String("answered", "answered.txt", "what watch wrote")
	startedFile := fs.String("started", "started.txt", `"name RFC3339-time" of each container's start`)
	fs.Parse(args)
	prs, _, err := probes(*file)
	if err != nil {
		return err
	}
	answered, err := times(*answeredFile, func(s string) (time.Time, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		return time.Unix(0, n), err
	})
	if err != nil {
		return err
	}
	started, err := times(*startedFile, func(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) })
	if err != nil {
		return err
	}
	healthy := map[string]time.Time{}
	data, err := os.ReadFile(*eventsFile)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(data), "\n") {
		var e event.Event
		if json.Unmarshal([]byte(line), &e) == nil && e.Kind == event.Infra && e.Phase == event.Healthy {
			healthy[e.Name] = e.TS
		}
	}
	for name := range prs {
		s, a, h := started[name], answered[name], healthy[name]
		if s.IsZero() || a.IsZero() || h.IsZero() {
			return fmt.Errorf("%s: started %v, answered %v, healthy %v: a time is missing", name, s, a, h)
		}
		fmt.Printf("%s %d %d %d\n", name, a.Sub(s).Milliseconds(), h.Sub(s).Milliseconds(), h.Sub(a).Milliseconds())
	}
	return nil
}

// times reads "name value" lines.
func times(file string, parse func(string) (time.Time, error)) (map[string]time.Time, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]time.Time{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		t, err := parse(value)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", file, sc.Text(), err)
		}
		out[name] = t
	}
	return out, sc.Err()
}
