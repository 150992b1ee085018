package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Line is one line of a container's log.
type Line struct {
	Infra string
	Text  string
}

// Logs streams the logs of the named infra containers, line by line, to
// emit, interleaved as they come. With follow it runs until ctx ends.
func (p *Project) Logs(ctx context.Context, names []string, tail string, follow bool, emit func(Line)) error {
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
			errs[i] = p.streamLogs(ctx, name, id, tail, follow, func(l Line) {
				mu.Lock()
				defer mu.Unlock()
				emit(l)
			})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (p *Project) streamLogs(ctx context.Context, name, id, tail string, follow bool, emit func(Line)) error {
	rc, err := p.Engine.ContainerLogs(ctx, id, LogOptions{Tail: tail, Follow: follow})
	if err != nil {
		return fmt.Errorf("logs of %s: %w", name, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		emit(Line{Infra: name, Text: sc.Text()})
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil && !errors.Is(err, io.ErrClosedPipe) {
		return fmt.Errorf("logs of %s: %w", name, err)
	}
	return nil
}
