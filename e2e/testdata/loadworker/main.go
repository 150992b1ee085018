// Command loadworker is the e2e tests' worker of known load: it burns a
// core until a file appears, or has a child of its process group hold
// memory, so that the figures and the sick verdict crispify gives it can
// be checked.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"
)

func main() {
	burnUntil := flag.String("burn-until", "", "burn a core until this file exists, then idle")
	hold := flag.Int("hold", 0, "allocate and touch this many MiB, then idle")
	childHold := flag.Int("child-hold", 0, "start a child (same process group) that holds this many MiB, then idle")
	flag.Parse()
	switch {
	case *burnUntil != "":
		fmt.Println("burning")
		for n := 0; ; n++ {
			if n%1_000_000 == 0 {
				if _, err := os.Stat(*burnUntil); err == nil {
					break
				}
			}
		}
		fmt.Println("calm")
	case *hold > 0:
		held = make([]byte, *hold<<20)
		for i := range held {
			held[i] = byte(i) // touched: resident, not just reserved
		}
		fmt.Printf("held %d MiB\n", *hold)
	case *childHold > 0:
		child := exec.Command(os.Args[0], "-hold", fmt.Sprint(*childHold))
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Printf("child pid=%d\n", child.Process.Pid)
	}
	idle()
}

// held is package-level so that the collector never frees it.
var held []byte

func idle() {
	for {
		time.Sleep(time.Hour)
	}
}
