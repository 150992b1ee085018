package queues

import (
	"slices"
	"testing"
)

// The fixture /proc (testdata/proc, made by hand): RabbitMQ's AMQP port
// 5672 published on 35672 through docker-proxy.
//
//	pid 100 pay       worker payments (leader)  127.0.0.1:50001 -> 127.0.0.1:35672
//	pid 150 sh        worker mailer (leader)
//	pid 200 mailer    its child, in its group   172.18.0.1:40001 -> 172.18.0.2:5672 (no proxy)
//	pid 300 ship      worker shipping (leader)  127.0.0.1:50002 -> :35672, [::1]:50010 -> [::1]:35672
//	pid 400 e2e.test  no worker                 [::1]:50011 -> [::1]:35672
//
// The proxy's ends (127.0.0.1:35672 <- 50001, 172.18.0.1:45000 -> the
// container) belong to no readable process, as docker-proxy's, root's,
// do not on a laptop.
func TestAttribute(t *testing.T) {
	workers := Workers{Leaders: map[int]string{100: "payments", 150: "mailer", 300: "shipping"}, Names: []string{"mailer", "payments", "shipping", "stopped"}}
	place := Place{HostPorts: []int{35672}, ContainerPort: 5672}
	s := Sample{Consumers: []Consumer{
		{Queue: "mail", Peer: Peer{"172.18.0.1", 40001}},                                     // the client's own socket: exact
		{Queue: "orders", Peer: Peer{"172.18.0.1", 45000}, Tag: "ctag-/work/payments/pay-1"}, // through the proxy, named by its tag
		{Queue: "parcels", Peer: Peer{"172.18.0.1", 45001}, Tag: "ctag-ship-3"},
		{Queue: "audit", Peer: Peer{"172.18.0.1", 45002}, Tag: "audit-consumer"},  // any of the workers holding clients
		{Queue: "parcels", Peer: Peer{"172.18.0.1", 45004}, Tag: "shipping-4242"}, // a tag naming its worker
		{Queue: "audit", Peer: Peer{"172.18.0.1", 45005}, Tag: "reshipping"},      // not as a word of its own
		{Queue: "late", Peer: Peer{"172.18.0.1", 45006}, Tag: "stopped-17"},       // a worker stopped, its consumer not yet gone from the broker's list
		{Queue: "mail", Peer: Peer{"::ffff:172.18.0.1", 40001}},                   // an IPv4-mapped peer is the same
	}}
	at := Attribute("testdata/proc", s, place, workers)
	want := [][]string{{"mailer"}, {"payments"}, {"shipping"}, {"payments", "shipping"}, {"shipping"}, {"payments", "shipping"}, {"stopped"}, {"mailer"}}
	for i := range want {
		if !slices.Equal(at.Consumers[i], want[i]) {
			t.Errorf("consumer %d of %s: workers %v, want %v", i, s.Consumers[i].Queue, at.Consumers[i], want[i])
		}
	}
	if at.Clients["payments"] != 1 || at.Clients["shipping"] != 2 || len(at.Clients) != 2 {
		t.Errorf("clients per worker through the published port: %v, want payments 1, shipping 2 (the test's own and mailer's direct one left out)", at.Clients)
	}
}

func TestAttributeOneClientWorker(t *testing.T) {
	// Only shipping and a process of no worker hold clients: a consumer
	// seen through the proxy is shipping's, whatever its tag.
	s := Sample{Consumers: []Consumer{{Queue: "parcels", Peer: Peer{"172.18.0.1", 45003}, Tag: "x"}}}
	at := Attribute("testdata/proc", s, Place{HostPorts: []int{35672}, ContainerPort: 5672}, Workers{Leaders: map[int]string{300: "shipping"}, Names: []string{"shipping"}})
	if !slices.Equal(at.Consumers[0], []string{"shipping"}) {
		t.Errorf("workers %v, want [shipping]", at.Consumers[0])
	}
}

func TestAttributeNoProc(t *testing.T) {
	s := Sample{Consumers: []Consumer{{Queue: "q", Peer: Peer{"127.0.0.1", 1}}}}
	at := Attribute(t.TempDir(), s, Place{HostPorts: []int{5672}, ContainerPort: 5672}, Workers{Leaders: map[int]string{1: "w"}})
	if len(at.Consumers[0]) != 0 {
		t.Errorf("workers %v without a /proc, want none", at.Consumers[0])
	}
}

func TestTagProgram(t *testing.T) {
	for tag, want := range map[string]string{
		"ctag-./client-1":            "client",
		"ctag-/usr/local/bin/pay-12": "pay",
		"ctag-my-worker-3":           "my-worker",
		"amq.ctag-abc":               "",
		"ctag-":                      "",
	} {
		if got := tagProgram(tag); got != want {
			t.Errorf("tagProgram(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestChannelPeer(t *testing.T) {
	for name, want := range map[string]Peer{
		"172.17.0.1:60890 -> 172.17.0.2:5672 (2)": {"172.17.0.1", 60890},
		"::1:41000 -> ::1:5672 (1)":               {"::1", 41000},
		"[::1]:41000 -> [::1]:5672 (1)":           {"::1", 41000},
	} {
		if got, ok := channelPeer(name); !ok || got != want {
			t.Errorf("channelPeer(%q) = %v %v, want %v", name, got, ok, want)
		}
	}
	if _, ok := channelPeer("direct"); ok {
		t.Error("a channel without an address has a peer")
	}
}
