//go:build !linux

package load

// Sampler knows no figures off Linux: macOS gives another process's CPU
// times only through libproc (cgo), which crispify does without; its rows
// show no figures rather than wrong ones.
type Sampler struct{}

// New returns a Sampler that knows nothing.
func New() *Sampler { return &Sampler{} }

// Supported says the Sampler knows no figures here.
func Supported() bool { return false }

// Sample returns no figures.
func (s *Sampler) Sample(Groups) map[string]Figures { return map[string]Figures{} }
