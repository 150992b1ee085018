//go:build unix

package stack

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// supervisedFake is a supervisor that stops whatever it is asked to, as
// the real one's stop of a worker or a container, recording by kind.
type supervisedFake struct {
	fakeHandler
	stops []string // "worker api", "infra mysql"
}

func (h *supervisedFake) stop(ctx context.Context, kind event.Kind, names []string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range names {
		h.stops = append(h.stops, string(kind)+" "+n)
	}
	return nil
}

// Under a supervisor, a save has it stop the running workers that need
// the infra, then the infra (its keeper must not start them again
// mid-copy), and has it start them again after with an apply of them, as
// `crispify run` would, with the user's environment.
func TestDataSaveUnderASupervisorGoesThroughIt(t *testing.T) {
	st, _ := dataStack(t)
	short, err := os.MkdirTemp("", "cd") // a socket path within sun_path
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(short) })
	st.Manifest.WorkspaceDir = short
	h := &supervisedFake{}
	done := serveFake(t, filesOf(st.Manifest), h)
	defer func() {
		c, err := st.Dial(context.Background())
		if err == nil {
			c.Down(context.Background())
		}
		<-done
	}()

	// The fake's workers are api (ready) and mailer (sick); api needs mysql.
	if _, err := st.DataSave(context.Background(), "s1", []string{"FOO=bar"}, &events{}); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if want := []string{"worker api", "infra mysql", "infra queue"}; !slices.Equal(h.stops, want) {
		t.Errorf("stopped %v, want %v", h.stops, want)
	}
	if len(h.applied) != 1 {
		t.Fatalf("applies %+v, want one that starts them again", h.applied)
	}
	req := h.applied[0]
	if req.Mode != Run || !slices.Equal(req.Names, []string{"api", "mysql", "queue"}) || !slices.Contains(req.Env, "FOO=bar") {
		t.Errorf("the apply that starts them again: %+v", req)
	}
}
