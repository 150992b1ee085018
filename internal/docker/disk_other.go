//go:build !unix

package docker

import "errors"

// freeDisk is unknown here: an engine on Windows keeps volumes in its VM.
func freeDisk(string) (int64, error) { return 0, errors.New("free space unknown on this OS") }
