package toolchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/manifest"
)

// probeTimeout bounds one `node --version`. It is long because a go whose
// go.mod wants a newer one may fetch that toolchain first (GOTOOLCHAIN=auto),
// as the worker's own go would.
const probeTimeout = 60 * time.Second

// maxProbeOutput bounds what is kept of a probe's output.
const maxProbeOutput = 4 << 10

// Check compares every tool service s wants with what is on its worker's
// PATH. env is the worker's environment (the user's, the manifest's env on
// top): the programs run with it, in the repo's folder, so that version
// managers' shims (mise, asdf, nvm, rbenv, pyenv) answer as they will for
// the worker.
func Check(ctx context.Context, m *manifest.Manifest, s *manifest.Service, env []string) []Result {
	var out []Result
	for _, w := range Wishes(m, s) {
		out = append(out, checkOne(ctx, s, w, env))
	}
	return out
}

// Verify is what a boot calls before a service's setup: nil when every
// tool is there in the wanted version, else one error saying, per tool and
// in doctor's words, what is wanted, what was found and how to get it.
func Verify(ctx context.Context, m *manifest.Manifest, s *manifest.Service, env []string) error {
	results := Check(ctx, m, s, env)
	if err := ctx.Err(); err != nil {
		return err // interrupted: a probe killed by Ctrl-C says nothing of the tool
	}
	return Problems(results)
}

// CheckAll checks the named services, eight at once, for doctor. envOf
// gives a service's worker environment; a service whose environment cannot
// be made (a missing env_file) is reported unchecked.
func CheckAll(ctx context.Context, m *manifest.Manifest, names []string, envOf func(*manifest.Service) ([]string, error)) []Result {
	per := make([][]Result, len(names))
	var g errgroup.Group
	g.SetLimit(8)
	for i, name := range names {
		s := m.Services[name]
		g.Go(func() error {
			env, err := envOf(s)
			if err != nil {
				per[i] = []Result{{Service: name, Tool: "toolchain", Wanted: "(any)", Source: "its environment", Status: Unchecked, Detail: err.Error()}}
				return nil
			}
			per[i] = Check(ctx, m, s, env)
			return nil
		})
	}
	_ = g.Wait() // the functions return no error
	var out []Result
	for _, r := range per {
		out = append(out, r...)
	}
	return out
}

func checkOne(ctx context.Context, s *manifest.Service, w Wish, env []string) Result {
	r := Result{Service: s.Name, Tool: w.Tool, Wanted: w.Wanted, Source: w.Source}
	if w.Unreadable != "" {
		r.Status, r.Detail = Unchecked, w.Unreadable
		return r
	}
	r.Hint = hint(w, s.Dir)
	t, _ := knownTool(w.Tool)
	dir := runDir(s.Dir)
	var first *Result // the first probe found: what is reported when none fits
	for _, probe := range t.probes {
		path := lookPath(probe[0], env, dir)
		if path == "" {
			continue
		}
		got := r
		got.Program = path
		out, err := runProbe(ctx, path, probe[1:], env, dir)
		v, ok := t.parseOutput(out)
		switch {
		case err != nil:
			got.Status, got.Detail = Broken, fmt.Sprintf("`%s` failed: %s", command(probe), failure(err, out))
		case !ok:
			got.Status, got.Detail = Unchecked, fmt.Sprintf("`%s` printed %q, in which crispify finds no version", command(probe), firstLine(out))
		case w.Want.Allows(v):
			got.Status, got.Found = OK, v.String()
			if note := w.Want.Unknowable(); note != "" {
				got.Detail = note
			}
			return got
		default:
			got.Status, got.Found = Wrong, v.String()
		}
		if first == nil {
			first = &got
		}
	}
	if first == nil {
		r.Status = Missing
		return r
	}
	return *first
}

// runDir is where probes run: the repo, else (not cloned yet) crispify's
// own folder.
func runDir(dir string) string {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

// runProbe runs a version command with the worker's environment, keeping
// at most maxProbeOutput bytes of its output.
func runProbe(ctx context.Context, path string, args, env []string, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env, cmd.Dir = env, dir
	out := &capped{limit: maxProbeOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = time.Second // a child holding the pipes must not hang the check
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("no answer within %s", probeTimeout)
	}
	return out.String(), err
}

// failure says why a probe failed: its own first line when it said one.
func failure(err error, out string) string {
	var exit *exec.ExitError
	if line := firstLine(out); line != "" && errors.As(err, &exit) {
		return fmt.Sprintf("%s (exit %d)", line, exit.ExitCode())
	}
	return err.Error()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

// capped is a buffer that keeps the first limit bytes written to it.
type capped struct {
	bytes.Buffer
	limit int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.limit - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
