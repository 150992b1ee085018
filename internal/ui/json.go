package ui

import (
	"encoding/json"
	"io"

	"github.com/crispify/crispify/internal/event"
)

// JSON writes each event as one line of JSON: the `--output json` stream.
type JSON struct {
	enc *json.Encoder
}

// NewJSON returns a renderer writing NDJSON to w.
func NewJSON(w io.Writer) *JSON {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &JSON{enc: enc}
}

// Render writes e as one line. A write error is ignored here: the stream is
// best effort and the command's exit code still tells the outcome.
func (j *JSON) Render(e event.Event) { _ = j.enc.Encode(e) }

// Close does nothing; every line is written when rendered.
func (j *JSON) Close() error { return nil }
