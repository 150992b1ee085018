package queues

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Exec runs a command in the broker's container and returns its stdout;
// an error when it could not run or exited non-zero.
type Exec func(ctx context.Context, cmd []string) ([]byte, error)

// Ctl reads a broker without its management API: rabbitmqctl, run in the
// container, lists the default vhost's queues and consumers; the
// consumers' channels give their connections' peers. It has no message
// counters: the rates then come from the counts of two samples (Rates).
// Each rabbitmqctl starts an Erlang VM (a second of CPU), so a Ctl is
// sampled less often than the management API (see Poll).
type Ctl struct {
	Exec Exec
}

// Sample runs list_queues, list_consumers and list_channels.
func (c Ctl) Sample(ctx context.Context) (Sample, error) {
	at := time.Now()
	var qs []struct {
		Name      string `json:"name"`
		Ready     int    `json:"messages_ready"`
		Unacked   int    `json:"messages_unacknowledged"`
		Consumers int    `json:"consumers"`
	}
	if err := c.list(ctx, &qs, "list_queues", "name", "messages_ready", "messages_unacknowledged", "consumers"); err != nil {
		return Sample{}, err
	}
	s := Sample{At: at, Via: "rabbitmqctl"}
	busy := false
	for _, q := range qs {
		s.Queues = append(s.Queues, Queue{Name: q.Name, Vhost: "/", Ready: q.Ready, Unacked: q.Unacked, Consumers: q.Consumers, Published: -1, Delivered: -1})
		busy = busy || q.Consumers > 0
	}
	if !busy {
		return s, nil // two VMs saved when nothing consumes
	}
	var cs []struct {
		Queue   string `json:"queue_name"`
		Channel string `json:"channel_pid"`
		Tag     string `json:"consumer_tag"`
	}
	var chans []struct {
		PID  string `json:"pid"`
		Name string `json:"name"`
	}
	// Both at once: each is a VM's start, a second or two of waiting.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return c.list(gctx, &cs, "list_consumers", "queue_name", "channel_pid", "consumer_tag") })
	g.Go(func() error { return c.list(gctx, &chans, "list_channels", "pid", "name") })
	if err := g.Wait(); err != nil {
		return Sample{}, err
	}
	peers := map[string]Peer{}
	for _, ch := range chans {
		if p, ok := channelPeer(ch.Name); ok {
			peers[ch.PID] = p
		}
	}
	for _, x := range cs {
		s.Consumers = append(s.Consumers, Consumer{Queue: x.Queue, Vhost: "/", Tag: x.Tag, Peer: peers[x.Channel]})
	}
	return s, nil
}

// list runs rabbitmqctl's list_ITEMS with --formatter json into v.
func (c Ctl) list(ctx context.Context, v any, cmd string, columns ...string) error {
	if c.Exec == nil {
		return fmt.Errorf("rabbitmqctl %s: this engine runs no command in a container", cmd)
	}
	argv := append([]string{"rabbitmqctl", cmd, "-q"}, columns...)
	out, err := c.Exec(ctx, append(argv, "--formatter", "json"))
	if err != nil {
		return fmt.Errorf("rabbitmqctl %s in the container: %w", cmd, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("rabbitmqctl %s in the container: read its JSON: %w", cmd, err)
	}
	return nil
}

// channelPeer reads the client's end from a channel's name, "172.17.0.1:60890
// -> 172.17.0.2:5672 (2)" (an IPv6 peer is written bare: "::1:60890 -> ...").
func channelPeer(name string) (Peer, bool) {
	client, _, ok := strings.Cut(name, " -> ")
	if !ok {
		return Peer{}, false
	}
	i := strings.LastIndexByte(client, ':')
	if i < 0 {
		return Peer{}, false
	}
	port, err := strconv.Atoi(client[i+1:])
	if err != nil {
		return Peer{}, false
	}
	host := strings.Trim(client[:i], "[]")
	if net.ParseIP(host) == nil {
		return Peer{}, false
	}
	return Peer{Host: host, Port: port}, true
}
