package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// These tests feed the loader what a hostile or badly broken file could
// hold, and check that it answers in bounded time.

// A large file full of mistakes is still reported quickly: suggestions and
// name lists are bounded.
func TestManyMistakesStayFast(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\nservices:\n")
	for i := 0; i < 4000; i++ {
		fmt.Fprintf(&b, "  service%04d: {repo: r, needs: [nope%04da, nope%04db, service%04d], repoo: x}\n", i, i, i, (i+1)%4000)
	}
	start := time.Now()
	_, err := Parse([]byte(b.String()), "m.yaml", Options{Workspace: t.TempDir()})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse took %v", d)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) < 3*4000 {
		t.Fatalf("got %d diagnostics (%T), want at least %d", len(errs), err, 3*4000)
	}
}

func TestAliasBomb(t *testing.T) {
	// Each level names the previous one ten times: expanded, 10^9 strings.
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\nx-0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("x-" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("services:\n  api: {repo: r, setup: *a8, needs: *a8}\n")
	start := time.Now()
	_, err := Parse([]byte(b.String()), "m.yaml", Options{})
	if time.Since(start) > 5*time.Second {
		t.Errorf("Parse took %v", time.Since(start))
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want Errors", err)
	}
}

func TestMergeBomb(t *testing.T) {
	// Each map merges the previous one ten times, sixteen levels deep.
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\nx-0: &m0 {repo: r}\n")
	for i := 1; i <= 16; i++ {
		fmt.Fprintf(&b, "x-%d: &m%d {<<: [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*m%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("services:\n  api: {<<: *m16}\n")
	start := time.Now()
	_, err := Parse([]byte(b.String()), "m.yaml", Options{})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse took %v", d)
	}
	if err == nil || !strings.Contains(err.Error(), "manifest too large") {
		t.Errorf("err = %v, want the budget reported", err)
	}
}
