package docker

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

// saveRedis asks a running Redis to SAVE before it is stopped for a copy:
// a Redis configured without save points writes nothing at shutdown, and
// its data would not be in the volume. Infra that are not Redis, or whose
// port this machine cannot reach, are left to their own shutdown.
func (p *Project) saveRedis(ctx context.Context, in *manifest.Infra, c Container) error {
	pr, ok := ProbeOf(in)
	if !ok || pr.Kind != manifest.ProbeRedis {
		return nil
	}
	addr, ok := p.probeAddr(in.Name, c, pr.Port)
	if !ok {
		return nil
	}
	if err := RedisSave(ctx, addr); err != nil {
		return fmt.Errorf("save the data of %s before stopping it (%s): %w: try `redis-cli -h %s SAVE`, or start the branch empty with --data fresh", in.Name, addr, err, addr)
	}
	return nil
}

// RedisSave sends SAVE to the Redis at addr and waits for its +OK: the
// dump is then on disk. A large dump takes a while, so the wait is
// bounded by ctx and a minute, not by the probe's second.
func RedisSave(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := io.WriteString(conn, "*1\r\n$4\r\nSAVE\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read the answer to SAVE: %w", err)
	}
	if line != "+OK\r\n" {
		return fmt.Errorf("SAVE answered %q", line)
	}
	return nil
}
