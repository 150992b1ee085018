// Command api is a demo worker: an HTTP API that needs Redis and RabbitMQ.
// It checks both at start, as a real service would, and serves /health.
package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	log.SetFlags(log.Ltime)
	redis := getenv("REDIS_ADDR", "127.0.0.1:6379")
	if err := pingRedis(redis); err != nil {
		log.Fatalf("redis at %s: %v", redis, err)
	}
	amqp := getenv("AMQP_ADDR", "127.0.0.1:5672")
	if err := amqpHandshake(amqp); err != nil {
		log.Fatalf("rabbitmq at %s: %v", amqp, err)
	}
	log.Printf("redis and rabbitmq answer")

	addr := "127.0.0.1:" + getenv("PORT", "8080")
	http.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s", r.Method, r.URL.Path)
		fmt.Fprintln(w, "crisp api")
	})
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}

// pingRedis sends PING in RESP and expects +PONG.
func pingRedis(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("answered %q to PING", line)
	}
	return nil
}

// amqpHandshake sends the AMQP 0-9-1 protocol header and expects the
// server's Connection.Start frame (type 1).
func amqpHandshake(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("AMQP\x00\x00\x09\x01")); err != nil {
		return err
	}
	frame := make([]byte, 1)
	if _, err := c.Read(frame); err != nil {
		return err
	}
	if frame[0] != 1 {
		return fmt.Errorf("no Connection.Start from the broker (frame type %d)", frame[0])
	}
	return nil
}

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
