package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Line is one line of a container's log.
type Line struct {
	Infra string
	Text  string
	// Time is when the container wrote it, by the engine's clock.
	Time time.Time
}

// Logs streams the logs of the named infra containers, line by line, to
// emit, interleaved as they come: the last opts.Tail lines of each (written
// at or after opts.Since when set), then with opts.Follow new ones until ctx
// ends. Lines come with the engine's time of each, without it in the text.
func (p *Project) Logs(ctx context.Context, names []string, opts LogOptions, emit func(Line)) error {
	list, err := p.Engine.ContainerList(ctx, p.labels())
	if err != nil {
		return fmt.Errorf("list containers of project %s: %w", p.Manifest.Project, err)
	}
	ids := map[string]string{}
	for _, c := range list {
		if p.mine(c.Labels) { // another owner's logs are theirs
			ids[c.Name] = c.ID
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, name := range names {
		id, ok := ids[ContainerName(p.Manifest.Project, name)]
		if !ok {
			errs[i] = fmt.Errorf("logs of %s: it has no container: start it with `crispify infra %s`", name, name)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.streamLogs(ctx, name, id, opts, func(l Line) {
				mu.Lock()
				defer mu.Unlock()
				emit(l)
			})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (p *Project) streamLogs(ctx context.Context, name, id string, opts LogOptions, emit func(Line)) error {
	opts.Timestamps = true
	rc, err := p.Engine.ContainerLogs(ctx, id, opts)
	if err != nil {
		return fmt.Errorf("logs of %s: %w", name, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var last time.Time
	for sc.Scan() {
		at, text := splitStamp(sc.Text())
		if at.IsZero() {
			at = last // a line the engine gave no time: as the one before
		}
		last = at
		emit(Line{Infra: name, Text: text, Time: at})
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil && !errors.Is(err, io.ErrClosedPipe) {
		return fmt.Errorf("logs of %s: %w", name, err)
	}
	return nil
}

// splitStamp splits the engine's "2026-11-22T10:00:00.123456789Z text"
// into its time and text; a line without one has the zero time.
func splitStamp(line string) (time.Time, string) {
	stamp, text, ok := strings.Cut(line, " ")
	if !ok {
		stamp, text = line, ""
	}
	t, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return time.Time{}, line
	}
	return t, text
}
