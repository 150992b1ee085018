//go:build !linux

package workers

// Outside Linux the holder of a port cannot be told without platform
// tools: an answer counts, and a port already answering before a worker
// starts fails it (portTaken) instead.

func answeredBy(port int, leaders []int) (ok bool, foreign string) { return true, "" }

func portHolder(port int) string { return "" }
