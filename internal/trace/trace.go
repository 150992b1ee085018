// Package trace owns what -v shows: every command crispify runs and every
// Docker API call it makes, one line each on the writer the CLI gives, with
// secrets masked. A Tracer travels in the context, so that engine packages
// write to it without any state of their own; without one, tracing is a
// no-op.
package trace

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/secret"
)

// Tracer writes trace lines. Its methods may be called at once from many
// goroutines, and on a nil Tracer, where they do nothing.
type Tracer struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// New returns a Tracer writing to w (stderr, from the CLI).
func New(w io.Writer) *Tracer { return &Tracer{w: w, now: time.Now} }

type key struct{}

// With returns ctx carrying t.
func With(ctx context.Context, t *Tracer) context.Context { return context.WithValue(ctx, key{}, t) }

// From returns the Tracer of ctx, nil when it has none.
func From(ctx context.Context) *Tracer {
	t, _ := ctx.Value(key{}).(*Tracer)
	return t
}

// Command traces a process crispify starts: its argv, its folder and the
// variables crispify sets for it on top of the user's environment (not the
// whole environment: that is the user's own), all masked.
func (t *Tracer) Command(dir string, argv []string, env []string) {
	if t == nil {
		return
	}
	line := "run " + quoteAll(secret.MaskArgs(argv))
	var where []string
	if dir != "" {
		where = append(where, "in "+dir)
	}
	if len(env) > 0 {
		masked := secret.MaskEnv(env)
		for i, kv := range masked {
			k, v, _ := strings.Cut(kv, "=")
			masked[i] = k + "=" + quote(v)
		}
		where = append(where, "env "+strings.Join(masked, " "))
	}
	if len(where) > 0 {
		line += " (" + strings.Join(where, "; ") + ")"
	}
	t.write(line)
}

// API traces a Docker Engine API request.
func (t *Tracer) API(method, path string) {
	if t == nil {
		return
	}
	t.write("docker " + method + " " + secret.Redact(path))
}

// Printf traces anything else; the caller masks what it passes.
func (t *Tracer) Printf(format string, args ...any) {
	if t == nil {
		return
	}
	t.write(secret.Redact(fmt.Sprintf(format, args...)))
}

// Relay writes a line another process traced (a supervisor applying this
// process's request), as it came: it is masked and stamped already.
func (t *Tracer) Relay(line string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(t.w, strings.TrimRight(line, "\n"))
}

// Also returns ctx carrying a tracer that writes to w as well as to the
// tracer ctx carries, if any: a supervisor traces a client's apply into its
// own log and to the client.
func Also(ctx context.Context, w io.Writer) context.Context {
	if t := From(ctx); t != nil {
		w = io.MultiWriter(t.w, w)
	}
	return With(ctx, New(w))
}

func (t *Tracer) write(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "crispify -v %s %s\n", t.now().Format("15:04:05.000"), line)
}

// quoteAll joins words as a shell would read them back, quoting only those
// that need it.
func quoteAll(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = quote(w)
	}
	return strings.Join(out, " ")
}

func quote(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\n'\"\\$`;&|<>()") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
