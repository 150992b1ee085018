package event

// Load is the kind of what a row costs the machine, sampled every 2 s
// while a board or `status --watch` looks: Item says whose figures
// (worker, infra, or Machine for the totals and the free memory), CPU and
// Memory are set on every load event, zero included, so that a script
// always finds them ({"kind":"load","name":"api","item":"worker","cpu":12.5,"memory":123456789}).
const Load Kind = "load"

// Sampled is the one phase of a load event. It is not final: a slow reader
// gets the latest figures of a row, not every sample.
const Sampled Phase = "sampled"

// Machine is the Item of the load event of the whole stack: CPU and
// Memory its rows' totals, Free the machine's available memory.
const Machine Kind = "machine"

// LoadOf is the load event of one row (item worker or infra, name) or of
// the machine (item Machine, name "").
func LoadOf(item Kind, name string, cpu float64, memory uint64) Event {
	return Event{Kind: Load, Name: name, Item: item, Phase: Sampled, CPU: &cpu, Memory: &memory}
}
