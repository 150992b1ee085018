package docker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Execer runs a command in a running container: docker exec. It is apart
// from Engine because one reader needs it (the queues of a RabbitMQ
// without its management API, through rabbitmqctl); a fake Engine need
// not have it.
type Execer interface {
	// Exec runs cmd (argv, no shell) in container id and returns its
	// stdout; a non-zero exit is an error that carries the end of stderr.
	Exec(ctx context.Context, id string, cmd []string) ([]byte, error)
}

// execOutputLimit bounds what an exec's output may hold in memory.
const execOutputLimit = 16 << 20

func (s *sdk) Exec(ctx context.Context, id string, cmd []string) ([]byte, error) {
	created, err := s.c.ContainerExecCreate(ctx, id, container.ExecOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return nil, notFound(err)
	}
	att, err := s.c.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return nil, err
	}
	defer att.Close()
	// The hijacked connection does not end with ctx by itself.
	defer context.AfterFunc(ctx, func() { att.Close() })()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&limited{&stdout, execOutputLimit}, &limited{&stderr, 64 << 10}, att.Reader); err != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("read the output of %s: %w", cmd[0], err)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res, err := s.c.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		tail := strings.TrimSpace(stderr.String())
		if len(tail) > 300 {
			tail = "..." + tail[len(tail)-300:]
		}
		return nil, fmt.Errorf("%s exited with code %d: %s", cmd[0], res.ExitCode, tail)
	}
	return stdout.Bytes(), nil
}

// limited keeps the first n bytes written to it and drops the rest, so
// that a chatty command costs at most n.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	keep := min(len(p), l.n)
	if keep > 0 {
		l.w.Write(p[:keep])
		l.n -= keep
	}
	return len(p), nil
}
