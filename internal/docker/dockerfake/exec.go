package dockerfake

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Exec is a fake docker.Execer: each command line (argv joined by spaces)
// answers what Answers says; an unknown one fails as a missing command
// would. Calls records every command run, "ID: argv".
type Exec struct {
	mu      sync.Mutex
	Answers map[string]string
	calls   []string
}

// Exec answers cmd from Answers.
func (e *Exec) Exec(_ context.Context, id string, cmd []string) ([]byte, error) {
	line := strings.Join(cmd, " ")
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, id+": "+line)
	out, ok := e.Answers[line]
	if !ok {
		return nil, fmt.Errorf("%s exited with code 127: not found", cmd[0])
	}
	return []byte(out), nil
}

// Calls are the commands run so far.
func (e *Exec) Calls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.calls...)
}
