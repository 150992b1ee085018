package docker_test

import (
	"context"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
)

// Each running RabbitMQ is a broker, reached where its ports are
// published, as the container's own user (guest when the manifest sets
// none); other infra are not.
func TestBrokers(t *testing.T) {
	fake := dockerfake.New()
	fake.AddImage("rabbitmq:3.13-management", dockerfake.Image{ID: "sha256:rabbit"})
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis"})
	m := load(t, `version: 1
project: crisp
infra:
  rabbitmq:
    image: rabbitmq:3.13-management
    ports: ["35672:5672", "45672:15672"]
    env: {RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: s3cret}
    ready: false
  events:
    image: rabbitmq:3.13-management
    ports: ["35673:5672"]
    ready: false
  redis:
    image: redis:7
    ports: ["16379:6379"]
    ready: false
`)
	p := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: m, Sink: &recorder{}, HealthTimeout: 5 * time.Second, Host: "127.0.0.1"})
	up(t, p, "rabbitmq", "events", "redis")
	got, err := p.Brokers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Infra != "events" || got[1].Infra != "rabbitmq" {
		t.Fatalf("brokers %+v, want events and rabbitmq", got)
	}
	ev, rb := got[0], got[1]
	if ev.User != "guest" || ev.Pass != "guest" || ev.AMQP != "127.0.0.1:35673" || ev.Management != "" || ev.ContainerPort != 5672 {
		t.Errorf("events: %+v, want guest, AMQP on 35673 and no management API", ev)
	}
	if rb.User != "crisp" || rb.Pass != "s3cret" || rb.AMQP != "127.0.0.1:35672" || rb.Management != "127.0.0.1:45672" || len(rb.HostPorts) != 1 || rb.HostPorts[0] != 35672 {
		t.Errorf("rabbitmq: %+v, want crisp, AMQP on 35672, management on 45672", rb)
	}
	if rb.Exec != nil {
		t.Error("an engine that cannot exec gave an Exec")
	}
}
