package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The demo's indexer (examples/indexer) is a module of its own that uses
// MongoDB through the official driver: booted by crispify from a repo of
// its own, as scripts/demo.sh does, it must keep its batches in FerretDB.
func TestDemoIndexerKeepsItsBatchesInFerretDB(t *testing.T) {
	needImages(t, imageFerretDB, imageES, imageSSDB)
	e := newEnv(t, "indexer")
	files := map[string]string{}
	for _, name := range []string{"main.go", "go.mod", "go.sum"} {
		data, err := os.ReadFile("../examples/indexer/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	mongoPort, esPort, ssdbPort := freePort(t), freePort(t), freePort(t)
	e.write(head + `infra:
  mongodb:
    image: ` + imageFerretDB + `
    ports: ["` + itoa(mongoPort) + `:27017"]
    volumes: ["data:/data"]
    health: {cmd: ["/ferretdb", "health"], interval: 10s}
  elasticsearch:
    image: ` + imageES + `
    ports: ["` + itoa(esPort) + `:9200"]
    health: {cmd: ["/standin", "health"], interval: 10s}
  ssdb:
    image: ` + imageSSDB + `
    ports: ["` + itoa(ssdbPort) + `:8888"]
    health: {cmd: ["/standin", "health"], interval: 10s}
services:
  indexer:
    repo: ` + e.workerRepo("indexer", files) + `
    setup: ["go build -o worker ."]
    setup_when: [main.go, go.mod, go.sum]
    run: ./worker
    env:
      ES_URL: "http://${CRISPIFY_HOST}:` + itoa(esPort) + `"
      SSDB_ADDR: "${CRISPIFY_HOST}:` + itoa(ssdbPort) + `"
      MONGO_URL: "mongodb://${CRISPIFY_HOST}:` + itoa(mongoPort) + `"
    needs: [elasticsearch, mongodb, ssdb]
    ready: {log: "consuming"}
`)
	e.crispify("-d").must(t, 0)
	if log := e.workerLog("indexer"); !strings.Contains(log, "mongodb: stored batch 0 (0 documents)") || !strings.Contains(log, "found it back") {
		t.Fatalf("the indexer did not store and find its batch:\n%s", log)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:" + itoa(mongoPort)).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	n, err := client.Database("indexer").Collection("batches").CountDocuments(ctx, bson.D{{Key: "batch", Value: 0}})
	if err != nil || n != 1 {
		t.Errorf("FerretDB holds %d first batches (%v), want the indexer's 1", n, err)
	}
}
