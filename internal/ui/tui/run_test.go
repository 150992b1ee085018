package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/crispify/crispify/internal/event"
)

// lockedBuffer is the program's output: written by its renderer, read by
// the test once Run returned.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runProgram runs the real program on a pipe and a buffer, returning its
// input, its output and Run's result.
func runProgram(t *testing.T, ctx context.Context, q *event.Queue, ctrl Controller, opts Options) (io.Writer, *lockedBuffer, <-chan error) {
	t.Helper()
	in, keys := io.Pipe()
	out := &lockedBuffer{}
	opts.Input, opts.Output = in, out
	done := make(chan error, 1)
	go func() { done <- run(ctx, q, ctrl, opts, tea.WithWindowSize(80, 24)) }()
	t.Cleanup(func() { keys.Close() })
	return keys, out, done
}

func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// sendKeys types after the program had the time to start reading.
func sendKeys(t *testing.T, w io.Writer, keys string) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	if _, err := io.WriteString(w, keys); err != nil {
		t.Fatal(err)
	}
}

func TestRunQuitStopsWorkersThenEnds(t *testing.T) {
	q := event.NewQueue()
	ctrl := &fakeController{}
	ctrl.quit = func() {
		q.Emit(event.Event{Kind: event.Worker, Name: "api", Phase: event.Stopped})
		q.Close()
	}
	for _, e := range finished() {
		q.Emit(e)
	}
	keys, out, done := runProgram(t, context.Background(), q, ctrl, testOptions())
	sendKeys(t, keys, "q")
	if err := wait(t, done); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := ctrl.Calls(); !slices.Equal(got, []string{"quit"}) {
		t.Errorf("controller calls = %v", got)
	}
	if !strings.Contains(out.String(), "billing") {
		t.Error("the screen never showed the stack")
	}
}

func TestRunWithoutBoardEndsWithTheStream(t *testing.T) {
	q := event.NewQueue()
	opts := testOptions()
	opts.Board = false
	_, out, done := runProgram(t, context.Background(), q, &fakeController{}, opts)
	q.Emit(event.Event{Kind: event.Repo, Name: "api", Phase: event.Cloning, Progress: pct(0.5)})
	q.Emit(event.Event{Kind: event.Repo, Name: "api", Phase: event.Failed, Error: "clone api: authentication required"})
	q.Close()
	if err := wait(t, done); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !strings.Contains(out.String(), "authentication") {
		t.Errorf("the last frame does not show the failure: %q", out.String())
	}
}

func TestRunCtrlCTwiceForces(t *testing.T) {
	q := event.NewQueue()
	ctrl := &fakeController{} // its Quit never closes the queue: a stuck engine
	keys, _, done := runProgram(t, context.Background(), q, ctrl, testOptions())
	sendKeys(t, keys, "\x03")
	sendKeys(t, keys, "\x03")
	if err := wait(t, done); !errors.Is(err, ErrForced) {
		t.Fatalf("Run = %v, want ErrForced", err)
	}
	if got := ctrl.Calls(); !slices.Equal(got, []string{"quit"}) {
		t.Errorf("controller calls = %v", got)
	}
}

func TestRunCallerCancelQuitsCleanly(t *testing.T) {
	q := event.NewQueue()
	ctrl := &fakeController{quit: q.Close}
	ctx, cancel := context.WithCancel(context.Background())
	_, _, done := runProgram(t, ctx, q, ctrl, testOptions())
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := ctrl.Calls(); !slices.Equal(got, []string{"quit"}) {
		t.Errorf("controller calls = %v", got)
	}
}

func TestRunRecoversAPanic(t *testing.T) {
	q := event.NewQueue()
	ctrl := &fakeController{panicOn: "quit"}
	keys, _, done := runProgram(t, context.Background(), q, ctrl, testOptions())
	sendKeys(t, keys, "q")
	err := wait(t, done)
	if !errors.Is(err, tea.ErrProgramPanic) {
		t.Fatalf("Run = %v, want a recovered panic", err)
	}
}
