package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// argvSampler reads the command line of every process on the machine, over
// and over, for as long as a test runs: what `ps` would show any user.
type argvSampler struct {
	mu   sync.Mutex
	seen map[string]bool
	stop chan struct{}
	done chan struct{}
}

func sampleArgv(every time.Duration) *argvSampler {
	s := &argvSampler{seen: map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	self := strconv.Itoa(os.Getpid())
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
			for _, p := range paths {
				if strings.HasPrefix(p, "/proc/"+self+"/") {
					continue
				}
				b, err := os.ReadFile(p)
				if err != nil || len(b) == 0 {
					continue
				}
				argv := strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
				s.mu.Lock()
				s.seen[argv] = true
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// list stops the sampling and returns every command line seen.
func (s *argvSampler) list() []string {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.seen))
	for a := range s.seen {
		out = append(out, a)
	}
	return out
}
