//go:build unix

package tui

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Job control. The board's terminal is raw, so a Ctrl-Z reaches it as a
// key, and the terminal stops nobody: the board itself gives the terminal
// back (line mode, the cursor) and stops its process group, then on
// SIGCONT takes the terminal again and redraws. A SIGTSTP from elsewhere
// (kill -TSTP) goes the same way. A SIGSTOP cannot be caught: the shell
// puts the terminal back in line mode meanwhile, and the SIGCONT that
// follows makes the board raw again and redraw.

const canSuspend = true

// notifyStop sends SIGTSTP to c, which then does not stop the process.
func notifyStop(c chan<- os.Signal) { signal.Notify(c, syscall.SIGTSTP) }

// notifyCont sends SIGCONT to c.
func notifyCont(c chan<- os.Signal) { signal.Notify(c, syscall.SIGCONT) }

// stopGroup stops this process's group, as the terminal's Ctrl-Z would,
// and returns once it is continued: not as soon as kill returns, which may
// be before the stop, when taking the terminal back would be undone by the
// shell's prompt.
func stopGroup() error {
	cont := make(chan os.Signal, 1)
	signal.Notify(cont, syscall.SIGCONT)
	defer signal.Stop(cont)
	if err := syscall.Kill(0, syscall.SIGSTOP); err != nil {
		return err
	}
	<-cont
	return nil
}

// lineMode reports whether the terminal on stdin is in line mode (the
// shell's), not raw: what a SIGSTOP leaves. A SIGCONT then and only then
// needs the board to take the terminal again; taking it when it is the
// board's already would drop keys typed meanwhile.
func lineMode() bool {
	t, err := unix.IoctlGetTermios(int(os.Stdin.Fd()), ioctlReadTermios)
	return err == nil && t.Lflag&unix.ICANON != 0
}
