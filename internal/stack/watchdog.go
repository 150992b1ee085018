package stack

import (
	"io"
	"path/filepath"

	"github.com/crispify/crispify/internal/workers"
)

// WatchdogArg is the hidden command of crispify's binary that runs the
// watchdog: RunWatchdog on its standard input.
const WatchdogArg = workers.WatchdogArg

// RunWatchdog is the watchdog's main: it ends every worker group it was
// told of when the pipe from the supervisor closes (it died, even by
// SIGKILL).
func RunWatchdog(r io.Reader) error { return workers.RunWatchdog(r) }

// OpenSupervisorLog opens the detached supervisor's own log, rotated like
// the workers' logs.
func OpenSupervisorLog(st *Stack) (io.WriteCloser, error) {
	f := filesOf(st.Manifest)
	name := filepath.Base(f.supervisorLog())
	return workers.OpenLogWriter(f.dir, name[:len(name)-len(filepath.Ext(name))])
}
