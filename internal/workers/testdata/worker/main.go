// Command worker is a test fixture of package workers: a worker process
// whose behaviour the tests choose with flags.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		prints     = flag.String("print", "", "lines to print at start, separated by |")
		delay      = flag.Duration("delay", 0, "wait this long before listening")
		listen     = flag.Int("listen", 0, "TCP port to accept connections on")
		serveHTTP  = flag.Int("http", 0, "port to answer HTTP 200 on")
		ready      = flag.String("ready", "", "line to print once listening (after -delay)")
		exitCode   = flag.Int("exit", -1, "exit with this code after -after")
		after      = flag.Duration("after", 0, "when to exit with -exit")
		ignoreTerm = flag.Bool("ignore-term", false, "ignore SIGTERM")
		grandchild = flag.Bool("grandchild", false, "start a grandchild that sleeps, in the same group")
		sleep      = flag.Bool("sleep", false, "only sleep (the grandchild)")
		crash      = flag.Int("crash", 0, "exit 1 at once this many runs, counted in -counter")
		counter    = flag.String("counter", "", "file counting runs for -crash")
		spam       = flag.Int("spam", 0, "print this many 100-byte lines")
		env        = flag.String("env", "", "print NAME=value of these variables, comma-separated")
	)
	flag.Parse()
	if *ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	} else {
		signal.Reset(syscall.SIGTERM)
	}
	if *sleep {
		forever()
	}
	if *crash > 0 {
		b, _ := os.ReadFile(*counter)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		n++
		os.WriteFile(*counter, []byte(strconv.Itoa(n)), 0o644)
		if n <= *crash {
			fmt.Printf("crash %d of %d\n", n, *crash)
			os.Exit(1)
		}
	}
	for _, l := range strings.Split(*prints, "|") {
		if l != "" {
			fmt.Println(l)
		}
	}
	for _, name := range strings.Split(*env, ",") {
		if name != "" {
			fmt.Printf("%s=%s\n", name, os.Getenv(name))
		}
	}
	for i := range *spam {
		fmt.Printf("%04d %s\n", i, strings.Repeat("x", 94))
	}
	if *grandchild {
		args := []string{"-sleep"}
		if *ignoreTerm {
			args = append(args, "-ignore-term")
		}
		c := exec.Command(os.Args[0], args...)
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "grandchild:", err)
			os.Exit(2)
		}
		fmt.Printf("grandchild %d\n", c.Process.Pid)
	}
	if *exitCode >= 0 {
		time.AfterFunc(*after, func() {
			fmt.Fprintf(os.Stderr, "exiting with %d\n", *exitCode)
			os.Exit(*exitCode)
		})
	}
	time.Sleep(*delay)
	if *listen > 0 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *listen))
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(2)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	if *serveHTTP > 0 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *serveHTTP))
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(2)
		}
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "ok")
		}))
	}
	if *ready != "" {
		fmt.Println(*ready)
	}
	forever()
}

// forever blocks; a bare select{} would be reported as a deadlock.
func forever() {
	for {
		time.Sleep(time.Hour)
	}
}
