package workers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// The watchdog is the second layer against orphans. crispify starts it once,
// in a process group of its own, and keeps a pipe to its stdin; it writes
// "sPATH" first, the state file, then "+PGID" (or "+PGID CGROUP") when a
// worker's process starts and "-PGID" when its family is gone. When
// crispify dies, however it dies, the kernel closes the pipe: the watchdog
// reads EOF, ends the family of every group still listed (SIGTERM, SIGKILL
// after DefaultStopTimeout), then what the state file names of crispify's
// (the descendants its scans found), and exits. On a normal exit crispify
// has stopped every worker first, so the list is empty and the watchdog
// exits at once.

// WatchdogArg is the hidden argument that makes the crispify binary run
// RunWatchdog; the default watchdog command is the binary itself with it.
const WatchdogArg = "__watchdog"

// RunWatchdog is the watchdog's whole life: it reads the protocol from r
// (the supervisor's pipe on stdin) until EOF, then ends every group left.
func RunWatchdog(r io.Reader) error {
	ignoreHangup()
	groups := map[int]string{} // the cgroup of each, "" when none
	statePath := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 {
			continue
		}
		if line[0] == 's' {
			statePath = line[1:]
			continue
		}
		id, cgroupDir, _ := strings.Cut(line[1:], " ")
		pgid, err := strconv.Atoi(id)
		if err != nil || pgid <= 1 {
			continue
		}
		switch line[0] {
		case '+':
			groups[pgid] = cgroupDir
		case '-':
			delete(groups, pgid)
		}
	}
	// EOF, or a read error: either way the supervisor is gone.
	var wg sync.WaitGroup
	errs := make(chan error, len(groups)+1)
	for pgid, cgroupDir := range groups {
		wg.Go(func() {
			if err := stopFamily(context.Background(), familyOf(pgid, cgroupDir, nil), DefaultStopTimeout, nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	if len(groups) > 0 && statePath != "" {
		if _, err := EndLeftovers(context.Background(), statePath, nil); err != nil {
			errs <- err
		}
	}
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// watchdog is the supervisor's end of the pipe.
type watchdog struct {
	cmd *exec.Cmd

	mu sync.Mutex
	in io.WriteCloser // nil once closed
}

// startWatchdog runs command as the watchdog of the workers of the state
// file at statePath.
func startWatchdog(command []string, statePath string) (*watchdog, error) {
	cmd := exec.Command(command[0], command[1:]...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start the watchdog %s: %w", command[0], err)
	}
	// Its own group keeps a Ctrl-C at the terminal away from it, and no
	// parent-death signal: it must outlive crispify.
	detachGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the watchdog %s: %w: is the crispify binary still where it was started from?", command[0], err)
	}
	fmt.Fprintf(in, "s%s\n", statePath)
	return &watchdog{cmd: cmd, in: in}, nil
}

// watch tells the watchdog of a new group and its cgroup (""); forget, of
// a family gone. A watchdog that died makes these fail; the other layers
// still hold, and a worker must not fail for it.
func (w *watchdog) watch(pgid int, cgroupDir string) {
	if cgroupDir != "" {
		w.send(fmt.Sprintf("+%d %s\n", pgid, cgroupDir))
		return
	}
	w.send(fmt.Sprintf("+%d\n", pgid))
}

func (w *watchdog) forget(pgid int) { w.send(fmt.Sprintf("-%d\n", pgid)) }

func (w *watchdog) send(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.in != nil {
		io.WriteString(w.in, line)
	}
}

// close ends the watchdog: it reads EOF, ends what is still listed (nothing,
// after a clean stop) and exits; close waits for that.
func (w *watchdog) close() error {
	w.mu.Lock()
	in := w.in
	w.in = nil
	w.mu.Unlock()
	if in == nil {
		return nil
	}
	in.Close()
	if err := w.cmd.Wait(); err != nil {
		return fmt.Errorf("end the watchdog: %w", err)
	}
	return nil
}
