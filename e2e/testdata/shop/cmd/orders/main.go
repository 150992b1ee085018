// Command orders takes the shop's orders over HTTP on $PORT. POST /orders
// {"product":"tea"} asks the catalogue ($CATALOGUE_URL) for the price,
// keeps the order in memory as pending and publishes it to the RabbitMQ
// queue "orders" ($AMQP_URL); GET /orders/{id} answers it; POST
// /orders/{id}/paid marks it paid.
//
// It connects to RabbitMQ once, at start, and exits if it cannot, or when
// the connection is lost later: it has no retry of its own, as many
// services in the wild.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"shop/internal/shared"
)

const version = "v1"

type server struct {
	catalogue string
	client    *http.Client
	run       string // tells this process's order IDs from an earlier one's

	mu     sync.Mutex // guards orders, next and ch (a channel is not safe for concurrent publishing)
	orders map[string]*shared.Order
	next   int
	ch     *amqp.Channel
}

func main() {
	fmt.Println(shared.Banner("orders", version))
	port := shared.MustEnv("PORT")
	catalogue := strings.TrimSuffix(shared.MustEnv("CATALOGUE_URL"), "/")
	conn, err := amqp.Dial(shared.MustEnv("AMQP_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "orders: connect to rabbitmq:", err)
		os.Exit(1)
	}
	ch, err := conn.Channel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "orders: open a channel:", err)
		os.Exit(1)
	}
	if _, err := ch.QueueDeclare(shared.Queue, true, false, false, false, nil); err != nil {
		fmt.Fprintln(os.Stderr, "orders: declare queue:", err)
		os.Exit(1)
	}
	go func() {
		err := <-conn.NotifyClose(make(chan *amqp.Error, 1))
		fmt.Fprintln(os.Stderr, "orders: rabbitmq connection lost:", err)
		os.Exit(1)
	}()
	fmt.Println("orders: connected to rabbitmq")

	id := make([]byte, 3)
	rand.Read(id)
	s := &server{
		catalogue: catalogue,
		client:    &http.Client{Timeout: 5 * time.Second},
		run:       hex.EncodeToString(id),
		orders:    map[string]*shared.Order{},
		ch:        ch,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("POST /orders", s.place)
	mux.HandleFunc("GET /orders/{id}", s.get)
	mux.HandleFunc("POST /orders/{id}/paid", s.paid)
	fmt.Printf("orders %s listening on 127.0.0.1:%s\n", version, port)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, mux))
}

func (s *server) place(w http.ResponseWriter, r *http.Request) {
	var req struct{ Product string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Product == "" {
		http.Error(w, `want {"product":"ID"}`, http.StatusBadRequest)
		return
	}
	price, err := s.price(r.Context(), req.Product)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	o := &shared.Order{ID: fmt.Sprintf("%s-%d", s.run, s.next), Product: req.Product, Price: price, State: "pending"}
	body, _ := json.Marshal(o)
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	err = s.ch.PublishWithContext(ctx, "", shared.Queue, false, false, amqp.Publishing{
		ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: body,
	})
	if err != nil {
		http.Error(w, "publish: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	s.orders[o.ID] = o
	fmt.Printf("order %s: %s for %d, pending\n", o.ID, o.Product, o.Price)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(body)
}

// price asks the catalogue for a product's price.
func (s *server) price(ctx context.Context, product string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.catalogue+"/products/"+product, nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("ask the catalogue: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("ask the catalogue for %s: %s", product, resp.Status)
	}
	var p shared.Product
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return 0, fmt.Errorf("read the catalogue's answer: %w", err)
	}
	return p.Price, nil
}

func (s *server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[r.PathValue("id")]
	if !ok {
		http.Error(w, "no such order", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(o)
}

func (s *server) paid(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[r.PathValue("id")]
	if !ok {
		http.Error(w, "no such order", http.StatusNotFound)
		return
	}
	o.State = "paid"
	fmt.Printf("order %s: paid\n", o.ID)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(o)
}
