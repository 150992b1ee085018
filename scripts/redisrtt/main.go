// Command redisrtt times Redis round trips: PINGs, one at a time on one
// connection, and prints the median and the 90th percentile in
// microseconds, for scripts/bench-remote.sh.
//
//	redisrtt -addr 127.0.0.1:6379 -n 2000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "Redis `host:port`")
	n := flag.Int("n", 2000, "round trips to time")
	flag.Parse()
	c, err := net.DialTimeout("tcp", *addr, 5*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisrtt:", err)
		os.Exit(1)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	ping := []byte("*1\r\n$4\r\nPING\r\n")
	took := make([]time.Duration, 0, *n)
	for i := range *n + 100 { // the first 100 warm the path up
		start := time.Now()
		if _, err := c.Write(ping); err != nil {
			fmt.Fprintln(os.Stderr, "redisrtt:", err)
			os.Exit(1)
		}
		line, err := r.ReadString('\n')
		if err != nil || line != "+PONG\r\n" {
			fmt.Fprintf(os.Stderr, "redisrtt: reply %q: %v\n", line, err)
			os.Exit(1)
		}
		if i >= 100 {
			took = append(took, time.Since(start))
		}
	}
	slices.Sort(took)
	fmt.Printf("%d %d\n", took[len(took)/2].Microseconds(), took[len(took)*9/10].Microseconds())
}
