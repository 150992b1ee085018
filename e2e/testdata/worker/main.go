// Command worker is the e2e tests' worker, configured by its environment:
//
//	WORKER_DIAL         comma-separated addresses it must reach at start, or it exits 2
//	WORKER_LISTEN       a port to listen on, on 127.0.0.1
//	WORKER_SAY          a line to print once up
//	WORKER_EXIT_AFTER   a duration after which it exits with WORKER_EXIT_CODE (default 3)
//	WORKER_CHILD        when set, it starts a grandchild that sleeps, in its process group
//	WORKER_IGNORE_TERM  when set, it ignores SIGTERM
//
// It prints "pid=N" (and "child=N") first, so that tests know its processes.
package main

import (
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
	if say := os.Getenv("WORKER_SAY"); say != "" {
		fmt.Println(say)
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
