package repos

import (
	"context"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// Refresh reads the git state of a repo again and returns the event that
// tells every front end: last (the repo's latest settled event, from
// event.Tally or event.Hub) stamped now with the new state, so that its
// phase, message and error stay as the step left them. changed is false
// when the state is the one last already carries: nothing to emit. What a
// live stack calls when a repo's files or its .git change.
func (r *StateReader) Refresh(ctx context.Context, last event.Event, dir, want string) (e event.Event, changed bool, err error) {
	st, err := r.Read(ctx, dir, want)
	if err != nil {
		return last, false, err
	}
	if last.Git != nil && *last.Git == st {
		return last, false, nil
	}
	e = last
	e.TS = time.Now()
	e.Progress, e.Line = nil, ""
	e.Git = &st
	return e, true, nil
}
