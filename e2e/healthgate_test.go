package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// Where crispify knows an infra's protocol, the container is healthy once
// that protocol answers where the workers reach it, not when Docker's
// check first passes: RabbitMQ's usual check, rabbitmq-diagnostics ping,
// passes once the Erlang node runs, seconds before the broker listens. And
// the probe leaves as a polite client does, so that the server's log holds
// nothing of it.

// amqpCheck is a worker's first AMQP exchange, done once: the protocol
// header, then the broker's Connection.Start (a method frame on channel 0,
// class 10, method 10). It exits 1 when the broker does not answer so, as
// a worker whose client cannot connect does; else it stays up.
const amqpCheck = `exec 3<>"/dev/tcp/$AMQP_HOST/$AMQP_PORT" || { echo "amqp: cannot connect to $AMQP_HOST:$AMQP_PORT"; exit 1; }
printf 'AMQP\x00\x00\x09\x01' >&3
frame=$(timeout 5 head -c 11 <&3 | od -An -tx1 | tr -d ' \n')
if [[ $frame != 010000????????000a000a ]]; then
	echo "amqp: no Connection.Start from $AMQP_HOST:$AMQP_PORT (read: ${frame:-nothing})"
	exit 1
fi
echo "amqp ok: Connection.Start"
exec 3>&-
exec sleep 3600
`

// rabbitListening finds when RabbitMQ started its AMQP listener, by its own
// log line's time: "2026-12-07 14:15:15.018410+00:00 [info] <0.778.0>
// started TCP listener on [::]:5672".
var rabbitListening = regexp.MustCompile(`(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00:00) \[info\] <[0-9.]+> started TCP listener on \S+:5672`)

func TestRabbitMQIsHealthyOnlyOnceAMQPAnswers(t *testing.T) {
	needImages(t, imageRabbitMQ)
	e := newEnv(t, "amqpgate")
	port := itoa(freePort(t))
	e.write(head + `infra:
  rabbitmq:
    image: ` + imageRabbitMQ + `
    ports: ["` + port + `:5672"]
    env: {RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: crisp}
    volumes: ["data:/var/lib/rabbitmq"]
    health: {cmd: ["rabbitmq-diagnostics", "-q", "ping"], interval: 1s, retries: 120}
services:
  consumer:
    repo: ` + e.workerRepo("consumer", map[string]string{"amqpcheck.sh": amqpCheck}) + `
    run: bash amqpcheck.sh
    needs: [rabbitmq]
    env: {AMQP_HOST: "${CRISPIFY_HOST}", AMQP_PORT: "` + port + `"}
    ready: {log: "amqp ok"}
`)
	r := e.crispify("-d", "--output", "json").must(t, 0)

	var started, dockerPassed, healthy time.Time
	for _, ev := range boardEvents(t, r.stdout) {
		switch {
		case ev.Kind == "infra" && ev.Name == "rabbitmq" && ev.Phase == "starting" && started.IsZero():
			started = ev.TS
		case ev.Kind == "infra" && ev.Name == "rabbitmq" && ev.Phase == "waiting" && strings.HasPrefix(ev.Msg, "Docker's check passes; AMQP does not answer yet at 127.0.0.1:"+port):
			if !healthy.IsZero() {
				t.Errorf("waiting %q after healthy", ev.Msg)
			}
			dockerPassed = ev.TS
		case ev.Kind == "infra" && ev.Name == "rabbitmq" && ev.Phase == "healthy":
			if !strings.Contains(ev.Msg, "(amqp answered)") {
				t.Errorf("rabbitmq healthy %q: not by AMQP answering", ev.Msg)
			}
			healthy = ev.TS
		case ev.Kind == "worker" && (ev.Phase == "exited" || ev.Phase == "restarting" || ev.Phase == "failed"):
			t.Errorf("worker %s %s: %s %s", ev.Name, ev.Phase, ev.Msg, ev.Error)
		}
	}
	if healthy.IsZero() || dockerPassed.IsZero() {
		t.Fatalf("want rabbitmq waiting on AMQP after Docker's check passed, then healthy; events:\n%s", r.stdout)
	}

	// Healthy only after the broker listened, by RabbitMQ's own clock.
	m := rabbitListening.FindStringSubmatch(e.docker("logs", e.project+"-rabbitmq"))
	if m == nil {
		t.Fatalf("no AMQP listener in RabbitMQ's log:\n%s", e.docker("logs", e.project+"-rabbitmq"))
	}
	listening, err := time.Parse("2006-01-02 15:04:05.999999-07:00", m[1])
	if err != nil {
		t.Fatal(err)
	}
	if healthy.Before(listening) {
		t.Errorf("healthy at %s, before the broker listened at %s", healthy.Format(time.StampMicro), listening.Format(time.StampMicro))
	}
	t.Logf("rabbitmq: Docker's check passed %.1fs after its start, AMQP listened at %.1fs, healthy at %.1fs",
		dockerPassed.Sub(started).Seconds(), listening.Sub(started).Seconds(), healthy.Sub(started).Seconds())

	// The worker connected once, at its first start, and runs on.
	if log := e.workerLog("consumer"); strings.Count(log, "amqp ok") != 1 || strings.Contains(log, "amqp: ") {
		t.Errorf("the worker's log:\n%s\nwant one Connection.Start read at its only start", log)
	}
	if row := e.status()["worker consumer"]; row.State != "ready" {
		t.Errorf("worker consumer: %+v, want ready", row)
	}
}

func TestMariaDBLogsNothingOfTheProbe(t *testing.T) {
	needImages(t, imageMariaDB)
	e := newEnv(t, "mariaquiet")
	e.write(head + `infra:
  mysql:
    image: ` + imageMariaDB + `
    ports: ["` + itoa(freePort(t)) + `:3306"]
    env: {MYSQL_ROOT_PASSWORD: crisp, MYSQL_DATABASE: crisp}
    volumes: ["data:/var/lib/mysql"]
    health: {cmd: ["healthcheck.sh", "--connect", "--innodb_initialized"], interval: 1s, retries: 120}
`)
	// A boot, healthy by the probe; then a run that finds it running and
	// confirms it with one probe more.
	for i, want := range []string{"(mysql answered)", "already running (mysql answered)"} {
		r := e.crispify("--output", "json", "infra").must(t, 0)
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("run %d: no healthy event saying %q:\n%s", i+1, want, r.stdout)
		}
	}
	log := e.docker("logs", e.project+"-mysql")
	if !strings.Contains(log, "ready for connections") {
		t.Fatalf("not MariaDB's log:\n%s", log)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "Aborted connection") || strings.Contains(line, "Access denied") {
			t.Errorf("MariaDB logged crispify's probe: %s", line)
		}
	}
}
