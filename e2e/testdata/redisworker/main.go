// Command redisworker is the remote-engine tests' worker: it talks to Redis
// at REDIS_ADDR without stopping, as a service would, reconnecting when the
// connection breaks. It prints the server's maxmemory once (which the
// test's bind-mounted config sets), "redis ok N" after its first
// increment, after each reconnect and every 20th one, and "redis error:
// ..." when a call fails.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	addr := os.Getenv("REDIS_ADDR")
	var conn net.Conn
	var r *bufio.Reader
	saidConfig, fresh, n := false, true, 0
	for {
		if conn == nil {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				fmt.Printf("redis error: %v; reconnecting\n", err)
				time.Sleep(200 * time.Millisecond)
				continue
			}
			conn, r, fresh = c, bufio.NewReader(c), true
		}
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		if !saidConfig {
			reply, err := call(conn, r, "CONFIG", "GET", "maxmemory")
			if err != nil {
				conn, _ = closeAfter(conn, err)
				continue
			}
			fmt.Printf("maxmemory=%s\n", reply)
			saidConfig = true
		}
		reply, err := call(conn, r, "INCR", "crispify-e2e-counter")
		if err != nil {
			conn, _ = closeAfter(conn, err)
			continue
		}
		n++
		if fresh || n%20 == 0 {
			fmt.Printf("redis ok %s\n", reply)
			fresh = false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func closeAfter(c net.Conn, err error) (net.Conn, error) {
	fmt.Printf("redis error: %v; reconnecting\n", err)
	c.Close()
	time.Sleep(200 * time.Millisecond)
	return nil, err
}

// call sends one command in RESP and reads its reply: an integer, or the
// last element of an array of bulk strings (CONFIG GET's value).
func call(c net.Conn, r *bufio.Reader, args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, ":"):
		return line[1:], nil
	case strings.HasPrefix(line, "-"):
		return "", fmt.Errorf("server said %s", line[1:])
	case strings.HasPrefix(line, "*"):
		last := ""
		var count int
		fmt.Sscanf(line[1:], "%d", &count)
		for range count * 2 { // $len line, then the value
			l, err := r.ReadString('\n')
			if err != nil {
				return "", err
			}
			if l = strings.TrimRight(l, "\r\n"); !strings.HasPrefix(l, "$") {
				last = l
			}
		}
		return last, nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
