package queues

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker/dockerfake"
)

// A management API that does not answer leaves the reading to
// rabbitmqctl, which is asked again only after ctlEvery: in between, the
// sample before is kept and said not fresh.
func TestReaderFallsBackToRabbitmqctl(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing answers there
	ex := &dockerfake.Exec{Answers: map[string]string{
		"rabbitmqctl list_queues -q name messages_ready messages_unacknowledged consumers --formatter json": `[{"name":"orders","messages_ready":4,"messages_unacknowledged":0,"consumers":0}]`,
	}}
	r := &Reader{Access: Access{Management: closed, User: "u", Pass: "p",
		Exec: func(ctx context.Context, cmd []string) ([]byte, error) { return ex.Exec(ctx, "rabbit", cmd) }}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, _, fresh, err := r.Read(ctx)
	if err != nil || !fresh || s.Via != "rabbitmqctl" || len(s.Queues) != 1 || s.Queues[0].Ready != 4 {
		t.Fatalf("first read: %+v fresh %v err %v, want orders from rabbitmqctl", s, fresh, err)
	}
	s, _, fresh, err = r.Read(ctx)
	if err != nil || fresh || s.Via != "rabbitmqctl" || len(ex.Calls()) != 1 {
		t.Errorf("second read at once: fresh %v err %v, rabbitmqctl run %d times; want the sample before, not fresh, one run", fresh, err, len(ex.Calls()))
	}
}

// With neither the API nor an exec, nor an AMQP address, nothing answers.
func TestReaderNoSource(t *testing.T) {
	r := &Reader{}
	if _, _, _, err := r.Read(context.Background()); err != ErrNoSource {
		t.Errorf("err %v, want ErrNoSource", err)
	}
}
