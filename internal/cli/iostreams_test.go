package cli

import "testing"

// The output mode is decided once, from --output, -v and the terminal.
func TestTheOutputModeIsDecidedOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flag    string
		verbose bool
		tty     bool
		env     map[string]string
		want    string
	}{
		{name: "a terminal", tty: true, want: OutputTUI},
		{name: "a pipe", want: OutputPlain},
		{name: "a terminal on CI", tty: true, env: map[string]string{"CI": "true"}, want: OutputPlain},
		{name: "a dumb terminal", tty: true, env: map[string]string{"TERM": "dumb"}, want: OutputPlain},
		{name: "-v on a terminal: its trace would tear the board", tty: true, verbose: true, want: OutputPlain},
		{name: "--output tui with -v", flag: "tui", tty: true, verbose: true, want: OutputTUI},
		{name: "--output json", flag: "json", tty: true, want: OutputJSON},
		{name: "--output plain", flag: "plain", tty: true, want: OutputPlain},
	} {
		io := &IOStreams{OutTTY: tc.tty, Getenv: func(k string) string { return tc.env[k] }}
		if err := io.SetOutput(tc.flag, tc.verbose); err != nil || io.Output() != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, io.Output(), err, tc.want)
		}
	}
	io := &IOStreams{Getenv: func(string) string { return "" }}
	if err := io.SetOutput("yaml", false); exitCode(err) != ExitUsage {
		t.Errorf("--output yaml: %v", err)
	}
}

// status read --output only with --watch, and dropped its mistake.
func TestABadOutputIsAUsageErrorOfStatusToo(t *testing.T) {
	h := newHarness(t, infraManifest)
	if _, errOut, code := h.run("status", "--output", "yaml"); code != ExitUsage {
		t.Errorf("status --output yaml exits %d:\n%s", code, errOut)
	}
}
