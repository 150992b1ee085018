package queues

import (
	"context"
	"errors"
	"testing"
)

// A management API that does not answer, on an engine that runs no
// command in a container and with no AMQP address, is no source: said,
// never a panic (status of a stack on an engine without exec).
func TestAReaderWithNoSourceSaysSo(t *testing.T) {
	r := &Reader{Access: Access{Management: "127.0.0.1:1"}}
	if _, _, _, err := r.Read(context.Background()); !errors.Is(err, ErrNoSource) {
		t.Errorf("Read: %v, want ErrNoSource", err)
	}
}
