package stack

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// Logs sends the logs of the named containers and workers (every container
// and every service with a worker or setup when none are named) to line:
// the last tail lines of each (all when tail is negative), interleaved by
// when they were written, those of one moment in the order the sources
// were named; then, with follow, new ones as they come, until ctx ends.
// Workers' logs are their files under .crispify/logs, each line after its
// time; containers' come from the engine, with the engine's times.
func (st *Stack) Logs(ctx context.Context, names []string, tail int, follow bool, line func(name, text string)) error {
	m := st.Manifest
	known := append(m.InfraNames(), m.ServiceNames()...)
	for _, n := range names {
		// A worker that left the manifest (stopped by the apply that
		// found it gone) still has its log.
		if strings.ContainsAny(n, `/\`) || strings.HasPrefix(n, ".") {
			continue // a name, never a path
		}
		if _, err := os.Stat(workers.LogPath(m.StateDir(), n)); err == nil && !slices.Contains(known, n) {
			known = append(known, n)
		}
	}
	if err := unknownNames("infra or service", names, known); err != nil {
		return err
	}
	order := st.LogNames(names)
	if len(names) > 0 {
		order = unique(names)
	}
	var p *docker.Project
	if infra, _ := st.splitLogNames(order); len(infra) > 0 {
		var err error
		if p, err = st.project(ctx, nil); err != nil {
			return err
		}
	}

	// The last lines of every source, read at once, then merged by time.
	sources := make([]logSource, len(order))
	var g errgroup.Group
	for i, name := range order {
		src := &sources[i]
		src.name = name
		if _, ok := m.Infra[name]; ok {
			g.Go(func() error {
				src.err = p.Logs(ctx, []string{name}, docker.LogOptions{Tail: tailArg(tail)}, func(l docker.Line) {
					src.lines = append(src.lines, workers.LogLine{Time: l.Time, Text: l.Text})
				})
				return nil
			})
			continue
		}
		g.Go(func() error {
			r, err := workers.OpenLogReader(m.StateDir(), name)
			if err != nil {
				if !follow || !errors.Is(err, fs.ErrNotExist) {
					src.err = err
				}
				return nil // else followed once it is there
			}
			src.reader = r
			src.lines, src.err = r.Last(tail)
			return nil
		})
	}
	g.Wait()
	mergeByTime(sources, line)
	var errs []error
	for _, src := range sources {
		errs = append(errs, src.err)
	}
	if !follow {
		for _, src := range sources {
			if src.reader != nil {
				src.reader.Close()
			}
		}
		return errors.Join(errs...)
	}

	// Then what each source writes next, as it comes.
	var mu sync.Mutex
	emit := func(name, text string) {
		mu.Lock()
		defer mu.Unlock()
		line(name, text)
	}
	var follows errgroup.Group
	for i := range sources {
		src := &sources[i]
		if src.err != nil {
			continue // said once, below
		}
		if _, isInfra := m.Infra[src.name]; isInfra {
			follows.Go(func() error { return src.followInfra(ctx, p, tail == 0, emit) })
			continue
		}
		follows.Go(func() error {
			r := src.reader
			if r == nil {
				var err error
				if r, err = workers.WaitLogReader(ctx, m.StateDir(), src.name); err != nil {
					return err
				}
			}
			defer r.Close()
			return r.Follow(ctx, func(l workers.LogLine) { emit(src.name, l.Text) })
		})
	}
	return errors.Join(append(errs, follows.Wait())...)
}

// unique is names without repeats, in the order first named.
func unique(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// logSource is one container's or worker's log: the lines read of it so
// far, and for a worker the reader that goes on where they end.
type logSource struct {
	name   string
	lines  []workers.LogLine
	reader *workers.LogReader
	err    error // why its lines could not be read
}

// followInfra follows a container's log from where its last lines ended:
// the engine is asked for the lines since the time of the last one read,
// by the engine's own clock, and those of that very moment already shown
// are left out. A container that had written nothing had nothing to leave
// out; with --tail 0 only what comes after now is asked for.
func (src *logSource) followInfra(ctx context.Context, p *docker.Project, none bool, emit func(name, text string)) error {
	opts := docker.LogOptions{Tail: "all", Follow: true}
	shown := map[string]int{} // texts of the lines at Since, already shown
	switch n := len(src.lines); {
	case n > 0:
		opts.Since = src.lines[n-1].Time
		for _, l := range src.lines {
			if l.Time.Equal(opts.Since) {
				shown[l.Text]++
			}
		}
	case none:
		opts.Tail = "0"
	}
	return p.Logs(ctx, []string{src.name}, opts, func(l docker.Line) {
		if l.Time.Before(opts.Since) {
			return
		}
		if l.Time.Equal(opts.Since) && shown[l.Text] > 0 {
			shown[l.Text]--
			return
		}
		emit(l.Infra, l.Text)
	})
}

// mergeByTime sends the lines of every source to line, the earliest first;
// of lines of one moment, those of the source named first go first. Each
// source's own lines keep their order, whatever their times say.
func mergeByTime(sources []logSource, line func(name, text string)) {
	next := make([]int, len(sources))
	for {
		pick := -1
		for i, src := range sources {
			if next[i] == len(src.lines) {
				continue
			}
			if pick < 0 || src.lines[next[i]].Time.Before(sources[pick].lines[next[pick]].Time) {
				pick = i
			}
		}
		if pick < 0 {
			return
		}
		line(sources[pick].name, sources[pick].lines[next[pick]].Text)
		next[pick]++
	}
}

// LogNames are the names Logs covers for names: every container and every
// service with a worker or setup when none are named.
func (st *Stack) LogNames(names []string) []string {
	infra, services := st.splitLogNames(names)
	return append(infra, services...)
}

func (st *Stack) splitLogNames(names []string) (infra, services []string) {
	m := st.Manifest
	if len(names) == 0 {
		for _, n := range m.ServiceNames() {
			if s := m.Services[n]; s.Run != "" || len(s.Setup) > 0 {
				services = append(services, n)
			}
		}
		return m.InfraNames(), services
	}
	for _, n := range names {
		if _, ok := m.Infra[n]; ok {
			infra = append(infra, n)
		} else {
			services = append(services, n)
		}
	}
	return infra, services
}

// ItemLogs is the board's log view of one container: its last tail lines,
// then new ones until ctx ends. Workers' lines reach the board as events.
func (st *Stack) ItemLogs(ctx context.Context, kind event.Kind, name string, tail int, line func(string)) error {
	if kind != event.Infra {
		return fmt.Errorf("logs of %s %s: not available here: run crispify logs %s", kind, name, name)
	}
	p, err := st.project(ctx, nil)
	if err != nil {
		return err
	}
	return p.Logs(ctx, []string{name}, docker.LogOptions{Tail: tailArg(tail), Follow: true}, func(l docker.Line) { line(l.Text) })
}

func tailArg(n int) string {
	if n < 0 {
		return "all"
	}
	return fmt.Sprint(n)
}
