package stack

import (
	"context"

	"github.com/crispify/crispify/internal/event"
)

// Look holds the supervisor's attention until ctx ends, as a board does:
// while someone looks, it samples load and judges rows sick by it. It is
// what `status --watch` without a board does between its tables. Without
// a supervisor there is nothing to look at, and it returns at once.
func (st *Stack) Look(ctx context.Context) {
	c, err := st.Dial(ctx)
	if err != nil {
		return
	}
	// The events themselves are not needed: the stream is the look.
	c.Events(ctx, func(event.Event) {})
}
