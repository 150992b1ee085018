// Command billing is a demo worker: it needs MySQL (MariaDB) and reads the
// server's greeting at start, then "processes invoices" every few seconds.
package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"time"
)

func main() {
	log.SetFlags(log.Ltime)
	addr := os.Getenv("MYSQL_ADDR")
	if addr == "" {
		addr = "127.0.0.1:3306"
	}
	version, err := greeting(addr)
	if err != nil {
		log.Fatalf("mysql at %s: %v", addr, err)
	}
	log.Printf("mysql %s answers", version)
	log.Printf("billing worker started")
	for n := 1; ; n++ {
		time.Sleep(5 * time.Second)
		log.Printf("processed %d invoices", n*3)
	}
}

// greeting reads the MySQL protocol's initial handshake packet and returns
// the server version it announces.
func greeting(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 256)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	// 3 bytes length, 1 sequence, 1 protocol version, then a NUL-ended version.
	if n < 6 || buf[4] != 10 {
		return "", fmt.Errorf("not a MySQL handshake (%d bytes)", n)
	}
	end := 5
	for end < n && buf[end] != 0 {
		end++
	}
	return string(buf[5:end]), nil
}
