package stack

import (
	"context"
	"errors"
	"testing"
)

func TestWhatABootEndsWith(t *testing.T) {
	failed, stopFailed := errors.New("start api: exit status 1"), errors.New("stop api: still runs")
	for _, tc := range []struct {
		name          string
		applied       bool
		applyErr      error
		interrupted   bool // Ctrl-C, a signal
		downElsewhere bool
		stopErr       error
		want          error
	}{
		{name: "up, then q", applied: true, want: nil},
		{name: "up, then a stop that failed", applied: true, stopErr: stopFailed, want: stopFailed},
		{name: "a failed boot wins over its stop", applied: true, applyErr: failed, stopErr: stopFailed, want: failed},
		{name: "a failed boot wins over Ctrl-C", applied: true, applyErr: failed, interrupted: true, want: failed},
		{name: "Ctrl-C once up", applied: true, interrupted: true, want: ErrInterrupted},
		{name: "q during the boot", applied: true, applyErr: context.Canceled, want: ErrInterrupted},
		{name: "decrispify during the boot", applied: true, applyErr: context.Canceled, downElsewhere: true, want: nil},
		{name: "decrispify once up", applied: true, downElsewhere: true, want: nil},
		{name: "the daemon, stopped by a signal", interrupted: true, want: nil},
		{name: "the daemon, whose stop failed", stopErr: stopFailed, want: stopFailed},
	} {
		got := outcome(tc.applied, tc.applyErr, tc.interrupted, tc.downElsewhere, tc.stopErr)
		if !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWhenABootStaysAfterItsApply(t *testing.T) {
	failed := errors.New("start api: exit status 1")
	for _, tc := range []struct {
		name     string
		own      bool
		board    bool
		applyErr error
		want     bool
	}{
		{name: "the foreground, up", own: true, want: true},
		{name: "the foreground's board, up", own: true, board: true, want: true},
		{name: "the foreground, failed: the summary says why", own: true, applyErr: failed, want: false},
		{name: "the foreground's board, failed: it shows why until q", own: true, board: true, applyErr: failed, want: true},
		{name: "detached", want: false},
		{name: "the board of another's stack, applied", board: true, want: true},
		{name: "the board of another's stack, failed", board: true, applyErr: failed, want: false},
	} {
		s := &Session{opts: BootOptions{Board: tc.board}, applyErr: tc.applyErr}
		if tc.own {
			s.sup = &Supervisor{}
		}
		if got := s.stays(); got != tc.want {
			t.Errorf("%s: stays %v", tc.name, got)
		}
	}
}
