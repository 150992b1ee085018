package stack

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// gitT runs git for a test, away from the user's settings.
func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@crispify.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@crispify.invalid")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// switchStack is a workspace of three clones on master: api has a
// feature branch on origin, mailer and docs have not.
func switchStack(t *testing.T) *Stack {
	t.Helper()
	root := t.TempDir()
	ws := filepath.Join(root, "ws")
	text := "version: 1\nproject: switchtest\nworkspace: ws\nservices:\n"
	for _, name := range []string{"api", "mailer", "docs"} {
		origin, work := filepath.Join(root, name+".git"), filepath.Join(root, name+"-work")
		gitT(t, root, "init", "-q", "--bare", "-b", "master", origin)
		gitT(t, root, "clone", "-q", origin, work)
		os.WriteFile(filepath.Join(work, "main.go"), []byte("package main\n"), 0o644)
		gitT(t, work, "add", ".")
		gitT(t, work, "commit", "-q", "-m", "master")
		gitT(t, work, "push", "-q", "origin", "master")
		if name == "api" {
			gitT(t, work, "checkout", "-q", "-b", "feature")
			os.WriteFile(filepath.Join(work, "main.go"), []byte("package main // feature\n"), 0o644)
			gitT(t, work, "commit", "-q", "-am", "feature")
			gitT(t, work, "push", "-q", "origin", "feature")
		}
		gitT(t, root, "clone", "-q", "-b", "master", origin, filepath.Join(ws, name))
		text += "  " + name + ":\n    repo: file://" + origin + "\n"
		if name != "docs" {
			text += "    run: ./" + name + "\n"
		}
	}
	file := filepath.Join(root, "crispify.yaml")
	os.WriteFile(file, []byte(text), 0o644)
	m, err := manifest.Load(file, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &Stack{Manifest: m}
}

func branchIn(t *testing.T, st *Stack, name string) string {
	return gitT(t, st.Manifest.Services[name].Dir, "rev-parse", "--abbrev-ref", "HEAD")
}

// The switch plan, read before anything changes.
func TestSwitchPlan(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		branch  string
		prepare func(t *testing.T, st *Stack)
		steps   map[string]string // clone: "action to" or the start of why it is blocked
		data    string
		err     string
		usage   bool
	}{
		{name: "one repo has it", branch: "feature",
			steps: map[string]string{"api": "checkout feature", "mailer": "stay master", "docs": "stay master"}, data: "feature"},
		{name: "the manifest's branch", branch: "master",
			steps: map[string]string{"api": "stay master", "mailer": "stay master", "docs": "stay master"}, data: ""},
		{name: "no repo has it", branch: "nope", err: "no selected repo has branch nope", usage: true},
		{name: "not a branch name", branch: "bad..name", err: "not a valid branch name", usage: true},
		{name: "back with no switch before", branch: "-", err: "no switch to go back from", usage: true},
		{name: "a change feature would overwrite", branch: "feature", prepare: func(t *testing.T, st *Stack) {
			os.WriteFile(filepath.Join(st.Manifest.Services["api"].Dir, "main.go"), []byte("package main // mine\n"), 0o644)
		}, err: "1 of 3 repos cannot switch:\n  api: uncommitted changes in main.go, which feature changes too: commit or stash them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := switchStack(t)
			if tc.prepare != nil {
				tc.prepare(t, st)
			}
			a, err := st.applyHere(ctx, Request{Mode: Local})
			if err != nil {
				t.Fatal(err)
			}
			err = a.planSwitch(ctx, Switch{Branch: tc.branch}, false)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || IsUsage(err) != tc.usage {
					t.Fatalf("planSwitch: %v (usage %v), want %q (usage %v)", err, IsUsage(err), tc.err, tc.usage)
				}
				if got := branchIn(t, st, "api"); got != "master" {
					t.Errorf("a refused switch moved api to %s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for clone, want := range tc.steps {
				s := a.switching.steps[clone]
				got := "checkout " + s.To
				if s.Stays() {
					got = "stay " + s.To
				}
				if got != want {
					t.Errorf("%s: %s (%+v), want %s", clone, got, s, want)
				}
			}
			if a.switching.next.Data != tc.data {
				t.Errorf("data branch %q, want %q", a.switching.next.Data, tc.data)
			}
			if got := cloneSpec(a.m.Clones([]string{"api"})[0], a.kept).Branch; got != a.switching.next.Clones["api"] {
				t.Errorf("api is kept on %s after the switch, the plan says %s", got, a.switching.next.Clones["api"])
			}
		})
	}
}

// On a stack no supervisor runs, a switch checks the repos out and starts
// nothing; `switch -` goes back, and again forth.
func TestSwitchOfAStoppedStackAndBack(t *testing.T) {
	ctx := context.Background()
	st := switchStack(t)
	var mu sync.Mutex // the repos are switched at once, each reporting
	var seen []event.Event
	sink := event.SinkFunc(func(e event.Event) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, e)
	})
	for i, want := range []struct{ arg, api, data string }{
		{"feature", "feature", "feature"},
		{"-", "master", ""},
		{"-", "feature", "feature"},
	} {
		seen = nil
		if _, err := st.Switch(ctx, Request{Switch: &Switch{Branch: want.arg}}, sink); err != nil {
			t.Fatalf("switch %d (%s): %v", i, want.arg, err)
		}
		if got := branchIn(t, st, "api"); got != want.api {
			t.Errorf("switch %d (%s): api on %s, want %s", i, want.arg, got, want.api)
		}
		if got := branchIn(t, st, "mailer"); got != "master" {
			t.Errorf("switch %d (%s): mailer on %s, want master", i, want.arg, got)
		}
		b, err := readBranches(st.Manifest.StateDir())
		if err != nil || b.Data != want.data || b.Before == nil || b.Before.Before != nil {
			t.Errorf("switch %d (%s): switch.json %+v (%v), want data %q and one switch of history", i, want.arg, b, err, want.data)
		}
		last := seen[len(seen)-1]
		if last.Kind != event.Stack || last.Phase != event.Done {
			t.Errorf("switch %d: last event %+v", i, last)
		}
	}
	var api event.Event
	for _, e := range seen {
		if e.Kind == event.Repo && e.Name == "api" {
			api = e
		}
	}
	if api.Phase != event.Updated || api.Msg != "checked out feature" {
		t.Errorf("api's last event: %+v", api)
	}
}

// A plan of a switch shows the checkout and what the workers would do,
// and changes nothing.
func TestASwitchDryRunChangesNothing(t *testing.T) {
	ctx := context.Background()
	st := switchStack(t)
	var plan []string
	sink := event.SinkFunc(func(e event.Event) {
		if e.Kind == event.Plan {
			plan = append(plan, string(e.Phase)+" "+string(e.Item)+" "+e.Name+": "+e.Msg)
		}
	})
	if _, err := st.Switch(ctx, Request{Switch: &Switch{Branch: "feature"}, DryRun: true}, sink); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "checkout repo api: checked out feature") {
		t.Errorf("plan:\n%s", strings.Join(plan, "\n"))
	}
	if got := branchIn(t, st, "api"); got != "master" {
		t.Errorf("a dry run moved api to %s", got)
	}
	if _, err := os.Stat(filepath.Join(st.Manifest.StateDir(), branchesFile)); err == nil {
		t.Error("a dry run recorded a switch")
	}
}
