package cli

import (
	"context"

	"github.com/crispify/crispify/internal/trace"
)

// verbose returns ctx carrying the tracer of -v, which the engine writes
// every git command and Docker API call to, on stderr. The board would be
// torn by lines written under it, so -v without --output prints plain
// lines.
func verbose(ctx context.Context, g *GlobalOptions, io *IOStreams) context.Context {
	if g.Output == "" {
		g.Output = "plain"
	}
	return trace.With(ctx, trace.New(io.ErrOut))
}
