// Command critpath reads the NDJSON events of one `crispify --output json`
// boot and prints its total time beside its critical path: the slowest
// single chain of steps, each timed by its own events (clone + setup +
// worker ready, or infra healthy + worker ready). scripts/bench-local.sh
// uses it; the difference is what crispify's orchestration costs.
//
//	go run ./scripts/critpath -f crispify.yaml events.ndjson
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// span is when a step began and ended.
type span struct{ begin, end time.Time }

func (s span) d() time.Duration {
	if s.begin.IsZero() || s.end.IsZero() {
		return 0
	}
	return s.end.Sub(s.begin)
}

func main() {
	file := flag.String("f", "crispify.yaml", "the manifest of the boot")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: critpath -f MANIFEST EVENTS.ndjson")
		os.Exit(2)
	}
	m, err := manifest.Load(*file, manifest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "critpath:", err)
		os.Exit(2)
	}
	spans, total, err := read(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "critpath:", err)
		os.Exit(1)
	}
	critical, chain := criticalPath(m, spans)
	fmt.Printf("%d %d %s\n", total.Milliseconds(), critical.Milliseconds(), chain)
}

// read times every step from its first in-progress event to its settling
// one, and the whole boot from the stack's started to its done.
func read(path string) (map[string]span, time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	spans := map[string]span{}
	var boot span
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.IsOutput() {
			continue
		}
		if e.Kind == event.Stack {
			if e.Phase == event.Started {
				boot.begin = e.TS
			} else if e.Phase.Final() {
				boot.end = e.TS
			}
			continue
		}
		key := string(e.Kind) + ":" + e.Name
		s := spans[key]
		if s.begin.IsZero() {
			s.begin = e.TS
		}
		if e.Phase.Final() && s.end.IsZero() {
			s.end = e.TS
		}
		spans[key] = s
	}
	return spans, boot.d(), sc.Err()
}

// criticalPath is the longest chain to any worker being ready.
func criticalPath(m *manifest.Manifest, spans map[string]span) (time.Duration, string) {
	var best time.Duration
	var chain string
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		if s.Run == "" {
			continue
		}
		repo := spans["repo:"+name].d() + spans["setup:"+name].d()
		before, via := repo, "clone+setup "+name
		for _, n := range s.Needs {
			if _, ok := m.Infra[n]; ok {
				if d := spans["infra:"+n].d(); d > before {
					before, via = d, "infra "+n
				}
			}
		}
		total := before + spans["worker:"+name].d()
		if total > best {
			best, chain = total, fmt.Sprintf("%s (%s) + worker %s (%s)", via, before.Round(time.Millisecond), name, spans["worker:"+name].d().Round(time.Millisecond))
		}
	}
	return best, chain
}
