package workers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// A stop asked while the worker starts waits for that start to end, then
// stops what it started: a stop from the board never crosses an apply's
// start. One whose context ends first says what it waited for.
func TestAStopWaitsForTheStartUnderWay(t *testing.T) {
	for _, tt := range []struct {
		name    string
		stopFor time.Duration
		want    error // of the stop
	}{
		{"waits", 20 * time.Second, nil},
		{"gives up", 50 * time.Millisecond, context.DeadlineExceeded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, rec := newSupervisor(t)
			spec := Spec{Name: "api", Command: workerCmd("-delay", "500ms", "-say", "up"), Ready: readyLog("^up$")}
			started := make(chan error, 1)
			go func() { started <- s.Start(ctxFor(t, 20*time.Second), spec) }()
			rec.waitFor(t, 10*time.Second, "api starting", phase("api", event.Starting))
			err := s.Stop(ctxFor(t, tt.stopFor), "api")
			if !errors.Is(err, tt.want) {
				t.Fatalf("stop: %v, want %v", err, tt.want)
			}
			if tt.want != nil {
				if !strings.HasPrefix(err.Error(), "worker api: waited for the change under way: ") {
					t.Errorf("stop's error %q does not say what it waited for", err)
				}
				if err := <-started; err != nil {
					t.Errorf("the start under way: %v", err)
				}
				if _, running := s.Running("api"); !running {
					t.Error("a stop that gave up stopped the worker")
				}
				return
			}
			select {
			case err := <-started:
				if err != nil {
					t.Errorf("the start was cut short by the stop: %v", err)
				}
			default:
				t.Fatal("the stop returned before the start under way ended")
			}
			if _, running := s.Running("api"); running {
				t.Error("api runs after the stop")
			}
		})
	}
}
