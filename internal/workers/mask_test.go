//go:build unix

package workers

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/trace"
)

// A setup command with a secret in it is shown masked wherever crispify
// shows it (events, the failure, the log file's "$ command" line, -v),
// and runs with the real value.
func TestSetupCommandSecretsAreMaskedWhereShown(t *testing.T) {
	t.Parallel()
	stateDir, repo := t.TempDir(), t.TempDir()
	command := `DB_PASSWORD=hunter2 sh -c 'test ${#DB_PASSWORD} = 7 && echo real value seen && exit 3'`
	var traced bytes.Buffer
	ctx := trace.With(ctxFor(t, 20*time.Second), trace.New(&traced))
	rec := &recorder{}
	_, err := RunSetup(ctx, stateDir, Setup{Name: "api", Dir: repo, Commands: []string{command}}, rec)
	var f *Failure
	if !errors.As(err, &f) || f.ExitCode == nil || *f.ExitCode != 3 {
		t.Fatalf("err = %v, want the command to fail with 3, having seen the real value", err)
	}
	if !strings.Contains(f.Error(), "DB_PASSWORD=***") {
		t.Errorf("the failure does not show the command masked: %v", f)
	}
	log, _ := os.ReadFile(LogPath(stateDir, "api"))
	if !strings.Contains(string(log), "real value seen") {
		t.Errorf("the command did not get the real value: %q", log)
	}
	shown := []string{f.Error(), string(log), traced.String()}
	for _, e := range rec.all() {
		shown = append(shown, e.Msg, e.Error, e.Line)
	}
	for _, s := range shown {
		if strings.Contains(s, "hunter2") {
			t.Errorf("shows the password: %q", s)
		}
	}
	if !strings.Contains(traced.String(), "run /bin/sh -c 'DB_PASSWORD=*** sh -c") {
		t.Errorf("-v does not show the setup command, masked: %q", traced.String())
	}
}
