package docker

import (
	"context"
	"net"
	"runtime"
	"strconv"
	"testing"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/probe"
	"github.com/crispify/crispify/internal/ssh"
	"github.com/crispify/crispify/internal/ssh/sshfake"
)

func TestProbeOf(t *testing.T) {
	port := func(c int) []manifest.Port { return []manifest.Port{{Host: 40000, Container: c, Proto: "tcp"}} }
	tests := []struct {
		image string
		ports []manifest.Port
		ready *manifest.InfraReady
		want  probe.Probe
		ok    bool
	}{
		{"rabbitmq:3.13-management", port(5672), nil, probe.Probe{Kind: "amqp", Port: 5672}, true},
		{"crispify-local/rabbitmq:3.10", append(port(15672), port(5672)...), nil, probe.Probe{Kind: "amqp", Port: 5672}, true},
		{"docker.io/library/mongo:7@sha256:abc", port(27017), nil, probe.Probe{Kind: "mongo", Port: 27017}, true},
		{"crispify-local/ferretdb:1.24", port(27017), nil, probe.Probe{Kind: "mongo", Port: 27017}, true},
		{"ghcr.io/ferretdb/ferretdb", nil, nil, probe.Probe{Kind: "mongo", Port: 27017}, true},
		{"mysql:8", port(3306), nil, probe.Probe{Kind: "mysql", Port: 3306}, true},
		{"MariaDB:10.11", port(3306), nil, probe.Probe{Kind: "mysql", Port: 3306}, true},
		{"bitnami/redis:7.2", port(6379), nil, probe.Probe{Kind: "redis", Port: 6379}, true},
		{"redis/redis-stack-server", port(6379), nil, probe.Probe{Kind: "redis", Port: 6379}, true},
		{"crispify-fixture/ssdb-standin:1", port(8888), nil, probe.Probe{Kind: "ssdb", Port: 8888}, true},
		{"docker.elastic.co/elasticsearch/elasticsearch:8.13.0", port(9200), nil, probe.Probe{Kind: "http", Port: 9200, Path: "/_cluster/health"}, true},
		{"crispify-fixture/elasticsearch-standin:8", port(9200), nil, probe.Probe{Kind: "http", Port: 9200, Path: "/_cluster/health"}, true},
		// The family's other programs, on ports of their own.
		{"mongo-express", port(8081), nil, probe.Probe{}, false},
		{"rediscommander/redis-commander", port(8081), nil, probe.Probe{}, false},
		{"redis:7", port(6380), nil, probe.Probe{}, false},
		// Unknown images: Docker's health only.
		{"busybox:1", port(6379), nil, probe.Probe{}, false},
		{"percona/percona-server-mongodb:7", port(27017), nil, probe.Probe{}, false},
		{"registry:5000/team/mysqld-exporter", port(3306), nil, probe.Probe{}, false},
		// The manifest's ready wins, and can turn probing off.
		{"percona/percona-server-mongodb:7", port(27017), &manifest.InfraReady{Mongo: 27017}, probe.Probe{Kind: "mongo", Port: 27017}, true},
		{"redis:7", port(6380), &manifest.InfraReady{Redis: 6380}, probe.Probe{Kind: "redis", Port: 6380}, true},
		{"team/search", port(9201), &manifest.InfraReady{HTTP: 9201, Path: "/ready"}, probe.Probe{Kind: "http", Port: 9201, Path: "/ready"}, true},
		{"rabbitmq:3", port(5672), &manifest.InfraReady{Off: true}, probe.Probe{}, false},
	}
	for _, tt := range tests {
		got, ok := ProbeOf(&manifest.Infra{Image: tt.image, Ports: tt.ports, Ready: tt.ready})
		if got != tt.want || ok != tt.ok {
			t.Errorf("ProbeOf(%s, %v, %+v) = %+v %v, want %+v %v", tt.image, tt.ports, tt.ready, got, ok, tt.want, tt.ok)
		}
	}
}

