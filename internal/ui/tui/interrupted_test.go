package tui

import (
	"context"
	"errors"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// A Ctrl-C that stops the workers is an interrupt (exit 130), where q is
// the end of a run (exit 0): Run tells the caller which.
func TestRunSaysACtrlCFromAQ(t *testing.T) {
	for _, tc := range []struct {
		keys string
		want error
	}{
		{"q", nil},
		{"\x03", ErrInterrupted},
	} {
		q := event.NewQueue()
		ctrl := &fakeController{quit: q.Close}
		for _, e := range finished() {
			q.Emit(e)
		}
		keys, _, done := runProgram(t, context.Background(), q, ctrl, testOptions())
		sendKeys(t, keys, tc.keys)
		if err := wait(t, done); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("after %q: Run = %v, want %v", tc.keys, err, tc.want)
		}
	}
}
