package watch

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Where Linux keeps its inotify limits.
const (
	maxWatchesFile   = "/proc/sys/fs/inotify/max_user_watches"
	maxInstancesFile = "/proc/sys/fs/inotify/max_user_instances"
)

// LimitError says that the OS had no more file watches for a service's
// repo, and that the repo is polled instead. Its message names the limit
// and the command that raises it.
type LimitError struct {
	Service string
	Dir     string
	// Setting is the OS setting that ran out (fs.inotify.max_user_watches,
	// fs.inotify.max_user_instances, or the open files limit of kqueue's
	// systems); Limit its value when known, else 0.
	Setting string
	Limit   int
	Poll    time.Duration // how often the repo is polled instead
	Err     error         // as the OS said it (ENOSPC, EMFILE)
}

func (e *LimitError) Error() string {
	limit := "of "
	if e.Limit > 0 {
		limit = "of " + strconv.Itoa(e.Limit) + " "
	}
	head := fmt.Sprintf("watch %s (%s): ", e.Service, e.Dir)
	polling := fmt.Sprintf("polling it every %s instead", e.Poll)
	switch e.Setting {
	case "fs.inotify.max_user_watches", "fs.inotify.max_user_instances":
		what := "watches"
		if strings.HasSuffix(e.Setting, "instances") {
			what = "watchers"
		}
		const raised = 524288
		value := raised
		if what == "watchers" {
			value = 1024
		}
		return head + fmt.Sprintf("the system's limit %sinotify %s (%s) is used up: %s; "+
			"raise it with `sudo sysctl %s=%d`, and keep it across reboots with "+
			"`echo %s=%d | sudo tee /etc/sysctl.d/60-crispify-inotify.conf`",
			limit, what, e.Setting, polling, e.Setting, value, e.Setting, value)
	}
	return head + fmt.Sprintf("the limit %sopen files (ulimit -n), which watching takes one of per file, is reached: %s; "+
		"raise it with `ulimit -n 65536` in the shell that starts crispify, or narrow what is watched with watch.paths",
		limit, polling)
}

func (e *LimitError) Unwrap() error { return e.Err }

// isLimit tells the OS's "no more watches" errors: inotify's ENOSPC for
// watches, EMFILE for watchers (or open files, on kqueue's systems).
func isLimit(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// limitError describes err, a limit reached while watching svc.
func (w *Watcher) limitError(svc *service, err error) error {
	var le *LimitError
	if err == nil || errors.As(err, &le) {
		return err
	}
	e := &LimitError{Service: svc.cfg.Name, Dir: svc.cfg.Dir, Poll: w.opts.PollInterval, Err: err}
	switch {
	case runtime.GOOS == "linux" && errors.Is(err, syscall.ENOSPC):
		e.Setting, e.Limit = "fs.inotify.max_user_watches", readInt(maxWatchesFile)
	case runtime.GOOS == "linux":
		e.Setting, e.Limit = "fs.inotify.max_user_instances", readInt(maxInstancesFile)
	default:
		e.Setting = "open files"
	}
	return e
}

// readInt reads a number from a file of /proc; 0 when it cannot.
func readInt(name string) int {
	data, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return n
}