// carrying is the tunnels of an ssh:// engine with one up, of infra,
// carrying a free port of this machine, through the fake ssh.
func carrying(t *testing.T, infra string) (*ssh.Tunnels, int) {
	t.Helper()
	sshfake.OnPath(t, "")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	tunnels := NewTunnels(Endpoint{Host: "ssh://dev@box"}, t.TempDir(), nil)
	t.Cleanup(func() { tunnels.Close() })
	if err := tunnels.Open(context.Background(), infra, []ssh.Forward{{LocalIP: "127.0.0.1", Port: port}}); err != nil {
		t.Fatal(err)
	}
	return tunnels, port
}

// endpointEngine is an Engine of which only Endpoint is called.
type endpointEngine struct {
	Engine
	endpoint string
}

func (e endpointEngine) Endpoint() string { return e.endpoint }

func TestProbeAddr(t *testing.T) {
	m := &manifest.Manifest{Project: "crisp"}
	boundAt := func(ip string, port int) Container {
		return Container{Ports: []PortBinding{{HostIP: ip, HostPort: port, ContainerPort: 5672, Proto: "tcp"}}, NetworkIPs: map[string]string{"crisp": "172.18.0.5"}}
	}
	bound := func(ip string) Container { return boundAt(ip, 41000) }
	rabbit, rabbitPort := carrying(t, "rabbitmq")
	redis, redisPort := carrying(t, "redis")
	unpublished := Container{NetworkIPs: map[string]string{"crisp": "172.18.0.5", "other": "10.0.0.2"}}
	tunnel := func(b PortBinding) (string, bool) { return "127.0.0.1:" + strconv.Itoa(b.HostPort+1), true }
	local, remote := "unix:///var/run/docker.sock", "tcp://10.0.0.9:2376"
	tests := []struct {
		name     string
		endpoint string
		p        *Project
		c        Container
		want     string
		ok       bool
	}{
		{"local, on 127.0.0.1", local, NewProject(ProjectOptions{}), bound("127.0.0.1"), "127.0.0.1:41000", true},
		{"local, on every address", local, NewProject(ProjectOptions{}), bound("0.0.0.0"), "127.0.0.1:41000", true},
		{"local, on a LAN address", local, NewProject(ProjectOptions{Host: "127.0.0.1"}), bound("192.168.1.7"), "192.168.1.7:41000", true},
		{"tcp:// remote, on every address", remote, NewProject(ProjectOptions{}), bound("0.0.0.0"), "10.0.0.9:41000", true},
		{"tcp:// remote, CRISPIFY_HOST said", remote, NewProject(ProjectOptions{Host: "build-box"}), bound("0.0.0.0"), "build-box:41000", true},
		{"tcp:// remote, on its loopback", remote, NewProject(ProjectOptions{}), bound("127.0.0.1"), "", false},
		{"redirected by Reach", "ssh://dev@box", NewProject(ProjectOptions{Reach: tunnel}), bound("127.0.0.1"), "127.0.0.1:41001", true},
		{"ssh://, no tunnel yet", "ssh://dev@box", NewProject(ProjectOptions{}), bound("127.0.0.1"), "", false},
		{"ssh://, through its tunnel", "ssh://dev@box", NewProject(ProjectOptions{Tunnels: rabbit}), boundAt("127.0.0.1", rabbitPort), "127.0.0.1:" + strconv.Itoa(rabbitPort), true},
		{"ssh://, another infra's tunnel", "ssh://dev@box", NewProject(ProjectOptions{Tunnels: redis}), boundAt("127.0.0.1", redisPort), "", false},
		{"ssh://, not published", "ssh://dev@box", NewProject(ProjectOptions{}), unpublished, "", false},
		{"not published, local engine", local, NewProject(ProjectOptions{}), unpublished, "172.18.0.5:5672", runtime.GOOS == "linux"},
		{"not published, remote", remote, NewProject(ProjectOptions{}), unpublished, "", false},
		{"not published, tunnel", local, NewProject(ProjectOptions{Reach: tunnel}), unpublished, "", false},
		{"not published, no address", local, NewProject(ProjectOptions{}), Container{}, "", false},
	}
	for _, tt := range tests {
		tt.p.Manifest, tt.p.Engine = m, endpointEngine{endpoint: tt.endpoint}
		got, ok := tt.p.probeAddr("rabbitmq", tt.c, 5672)
		if !tt.ok {
			tt.want = ""
		}
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: probeAddr = %q %v, want %q %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
