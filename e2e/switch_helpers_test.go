package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// scriptRepo makes a bare repo whose worker is a shell script that says
// its name and branch, then waits; with feature, the repo also has a
// feature branch whose script says so.
func (e *env) scriptRepo(name string, feature bool) string {
	e.t.Helper()
	work := filepath.Join(e.dir, "src", name)
	if err := os.MkdirAll(work, 0o755); err != nil {
		e.t.Fatal(err)
	}
	script := func(branch string) string {
		return "#!/bin/sh\necho \"" + name + " on " + branch + "\"\nexec sleep 100000\n"
	}
	write := func(text string) {
		if err := os.WriteFile(filepath.Join(work, "run.sh"), []byte(text), 0o755); err != nil {
			e.t.Fatal(err)
		}
	}
	commit := []string{"-c", "user.name=e2e", "-c", "user.email=e2e@crispify.invalid", "commit", "-qm"}
	write(script("master"))
	e.git(work, "init", "-q", "--initial-branch=master")
	e.git(work, "add", ".")
	e.git(work, append(commit, "first")...)
	if feature {
		e.git(work, "checkout", "-q", "-b", "feature")
		write(script("feature"))
		e.git(work, "add", "run.sh")
		e.git(work, append(commit, "feature")...)
		e.git(work, "checkout", "-q", "master")
	}
	bare := filepath.Join(e.dir, "remotes", name+".git")
	e.git(e.dir, "clone", "-q", "--bare", work, bare)
	return "file://" + bare
}

// sql runs statements in the stack's MariaDB as the manifest's user and
// returns what they print, tab-separated, without headers.
func (e *env) sql(statements string) string {
	e.t.Helper()
	return e.docker("exec", "-e", "MYSQL_PWD=crisp", e.project+"-mysql", "mariadb", "-ucrisp", "crisp", "-N", "-e", statements)
}

// rabbit is a connection to the stack's RabbitMQ through its published
// port, as a worker's would be.
func (e *env) rabbit(port int) *amqp.Channel {
	e.t.Helper()
	var conn *amqp.Connection
	var err error
	// The broker answers its probe before it takes a login: give it a few
	// tries, as a client with a retry would.
	eventually(30*time.Second, func() bool {
		conn, err = amqp.Dial("amqp://crisp:crisp@127.0.0.1:" + itoa(port) + "/")
		return err == nil
	})
	if err != nil {
		e.t.Fatalf("connect to rabbitmq on port %d: %v", port, err)
	}
	e.t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// publish puts persistent messages on a durable queue.
func (e *env) publish(ch *amqp.Channel, queue string, bodies ...string) {
	e.t.Helper()
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		e.t.Fatal(err)
	}
	for _, b := range bodies {
		if err := ch.Publish("", queue, false, false, amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(b)}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// queued is how many messages wait on a queue; -1 when it does not exist.
func (e *env) queued(port int, queue string) int {
	e.t.Helper()
	ch := e.rabbit(port)
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		if strings.Contains(err.Error(), "NOT_FOUND") {
			return -1
		}
		e.t.Fatal(err)
	}
	return q.Messages
}

// writeBranchedRedis writes a stack of one Redis with a named volume, on a
// port of its own, and one worker, api, whose repo has a feature branch.
func (e *env) writeBranchedRedis() {
	e.t.Helper()
	e.write(head + `infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(freePort(e.t)) + `:6379"]
    volumes: ["data:/data"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
services:
  api:
    repo: ` + e.scriptRepo("api", true) + `
    run: ./run.sh
    needs: [redis]
`)
}
