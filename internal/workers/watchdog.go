package workers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"sync"
)

// The watchdog is the second layer against orphans. crispify starts it once,
// in a process group of its own, and keeps a pipe to its stdin; it writes
// "+PGID" when a worker's group starts and "-PGID" when it is gone. When
// crispify dies, however it dies, the kernel closes the pipe: the watchdog
// reads EOF, ends every group still listed (SIGTERM, SIGKILL after
// DefaultStopTimeout) and exits. On a normal exit crispify has stopped every
// worker first, so the list is empty and the watchdog exits at once.

// WatchdogArg is the hidden argument that makes the crispify binary run
// RunWatchdog; the default watchdog command is the binary itself with it.
const WatchdogArg = "__watchdog"

// RunWatchdog is the watchdog's whole life: it reads the protocol from r
// (the supervisor's pipe on stdin) until EOF, then ends every group left.
func RunWatchdog(r io.Reader) error {
	ignoreHangup()
	groups := map[int]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 {
			continue
		}
		pgid, err := strconv.Atoi(line[1:])
		if err != nil || pgid <= 1 {
			continue
		}
		switch line[0] {
		case '+':
			groups[pgid] = true
		case '-':
			delete(groups, pgid)
		}
	}
	// EOF, or a read error: either way the supervisor is gone.
	var wg sync.WaitGroup
	errs := make(chan error, len(groups))
	for pgid := range groups {
		wg.Go(func() {
			if err := stopGroup(context.Background(), pgid, DefaultStopTimeout); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
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

// startWatchdog runs command as the watchdog.
func startWatchdog(command []string) (*watchdog, error) {
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
	return &watchdog{cmd: cmd, in: in}, nil
}

// watch tells the watchdog of a new group; forget, of a group gone. A
// watchdog that died makes these fail; the other layers still hold, and a
// worker must not fail for it.
func (w *watchdog) watch(pgid int)  { w.send('+', pgid) }
func (w *watchdog) forget(pgid int) { w.send('-', pgid) }

func (w *watchdog) send(op byte, pgid int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.in != nil {
		fmt.Fprintf(w.in, "%c%d\n", op, pgid)
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
