package docker

import (
	"net/http"

	"github.com/docker/docker/client"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/crispify/crispify/internal/trace"
)

// traceAPI writes every Engine API request to the tracer its context
// carries (-v): the SDK's transport asks its filter about each request,
// which is the one place all of them pass. The filter lets every request
// on, as the SDK does without one.
func traceAPI() client.Opt {
	return client.WithTraceOptions(otelhttp.WithFilter(func(r *http.Request) bool {
		trace.From(r.Context()).API(r.Method, r.URL.RequestURI())
		return true
	}))
}
