package load

import (
	"syscall"
	"testing"
)

// BenchmarkSample is one sample of this machine's whole process table: the
// cost of a tick, every 2 s while a board looks.
func BenchmarkSample(b *testing.B) {
	s := New()
	groups := Groups{"self": {syscall.Getpgrp()}}
	b.ReportAllocs()
	for b.Loop() {
		s.Sample(groups)
	}
}
