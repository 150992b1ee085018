package docker

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/pkg/stdcopy"
)

// ContainerLogs demultiplexes the engine's log stream (containers run
// without a TTY) into one stream of lines.
func (s *sdk) ContainerLogs(ctx context.Context, id string, opts LogOptions) (io.ReadCloser, error) {
	lo := container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: opts.Tail, Follow: opts.Follow, Timestamps: opts.Timestamps}
	if !opts.Since.IsZero() {
		// The engine reads seconds since the epoch, with nanoseconds.
		lo.Since = fmt.Sprintf("%d.%09d", opts.Since.Unix(), opts.Since.Nanosecond())
	}
	rc, err := s.c.ContainerLogs(ctx, id, lo)
	if err != nil {
		return nil, notFound(err)
	}
	pr, pw := io.Pipe()
	go func() {
		// One writer for both streams keeps lines whole: the engine frames
		// whole writes, and a pipe write is atomic for its reader.
		_, err := stdcopy.StdCopy(pw, pw, rc)
		rc.Close()
		pw.CloseWithError(err)
	}()
	return readCloser{Reader: pr, close: func() error { rc.Close(); return pr.Close() }}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

func (s *sdk) Events(ctx context.Context, labels map[string]string) (<-chan ContainerEvent, <-chan error) {
	f := labelFilter(labels)
	f.Add("type", string(events.ContainerEventType))
	msgs, errs := s.c.Events(ctx, events.ListOptions{Filters: f})
	out := make(chan ContainerEvent)
	go func() {
		defer close(out)
		for {
			select {
			case m, ok := <-msgs:
				if !ok {
					return
				}
				e := ContainerEvent{ID: m.Actor.ID, Name: m.Actor.Attributes["name"], Action: string(m.Action), Labels: m.Actor.Attributes}
				if m.Action == events.ActionDie {
					e.ExitCode, _ = strconv.Atoi(m.Actor.Attributes["exitCode"])
				}
				select {
				case out <- e:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errs
}
