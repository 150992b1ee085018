// Command payments consumes the RabbitMQ queue "orders" ($AMQP_URL), pays
// each order by calling orders back (POST /orders/{id}/paid on
// $ORDERS_URL), and acknowledges it. Like orders, it connects once, at
// start, and exits if it cannot.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"shop/internal/shared"
)

const version = "v1"

func main() {
	fmt.Println(shared.Banner("payments", version))
	orders := strings.TrimSuffix(shared.MustEnv("ORDERS_URL"), "/")
	conn, err := amqp.Dial(shared.MustEnv("AMQP_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "payments: connect to rabbitmq:", err)
		os.Exit(1)
	}
	ch, err := conn.Channel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "payments: open a channel:", err)
		os.Exit(1)
	}
	if _, err := ch.QueueDeclare(shared.Queue, true, false, false, false, nil); err != nil {
		fmt.Fprintln(os.Stderr, "payments: declare queue:", err)
		os.Exit(1)
	}
	if err := ch.Qos(1, 0, false); err != nil {
		fmt.Fprintln(os.Stderr, "payments: qos:", err)
		os.Exit(1)
	}
	deliveries, err := ch.Consume(shared.Queue, fmt.Sprintf("payments-%d", os.Getpid()), false, false, false, false, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "payments: consume:", err)
		os.Exit(1)
	}
	fmt.Printf("payments %s consuming %s\n", version, shared.Queue)
	client := &http.Client{Timeout: 5 * time.Second}
	for d := range deliveries {
		pay(client, orders, d)
	}
	fmt.Fprintln(os.Stderr, "payments: rabbitmq connection lost")
	os.Exit(1)
}

// pay pays one order. An order orders no longer knows (it restarted) is
// dropped; any other failure puts the order back on the queue.
func pay(client *http.Client, orders string, d amqp.Delivery) {
	var o shared.Order
	if err := json.Unmarshal(d.Body, &o); err != nil || o.ID == "" {
		fmt.Printf("payments: dropped a message that is no order: %q\n", d.Body)
		d.Ack(false)
		return
	}
	resp, err := client.Post(orders+"/orders/"+o.ID+"/paid", "application/json", nil)
	if err != nil {
		fmt.Printf("payments: order %s: %v; retrying\n", o.ID, err)
		time.Sleep(time.Second)
		d.Nack(false, true)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		fmt.Printf("payments %s: paid order %s (%d)\n", version, o.ID, o.Price)
		d.Ack(false)
	case http.StatusNotFound:
		fmt.Printf("payments: order %s is unknown to orders: dropped\n", o.ID)
		d.Ack(false)
	default:
		fmt.Printf("payments: order %s: orders answered %s; retrying\n", o.ID, resp.Status)
		time.Sleep(time.Second)
		d.Nack(false, true)
	}
}
