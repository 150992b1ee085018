//go:build unix

package stack

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// A supervisor of another crispify (another protocol, or none: one from
// before versions were sent) is named with both versions and what to do,
// and nothing but a ping or a down is asked of it: its replies could be
// misread. A down still reaches it, so any crispify can stop it.
func TestASupervisorOfAnotherVersionIsSaidSoAndCanStillBeStopped(t *testing.T) {
	for _, theirs := range []int{0, protocolVersion + 1} {
		asked := make(chan string, 8)
		f2 := shortFiles(t)
		serveAs(t, f2, theirs, asked)
		c, err := dial(ctxFor(t, 10*time.Second), f2)
		if err != nil {
			t.Fatalf("dial a supervisor of protocol %d: %v", theirs, err)
		}
		_, err = c.Status(ctxFor(t, 10*time.Second))
		var ve *VersionError
		if !errors.As(err, &ve) || ve.Theirs != theirs || ve.PID != os.Getpid() ||
			!strings.Contains(err.Error(), "decrispify") || !strings.Contains(err.Error(), "do not speak alike") ||
			!strings.Contains(err.Error(), "kill ") || !strings.Contains(err.Error(), "leaves the containers running") {
			t.Fatalf("status of a supervisor of protocol %d: %v", theirs, err)
		}
		// The fake never lets go of the lock, so the down waits out its context.
		if err := c.Down(ctxFor(t, time.Second)); err != nil && errors.As(err, &ve) {
			t.Errorf("down was refused for the version: %v", err)
		}
		var ops []string
		for len(asked) > 0 {
			ops = append(ops, <-asked)
		}
		if strings.Contains(strings.Join(ops, " "), opStatus) || !strings.Contains(strings.Join(ops, " "), opDown) {
			t.Errorf("protocol %d: the supervisor was asked %v; want a ping and a down, never a status", theirs, ops)
		}
	}
}

// serveAs answers on f's socket as a supervisor of the given protocol
// would: a ping with this process's pid, anything else with ok; it tells
// asked each request's op.
func serveAs(t *testing.T, f files, protocol int, asked chan<- string) {
	t.Helper()
	fakeSocketRaw(t, f, func(conn net.Conn) {
		line, err := bufio.NewReader(conn).ReadBytes('\n')
		if err != nil {
			return
		}
		var req request
		json.Unmarshal(line, &req)
		asked <- req.Op
		resp := response{OK: true}
		if req.Op == opPing {
			resp = response{OK: true, PID: os.Getpid(), Protocol: protocol, Version: "v0.9.0"}
		}
		b, _ := json.Marshal(resp)
		conn.Write(append(b, '\n'))
	})
}
