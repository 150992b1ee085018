package cli

import "github.com/crispify/crispify/internal/ui"

// withLoad is a status row's detail, its CPU and memory first when it runs.
func withLoad(r StatusRow) string {
	if r.CPU == nil || r.Memory == nil {
		return r.Detail
	}
	load := ui.FormatLoad(*r.CPU, *r.Memory)
	if r.Detail == "" {
		return load
	}
	return load + ", " + r.Detail
}
