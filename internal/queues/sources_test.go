package queues

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker/dockerfake"
)

// The answers are a RabbitMQ 3.10's (crispify-local/rabbitmq:3.10), cut down.
const (
	apiQueues    = `[{"consumers":0,"messages_ready":0,"messages_unacknowledged":0,"name":"idle","vhost":"/"},{"consumers":1,"message_stats":{"deliver_get":1,"publish":5,"publish_details":{"rate":2.5},"deliver_get_details":{"rate":1.5}},"messages_ready":4,"messages_unacknowledged":1,"name":"orders","vhost":"/"}]`
	apiConsumers = `[{"consumer_tag":"ctag-./client-1","channel_details":{"peer_host":"172.17.0.1","peer_port":60890,"user":"crisp"},"queue":{"name":"orders","vhost":"/"}}]`
)

func TestManagement(t *testing.T) {
	const canary = "canary-pw-3f9a"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "crisp" || p != canary {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/api/queues":
			w.Write([]byte(apiQueues))
		case "/api/consumers":
			w.Write([]byte(apiConsumers))
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	s, err := Management{Addr: addr, User: "crisp", Pass: canary}.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Queue{{Name: "idle", Vhost: "/", Rate: &Rate{}}, {Name: "orders", Vhost: "/", Ready: 4, Unacked: 1, Consumers: 1, Published: 5, Delivered: 1, Rate: &Rate{2.5, 1.5}}}
	for i := range want {
		if i >= len(s.Queues) || s.Queues[i].Rate == nil || *s.Queues[i].Rate != *want[i].Rate {
			t.Errorf("queue %d: %+v, want the broker's rate %+v", i, s.Queues, want[i].Rate)
			continue
		}
		got := s.Queues[i]
		got.Rate, want[i].Rate = nil, nil
		if got != want[i] {
			t.Errorf("queue %d: %+v, want %+v", i, got, want[i])
		}
	}
	if len(s.Consumers) != 1 || s.Consumers[0] != (Consumer{Queue: "orders", Vhost: "/", Tag: "ctag-./client-1", Peer: Peer{"172.17.0.1", 60890}}) {
		t.Errorf("consumers %+v", s.Consumers)
	}
	_, err = Management{Addr: addr, User: "crisp", Pass: "wrong-" + canary}.Sample(context.Background())
	if err == nil || strings.Contains(err.Error(), canary) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("a refused login: %v, want it said, without the password", err)
	}
}

func TestCtl(t *testing.T) {
	ex := &dockerfake.Exec{Answers: map[string]string{
		"rabbitmqctl list_queues -q name messages_ready messages_unacknowledged consumers --formatter json": `[
{"name":"orders","messages_ready":4,"messages_unacknowledged":1,"consumers":1}
,{"name":"idle","messages_ready":0,"messages_unacknowledged":0,"consumers":0}
]`,
		"rabbitmqctl list_consumers -q queue_name channel_pid consumer_tag --formatter json": `[
{"queue_name":"orders","channel_pid":"#PID<12472.803.0>","consumer_tag":"ctag-./client-1"}
]`,
		"rabbitmqctl list_channels -q pid name --formatter json": `[
{"pid":"#PID<12472.788.0>","name":"172.17.0.1:60890 -> 172.17.0.2:5672 (1)"}
,{"pid":"#PID<12472.803.0>","name":"172.17.0.1:60890 -> 172.17.0.2:5672 (2)"}
]`,
	}}
	s, err := Ctl{Exec: func(ctx context.Context, cmd []string) ([]byte, error) { return ex.Exec(ctx, "rabbit", cmd) }}.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Queues) != 2 || s.Queues[0] != (Queue{Name: "orders", Vhost: "/", Ready: 4, Unacked: 1, Consumers: 1, Published: -1, Delivered: -1}) {
		t.Errorf("queues %+v", s.Queues)
	}
	if len(s.Consumers) != 1 || s.Consumers[0].Peer != (Peer{"172.17.0.1", 60890}) || s.Consumers[0].Tag != "ctag-./client-1" {
		t.Errorf("consumers %+v", s.Consumers)
	}
	if len(ex.Calls()) != 3 {
		t.Errorf("rabbitmqctl ran %d times, want 3: %v", len(ex.Calls()), ex.Calls())
	}
}

func TestRates(t *testing.T) {
	t0 := time.Unix(1000, 0)
	prev := Sample{At: t0, Queues: []Queue{
		{Name: "counted", Published: 100, Delivered: 90},
		{Name: "counts", Ready: 10, Unacked: 2, Published: -1, Delivered: -1},
		{Name: "shrinks", Ready: 10, Published: -1, Delivered: -1},
		{Name: "redeclared", Published: 500, Delivered: 500},
	}}
	cur := Sample{At: t0.Add(2 * time.Second), Queues: []Queue{
		{Name: "counted", Published: 140, Delivered: 100},
		{Name: "counts", Ready: 18, Unacked: 2, Published: -1, Delivered: -1},
		{Name: "shrinks", Ready: 4, Published: -1, Delivered: -1},
		{Name: "redeclared", Published: 3, Delivered: 1},
		{Name: "new", Published: 7},
		{Name: "told", Published: 1000, Rate: &Rate{3, 2}},
	}}
	got := Rates(prev, cur)
	want := map[string]Rate{"counted": {20, 5}, "counts": {4, 0}, "shrinks": {0, 3}, "redeclared": {0, 0}, "told": {3, 2}}
	for name, r := range want {
		if got[Key{Name: name}] != r {
			t.Errorf("%s: %+v, want %+v", name, got[Key{Name: name}], r)
		}
	}
	if _, ok := got[Key{Name: "new"}]; ok {
		t.Error("a queue new in this sample has a rate")
	}
	if first := Rates(Sample{}, cur); len(first) != 1 {
		t.Errorf("a first sample has rates %v, want the broker's only", first)
	}
}
