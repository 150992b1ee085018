// Command indexer is a demo worker: it needs Elasticsearch, MongoDB and
// SSDB, checks each at start and then "consumes" documents.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	log.SetFlags(log.Ltime)
	es := env("ES_URL", "http://127.0.0.1:9200")
	status, err := clusterHealth(es)
	if err != nil {
		log.Fatalf("elasticsearch at %s: %v", es, err)
	}
	log.Printf("elasticsearch cluster is %s", status)
	mongo := env("MONGO_ADDR", "127.0.0.1:27017")
	if c, err := net.DialTimeout("tcp", mongo, 2*time.Second); err != nil {
		log.Fatalf("mongodb at %s: %v", mongo, err)
	} else {
		c.Close()
	}
	ssdb := env("SSDB_ADDR", "127.0.0.1:8888")
	if err := pingSSDB(ssdb); err != nil {
		log.Fatalf("ssdb at %s: %v", ssdb, err)
	}
	log.Printf("consuming")
	for n := 1; ; n++ {
		time.Sleep(7 * time.Second)
		log.Printf("indexed %d documents", n*11)
	}
}

func clusterHealth(base string) (string, error) {
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(strings.TrimRight(base, "/") + "/_cluster/health")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var health struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		return "", fmt.Errorf("read _cluster/health: %w", err)
	}
	return health.Status, nil
}

// pingSSDB speaks SSDB's protocol: blocks of "length\ndata\n", ended by "\n".
func pingSSDB(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("4\nping\n\n")); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	r.ReadString('\n') // length of the status block
	status, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(status) != "ok" {
		return fmt.Errorf("answered %q to ping", status)
	}
	return nil
}

func env(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
