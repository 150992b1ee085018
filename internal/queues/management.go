package queues

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Management reads a broker through its management API (the
// rabbitmq_management plugin), at Addr (host:port of port 15672 where this
// machine reaches it). User and Pass are the container's own; they go in
// the Authorization header only, never in a URL, an error or a log.
type Management struct {
	Addr       string
	User, Pass string
	Client     *http.Client // nil: a client with a 5 s timeout
}

// queueColumns keeps the answer small: a broker of many queues otherwise
// sends kilobytes of each.
const queueColumns = "name,vhost,messages_ready,messages_unacknowledged,consumers,message_stats.publish,message_stats.deliver_get," +
	"message_stats.publish_details.rate,message_stats.deliver_get_details.rate"

// Sample reads the queues and their consumers.
func (m Management) Sample(ctx context.Context) (Sample, error) {
	var qs []struct {
		Name         string `json:"name"`
		Vhost        string `json:"vhost"`
		Ready        int    `json:"messages_ready"`
		Unacked      int    `json:"messages_unacknowledged"`
		Consumers    int    `json:"consumers"`
		MessageStats *struct {
			Publish        int64  `json:"publish"`
			DeliverGet     int64  `json:"deliver_get"`
			PublishDetails detail `json:"publish_details"`
			DeliverDetails detail `json:"deliver_get_details"`
		} `json:"message_stats"`
	}
	at := time.Now()
	if err := m.get(ctx, "/api/queues?columns="+queueColumns, &qs); err != nil {
		return Sample{}, err
	}
	var cs []struct {
		Tag   string `json:"consumer_tag"`
		Queue struct {
			Name  string `json:"name"`
			Vhost string `json:"vhost"`
		} `json:"queue"`
		Channel struct {
			PeerHost string `json:"peer_host"`
			PeerPort int    `json:"peer_port"`
		} `json:"channel_details"`
	}
	if err := m.get(ctx, "/api/consumers", &cs); err != nil {
		return Sample{}, err
	}
	s := Sample{At: at, Via: "management API"}
	for _, q := range qs {
		// A queue with no traffic yet has no message_stats: its counters
		// are 0, which is known, not missing.
		var pub, del int64
		rate := &Rate{}
		if q.MessageStats != nil {
			pub, del = q.MessageStats.Publish, q.MessageStats.DeliverGet
			rate.In, rate.Out = q.MessageStats.PublishDetails.Rate, q.MessageStats.DeliverDetails.Rate
		}
		s.Queues = append(s.Queues, Queue{Name: q.Name, Vhost: q.Vhost, Ready: q.Ready, Unacked: q.Unacked, Consumers: q.Consumers, Published: pub, Delivered: del, Rate: rate})
	}
	for _, c := range cs {
		s.Consumers = append(s.Consumers, Consumer{Queue: c.Queue.Name, Vhost: c.Queue.Vhost, Tag: c.Tag,
			Peer: Peer{Host: c.Channel.PeerHost, Port: c.Channel.PeerPort}})
	}
	return s, nil
}

// detail is one of message_stats' *_details: the broker's smoothed rate.
type detail struct {
	Rate float64 `json:"rate"`
}

// Answers reports whether the management API answers at m.Addr with these
// credentials: what picks it over rabbitmqctl.
func (m Management) Answers(ctx context.Context) bool {
	var v struct {
		Version string `json:"management_version"`
	}
	return m.get(ctx, "/api/overview?columns=management_version", &v) == nil && v.Version != ""
}

func (m Management) get(ctx context.Context, path string, into any) error {
	client := m.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.Addr+path, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(m.User, m.Pass)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("rabbitmq management API at %s: %w", m.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("rabbitmq management API at %s: the container's user (RABBITMQ_DEFAULT_USER) was refused", m.Addr)
		}
		return fmt.Errorf("rabbitmq management API at %s: %s", m.Addr, resp.Status)
	}
	// 8 MB is thousands of queues; a broker sending more is not read whole.
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(into); err != nil {
		endpoint, _, _ := strings.Cut(path, "?")
		return fmt.Errorf("rabbitmq management API at %s: read %s: %w", m.Addr, endpoint, err)
	}
	return nil
}
