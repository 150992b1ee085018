//go:build !linux

package docker

// processHolding cannot tell the holder of a port outside Linux without
// platform tools; the port error then says "another program".
func processHolding(port int, proto string) string { return "" }
