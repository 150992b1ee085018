// Command worker is the e2e tests' worker, configured by its environment:
//
//	WORKER_DIAL         comma-separated addresses it must reach at start, or it exits 2
//	WORKER_LISTEN       a port to listen on, on 127.0.0.1
//	WORKER_SAY          a line to print once up
//	WORKER_EXIT_AFTER   a duration after which it exits with WORKER_EXIT_CODE (default 3)
//	WORKER_CHILD        when set, it starts a grandchild that sleeps, in its process group
//	WORKER_IGNORE_TERM  when set, it ignores SIGTERM
//	WORKER_SHOW         comma-separated variables whose values it prints, as NAME=VALUE
//	WORKER_HASH         comma-separated variables whose values it prints as NAME sha256=HEX,
//	                    so that a test proves it got a secret without the secret being printed
//	WORKER_FLOOD        bytes of output it prints as fast as it can, in lines of 100,
//	                    then "flood done"; once the file WORKER_FLOOD_WHEN exists, if set
//	WORKER_RATE         lines a second it prints (of 100 bytes, numbered) ...
//	WORKER_RATE_FOR     ... for this long, then "rate done N"
//
// It prints "pid=N" (and "child=N") first, so that tests know its processes.
package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	fmt.Printf("pid=%d\n", os.Getpid())
	if os.Getenv("WORKER_IGNORE_TERM") != "" {
		signal.Ignore(syscall.SIGTERM)
	}
	if os.Getenv("WORKER_CHILD") != "" {
		child := exec.Command("sleep", "600")
		if err := child.Start(); err != nil {
			fmt.Println("start child:", err)
			os.Exit(1)
		}
		fmt.Printf("child=%d\n", child.Process.Pid)
	}
	for _, addr := range strings.Split(os.Getenv("WORKER_DIAL"), ",") {
		if addr == "" {
			continue
		}
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			fmt.Printf("cannot reach %s: %v\n", addr, err)
			os.Exit(2)
		}
		c.Close()
		fmt.Printf("reached %s\n", addr)
	}
	if port := os.Getenv("WORKER_LISTEN"); port != "" {
		l, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			fmt.Println("listen:", err)
			os.Exit(1)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	for _, name := range list("WORKER_SHOW") {
		fmt.Printf("%s=%s\n", name, os.Getenv(name))
	}
	for _, name := range list("WORKER_HASH") {
		fmt.Printf("%s sha256=%x\n", name, sha256.Sum256([]byte(os.Getenv(name))))
	}
	if say := os.Getenv("WORKER_SAY"); say != "" {
		fmt.Println(say)
	}
	if n, _ := strconv.Atoi(os.Getenv("WORKER_FLOOD")); n > 0 {
		for when := os.Getenv("WORKER_FLOOD_WHEN"); when != ""; time.Sleep(50 * time.Millisecond) {
			if _, err := os.Stat(when); err == nil {
				break
			}
		}
		flood(n)
	}
	if rate, _ := strconv.Atoi(os.Getenv("WORKER_RATE")); rate > 0 {
		d, _ := time.ParseDuration(os.Getenv("WORKER_RATE_FOR"))
		atRate(rate, d)
	}
	if after := os.Getenv("WORKER_EXIT_AFTER"); after != "" {
		d, err := time.ParseDuration(after)
		if err != nil {
			fmt.Println("WORKER_EXIT_AFTER:", err)
			os.Exit(1)
		}
		time.Sleep(d)
		code, _ := strconv.Atoi(os.Getenv("WORKER_EXIT_CODE"))
		if code == 0 {
			code = 3
		}
		fmt.Printf("exiting with %d\n", code)
		os.Exit(code)
	}
	select {}
}

func list(name string) []string {
	var out []string
	for _, v := range strings.Split(os.Getenv(name), ",") {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// flood writes n bytes in lines of 100, through a buffer: as fast as a
// worker gone chatty can.
func flood(n int) {
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	line := strings.Repeat("x", 90)
	for i := 0; i < n; i += 100 {
		fmt.Fprintf(w, "%08d %s\n", i/100, line)
	}
	w.Flush()
	fmt.Println("flood done")
}

// atRate writes rate numbered lines of 100 bytes a second for d, in ticks
// of 10 ms, then how many it wrote.
func atRate(rate int, d time.Duration) {
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	pad := strings.Repeat("y", 82)
	start, n := time.Now(), 0
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for now := range tick.C {
		el := now.Sub(start)
		if el >= d {
			break
		}
		for want := int(el.Seconds() * float64(rate)); n < want; n++ {
			fmt.Fprintf(w, "line %010d %s\n", n, pad)
		}
		w.Flush()
	}
	for want := int(d.Seconds() * float64(rate)); n < want; n++ {
		fmt.Fprintf(w, "line %010d %s\n", n, pad)
	}
	w.Flush()
	fmt.Printf("rate done %d\n", n)
}
