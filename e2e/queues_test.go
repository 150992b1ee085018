package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// queueRow is a status --json row with a queue's figures.
type queueRow struct {
	Kind, Name, State, Detail string
	Queue                     *struct {
		Infra, Name, Vhost, State, Reason, Via string
		Ready, Unacked, Consumers              int
		RateIn                                 *float64 `json:"rate_in"`
		RateOut                                *float64 `json:"rate_out"`
		Workers, Blame                         []string
	}
}

func (e *env) queueStatus() (map[string]queueRow, string) {
	e.t.Helper()
	r := e.crispify("status", "--json")
	var rows []queueRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		e.t.Fatalf("status --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	out := map[string]queueRow{}
	for _, row := range rows {
		out[row.Kind+" "+row.Name] = row
	}
	return out, r.stdout + r.stderr
}

// The shop's payments consumes the durable queue orders; once it is
// stopped, messages a publisher puts there pile up: status --json shows the
// queue's ready count growing, no consumer, and payments, seen consuming
// it before, named as not consuming. The broker's password, a canary, is
// in no output, not in the supervisor's log and in no process's command
// line. The figures come from the management API, which the local image
// enables.
func TestQueuesNameTheStoppedConsumer(t *testing.T) {
	queuesWithStoppedConsumer(t, "queues", "", "management API", true)
}

// The same on a broker without its management API (no plugin enabled):
// rabbitmqctl, run in the container, lists the queues and consumers.
func TestQueuesByRabbitmqctl(t *testing.T) {
	queuesWithStoppedConsumer(t, "queuesctl", ", RABBITMQ_ENABLED_PLUGINS_FILE: /tmp/none", "rabbitmqctl", false)
}

// With board, the board of status --watch in a terminal shows the sick
// queues under the rabbitmq row, and that row sick.
func queuesWithStoppedConsumer(t *testing.T, name, env, via string, board bool) {
	needImages(t, imageRabbitMQ)
	e := newEnv(t, name)
	s := e.newShop()
	var b [4]byte
	rand.Read(b[:])
	canary := "c7rabbitpass" + hex.EncodeToString(b[:])
	text := strings.Replace(s.manifest(), `    health: {cmd: ["rabbitmq-diagnostics", "-q", "ping"]}`,
		`    env: {RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: `+canary+env+`}
    health: {cmd: ["rabbitmq-diagnostics", "-q", "ping"]}`, 1)
	text = strings.ReplaceAll(text, "guest:guest@", "crisp:"+canary+"@")
	e.write(text)
	argv := sampleArgv(200 * time.Millisecond) // every process's command line, while the test runs
	e.crispify("-d").must(t, 0)
	var seen strings.Builder // every output, searched for the canary at the end

	// A look (status --watch) keeps the supervisor reading the queues.
	e.startCrispify("status", "--watch", "--json")
	var orders queueRow
	ok := eventually(60*time.Second, func() bool {
		rows, out := e.queueStatus()
		seen.WriteString(out)
		orders = rows["queue rabbitmq/orders"]
		return orders.Queue != nil && orders.Queue.Consumers == 1 && slices.Equal(orders.Queue.Workers, []string{"payments"})
	})
	if !ok {
		t.Fatalf("status never named payments the consumer of orders: %+v %+v", orders, orders.Queue)
	}
	if q := orders.Queue; q.State != "healthy" || q.RateIn == nil || q.RateOut == nil || q.Blame == nil || q.Via != via {
		t.Errorf("orders while payments consumes: %+v (every field present, healthy)", q)
	}
	t.Logf("orders: %s (via %s)", orders.Detail, orders.Queue.Via)

	e.crispify("stop", "payments").must(t, 0)
	conn, err := amqp.Dial("amqp://crisp:" + canary + "@127.0.0.1:" + itoa(s.rabbit) + "/")
	if err != nil {
		t.Fatalf("connect to rabbitmq: %v", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	publish := func(n int) {
		for range n {
			if err := ch.Publish("", "orders", false, false, amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(`{"id":"x"}`)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(5)
	var first queueRow
	ok = eventually(60*time.Second, func() bool {
		rows, out := e.queueStatus()
		seen.WriteString(out)
		first = rows["queue rabbitmq/orders"]
		return first.Queue != nil && first.Queue.Ready >= 5
	})
	if !ok {
		t.Fatalf("orders never showed the 5 messages published: %+v", first.Queue)
	}
	if q := first.Queue; q.State != "sick" || q.Consumers != 0 || !slices.Equal(q.Blame, []string{"payments"}) ||
		!strings.Contains(first.Detail, "orders 5 ready, 0 consumers: payments is not consuming") {
		t.Errorf("orders with payments stopped: %s %q %+v", first.State, first.Detail, q)
	}
	publish(7)
	var grown queueRow
	ok = eventually(60*time.Second, func() bool {
		rows, out := e.queueStatus()
		seen.WriteString(out)
		grown = rows["queue rabbitmq/orders"]
		return grown.Queue != nil && grown.Queue.Ready >= 12
	})
	if !ok {
		t.Fatalf("orders's ready count did not grow to 12: %+v", grown.Queue)
	}
	if !strings.Contains(grown.Detail, "orders 12 ready, 0 consumers: payments is not consuming") {
		t.Errorf("orders grown: %q", grown.Detail)
	}
	rows, out := e.queueStatus()
	seen.WriteString(out)
	if p := rows["worker payments"]; p.State != "stopped" {
		t.Errorf("payments, stopped, is %s: %s", p.State, p.Detail)
	}
	if r := rows["infra rabbitmq"]; r.State != "healthy" {
		t.Errorf("rabbitmq is %s (%s): the queue blames payments, not the broker", r.State, r.Detail)
	}
	t.Logf("orders: %s", grown.Detail)

	// A queue nobody ever consumed blames the broker's row.
	if _, err := ch.QueueDeclare("stray", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.Publish("", "stray", false, false, amqp.Publishing{Body: []byte("lost")}); err != nil {
		t.Fatal(err)
	}
	var broker queueRow
	ok = eventually(60*time.Second, func() bool {
		rows, out := e.queueStatus()
		seen.WriteString(out)
		broker = rows["infra rabbitmq"]
		return broker.State == "sick"
	})
	if !ok || !strings.Contains(broker.Detail, "stray 1 ready, 0 consumers: no worker consumes it") {
		t.Errorf("rabbitmq with a queue nobody consumes: %s %q", broker.State, broker.Detail)
	}

	if board {
		tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest+" status --watch")
		screen := tm.waitFor(60*time.Second, `rabbitmq\s+\S+ sick`,
			`\n\s+⇢ orders 12 ready, 0 consumers: payments is not consuming`, `\n\s+⇢ stray 1 ready, 0 consumers: no worker consumes it`)
		seen.WriteString(screen)
		tm.keys("q")
		tm.waitFor(10*time.Second, `EXIT=0`)
	}

	plain := e.crispify("status")
	seen.WriteString(plain.stdout + plain.stderr)
	if !strings.Contains(plain.stdout, "rabbitmq/orders") {
		t.Errorf("status's table has no row of the queue:\n%s", plain.stdout)
	}
	log, _ := os.ReadFile(filepath.Join(e.dir, "ws", ".crispify", "logs", "supervisor-"+e.project+".log"))
	for where, text := range map[string]string{"status output": seen.String(), "the supervisor's log": string(log), "a command line": strings.Join(argv.list(), "\n")} {
		if strings.Contains(text, canary) {
			t.Errorf("the broker's password is in %s", where)
		}
	}
}
