//go:build !unix

package manifest

import "os"

// openNonBlocking opens path read-only: opening a named pipe does not wait
// for a writer here.
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
