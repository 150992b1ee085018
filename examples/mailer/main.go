// Command mailer is a demo worker that needs another service: it asks the
// api for its health at start, then "sends mail" now and then.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	log.SetFlags(log.Ltime)
	api := os.Getenv("API_URL")
	if api == "" {
		api = "http://127.0.0.1:8080"
	}
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(api + "/health")
	if err != nil {
		log.Fatalf("api at %s: %v", api, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		log.Fatalf("api at %s: health answered %s", api, resp.Status)
	}
	fmt.Println("mailer ready")
	for n := 1; ; n++ {
		time.Sleep(11 * time.Second)
		log.Printf("sent %d mails", n)
	}
}
