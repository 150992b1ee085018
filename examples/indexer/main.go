// Command indexer is a demo worker: it needs Elasticsearch, MongoDB and
// SSDB. It checks Elasticsearch and SSDB at start, keeps its batches in
// MongoDB through the official Go driver (insert, then find), and logs what
// it indexed.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func main() {
	log.SetFlags(log.Ltime)
	es := env("ES_URL", "http://127.0.0.1:9200")
	status, err := clusterHealth(es)
	if err != nil {
		log.Fatalf("elasticsearch at %s: %v", es, err)
	}
	log.Printf("elasticsearch cluster is %s", status)
	ssdb := env("SSDB_ADDR", "127.0.0.1:8888")
	if err := pingSSDB(ssdb); err != nil {
		log.Fatalf("ssdb at %s: %v", ssdb, err)
	}

	uri := env("MONGO_URL", "mongodb://127.0.0.1:27017")
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(5 * time.Second))
	if err != nil {
		log.Fatalf("mongodb at %s: %v", uri, err)
	}
	defer client.Disconnect(ctx)
	if err := client.Ping(ctx, nil); err != nil {
		log.Fatalf("mongodb at %s: ping: %v", uri, err)
	}
	batches := client.Database("indexer").Collection("batches")
	run := time.Now().UTC().Format(time.RFC3339Nano)
	if err := store(ctx, batches, run, 0, 0); err != nil {
		log.Fatalf("mongodb at %s: %v", uri, err)
	}
	log.Printf("consuming")
	for n := 1; ; n++ {
		time.Sleep(7 * time.Second)
		if err := store(ctx, batches, run, n, n*11); err != nil {
			log.Fatalf("mongodb at %s: %v", uri, err)
		}
	}
}

// batch is what the indexer keeps of each batch of documents it indexed.
type batch struct {
	Run       string `bson:"run"`
	Batch     int    `bson:"batch"`
	Documents int    `bson:"documents"`
}

// store inserts a batch and finds it back, so that every line the indexer
// logs says what MongoDB holds.
func store(ctx context.Context, coll *mongo.Collection, run string, n, docs int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := coll.InsertOne(ctx, batch{Run: run, Batch: n, Documents: docs})
	if err != nil {
		return fmt.Errorf("insert batch %d: %w", n, err)
	}
	var got batch
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: res.InsertedID}}).Decode(&got); err != nil {
		return fmt.Errorf("find batch %d back: %w", n, err)
	}
	count, err := coll.CountDocuments(ctx, bson.D{{Key: "run", Value: run}})
	if err != nil {
		return fmt.Errorf("count batches: %w", err)
	}
	log.Printf("mongodb: stored batch %d (%d documents) as %v, found it back; %d batches this run", got.Batch, got.Documents, res.InsertedID, count)
	return nil
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
