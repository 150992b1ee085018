package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/workers"
)

// shape is what of a service's manifest entry shapes its worker's process
// (docs/design.md, "A live stack"): a change to any part restarts the worker,
// and the part's name says why.
type shape struct {
	Run      string
	Env      map[string]string // the manifest's env, expanded
	EnvFile  string            // the hash of the env_file's content; "" for none
	Ready    manifest.Ready    // the zero Ready for none
	Replicas int
	Restart  manifest.RestartPolicy
}

// shapeOf is the shape of s, given the environment composed for it.
func shapeOf(s *manifest.Service, env []string) shape {
	sh := shape{Run: s.Run, Env: map[string]string{}, Replicas: max(s.Replicas, 1), Restart: s.Restart}
	if sh.Restart == "" {
		sh.Restart = manifest.DefaultRestart
	}
	if s.Ready != nil {
		sh.Ready = *s.Ready
	}
	values := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			values[k] = v
		}
	}
	for k := range s.Env {
		sh.Env[k] = values[k]
	}
	if s.EnvFile != "" {
		data, err := os.ReadFile(s.Dir + string(os.PathSeparator) + s.EnvFile)
		sum := sha256.Sum256(data)
		sh.EnvFile = hex.EncodeToString(sum[:])
		if err != nil {
			sh.EnvFile = "unreadable"
		}
	}
	return sh
}

// changes names the parts of sh that differ from old, in a fixed order.
func (sh shape) changes(old shape) []string {
	var out []string
	if sh.Run != old.Run {
		out = append(out, "run changed")
	}
	if !maps.Equal(sh.Env, old.Env) {
		out = append(out, "env changed")
	}
	if sh.EnvFile != old.EnvFile {
		out = append(out, "env_file changed")
	}
	if sh.Ready != old.Ready {
		out = append(out, "ready changed")
	}
	if sh.Replicas != old.Replicas {
		out = append(out, "replicas changed")
	}
	if sh.Restart != old.Restart {
		out = append(out, "restart changed")
	}
	return out
}

// applied is what the supervisor remembers of a worker it started: the
// shape it started with and its repo's HEAD then.
type applied struct {
	shape shape
	head  string
}

// action is what an apply does to one worker.
type action string

const (
	actStart   action = "start"
	actRestart action = "restart"
	actLeave   action = "leave"
)

// decision is an apply's verdict on one worker, and why.
type decision struct {
	action action
	why    string
}

// observed is what an apply found of a worker before deciding: whether it
// runs, and what it was started with (known is false when nothing is).
type observed struct {
	running bool
	known   bool
	was     applied
}

// decide is the diff of a live stack for one worker (docs/design.md, "A live
// stack"): a worker that does not run starts; one that runs restarts only
// when its repo's HEAD moved (moved says how: "3 new commits"), its setup
// re-ran, or its shape changed; every other is left alone, keeping its pid.
func decide(want shape, head, moved string, setup workers.SetupRun, o observed) decision {
	if !o.running {
		return decision{action: actStart}
	}
	if !o.known {
		return decision{action: actLeave, why: "running"}
	}
	var why []string
	if head != o.was.head && head != "" && o.was.head != "" {
		if moved == "" {
			moved = "HEAD moved"
		}
		why = append(why, moved)
	}
	if setup.Ran {
		why = append(why, "setup re-ran: "+setup.Why)
	}
	why = append(why, want.changes(o.was.shape)...)
	if len(why) == 0 {
		return decision{action: actLeave, why: "unchanged"}
	}
	return decision{action: actRestart, why: strings.Join(why, ", ")}
}

// decideWorker is decide for the worker of s, the clone being at head:
// a move of the clone that changed nothing under the service's paths
// leaves it running (and, when record is set, is recorded as its new
// commit, so that the next apply compares from there).
func (a *apply) decideWorker(ctx context.Context, s *manifest.Service, want shape, head string, setup workers.SetupRun, record bool) decision {
	_, running := a.runner.Running(s.Name)
	was, known := a.records.get(s.Name)
	moved, untouched := "", ""
	if known && head != was.head && head != "" && was.head != "" {
		if a.touched(ctx, s, was.head, head) {
			moved = a.moved(ctx, s.Dir, was.head, head)
		} else {
			// The clone moved, but not under this service's paths: its
			// code is what the worker runs, from the new commit on.
			untouched = "unchanged: nothing changed under " + manifest.ScopeText(s.Scope())
		}
	}
	decided := head
	if untouched != "" {
		decided = was.head
	}
	d := decide(want, decided, moved, setup, observed{running: running, known: known, was: was})
	if d.action == actLeave && untouched != "" && d.why == "unchanged" {
		d.why = untouched
		if record {
			a.records.set(s.Name, applied{shape: was.shape, head: head})
		}
	}
	return d
}
