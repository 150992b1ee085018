// Package shared is what the shop's three services agree on: the order
// that travels between them, and the line each prints at start.
package shared

import (
	"fmt"
	"os"
)

// Version is this package's version. Every service prints it at start, so
// that a change here shows in all three.
const Version = "shared v1"

// Queue is the RabbitMQ queue orders publishes to and payments consumes.
const Queue = "orders"

// Product is an entry of the catalogue; prices are in cents.
type Product struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Price int    `json:"price"`
}

// Order is an order as orders stores it and payments receives it.
type Order struct {
	ID      string `json:"id"`
	Product string `json:"product"`
	Price   int    `json:"price"`
	State   string `json:"state"` // pending, then paid
}

// Banner is the first line a service prints: its name, its own version and
// the shared package's.
func Banner(service, version string) string {
	return fmt.Sprintf("%s %s starting (%s)", service, version, Version)
}

// MustEnv returns an environment variable, or ends the service with a
// message naming it.
func MustEnv(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fmt.Fprintf(os.Stderr, "%s is not set\n", name)
		os.Exit(2)
	}
	return v
}
