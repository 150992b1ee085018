//go:build unix

package workers

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestEnvFileThatIsAFIFOIsRefusedAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Environment(nil, nil, path, nil); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "FIFO") {
			t.Errorf("want a FIFO refused, got %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("reading a FIFO env_file blocked")
	}
}
