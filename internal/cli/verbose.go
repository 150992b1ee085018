package cli

import (
	"context"

	"github.com/crispify/crispify/internal/trace"
)

// verbose returns ctx carrying the tracer of -v, which the engine writes
// every git command and Docker API call to, on stderr (SetOutput picks
// plain lines for it).
func verbose(ctx context.Context, io *IOStreams) context.Context {
	return trace.With(ctx, trace.New(io.ErrOut))
}
