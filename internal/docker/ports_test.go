package docker_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
)

func TestTakenPortNamesItsHolderAndCreatesNothing(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	text := strings.Replace(testManifest, `["16379:6379"]`, `["`+itoa(port)+`:6379"]`, 1)
	p, fake, _ := newProject(t, text)
	p.Local = true
	_ = p.EnsureNetwork(context.Background())
	err = p.Up(context.Background(), "redis")
	var pe *docker.PortError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a PortError", err)
	}
	if !strings.Contains(err.Error(), itoa(port)) || !strings.Contains(err.Error(), "process ") {
		t.Errorf("error does not name the port and the process: %v", err)
	}
	if c := fake.CallsMatching("create"); len(c) != 0 {
		t.Errorf("created %q despite the conflict", c)
	}
}

func TestPortHeldByAnotherContainerIsNamed(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	p.Local = true
	ctx := context.Background()
	id, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "someones-redis", Image: "redis:7", Ports: []docker.PortBinding{{HostIP: "0.0.0.0", HostPort: 16379, ContainerPort: 6379, Proto: "tcp"}}})
	_ = fake.ContainerStart(ctx, id)
	_ = p.EnsureNetwork(ctx)
	err := p.Up(ctx, "redis")
	if err == nil || !strings.Contains(err.Error(), "container someones-redis (not crispify's)") {
		t.Fatalf("got %v", err)
	}
}
