package dockerfake

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/docker"
)

// ContainerLogs gives what the container's image prints (Image.Logs), as
// the engine does: the last Tail lines, none written before Since, each
// after its time with Timestamps. It never follows: the stream ends.
func (f *Engine) ContainerLogs(_ context.Context, id string, opts docker.LogOptions) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return nil, err
	}
	img := f.Images[c.Image]
	if img == nil {
		return io.NopCloser(strings.NewReader("")), nil
	}
	var lines []string
	at := c.StartedAt
	for i, text := range img.Logs {
		if i < len(img.LogTimes) && !img.LogTimes[i].IsZero() {
			at = img.LogTimes[i]
		} else if i > 0 {
			at = at.Add(time.Millisecond)
		}
		if !opts.Since.IsZero() && at.Before(opts.Since) {
			continue
		}
		if opts.Timestamps {
			text = at.UTC().Format(time.RFC3339Nano) + " " + text
		}
		lines = append(lines, text)
	}
	if n, err := strconv.Atoi(opts.Tail); err == nil && n < len(lines) {
		lines = lines[len(lines)-n:]
	}
	var text string
	if len(lines) > 0 {
		text = strings.Join(lines, "\n") + "\n"
	}
	return io.NopCloser(strings.NewReader(text)), nil
}
