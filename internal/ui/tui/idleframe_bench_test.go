package tui

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkIdleFrame is what an idle board pays each time its clock ticks:
// a tick and a whole frame of the finished test stack at 160x48, with and
// without the repos' git state on its rows. The idle CPU of the board is
// this times its frames (one a second in its first minute, one a minute
// after).
func BenchmarkIdleFrame(b *testing.B) {
	for _, withGit := range []bool{false, true} {
		name := "without-git"
		if withGit {
			name = "with-git"
		}
		b.Run(name, func(b *testing.B) {
			m := newModel(context.Background(), nil, nil, testOptions(), t0)
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
			evs := finished()
			if !withGit {
				for i := range evs {
					evs[i].Git = nil
				}
			}
			m.Update(eventsMsg{events: evs, at: t0.Add(5 * time.Minute)})
			at := t0.Add(5 * time.Minute)
			for b.Loop() {
				at = at.Add(time.Second)
				m.Update(tickMsg{at: at, gen: m.tickGen})
				_ = m.View()
			}
		})
	}
}
