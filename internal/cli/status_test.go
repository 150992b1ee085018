package cli

import (
	"testing"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
)

// status paints a state as the board does: one table, in event. It painted
// `starting` as a warning while the board showed it under way.
func TestStatusPaintsEveryStateAsTheBoardDoes(t *testing.T) {
	for state, want := range map[string]ui.Class{
		"starting":         ui.Working,
		"healthy":          ui.Good,
		"ready":            ui.Good,
		"cloned":           ui.Good,
		"missing":          ui.Warn,
		"sick":             ui.Warn,
		"stopped":          ui.Idle,
		"dead":             ui.Bad,
		stack.StateUnknown: ui.Bad,
	} {
		if got := ui.ClassOf(event.Phase(state)); got != want {
			t.Errorf("a status row %q is painted %d, want %d", state, got, want)
		}
	}
}
