package load

import "testing"

func TestAvailable(t *testing.T) {
	got, ok := availableIn("testdata/meminfo")
	if !ok || got != 2500000*1024 {
		t.Fatalf("availableIn = %d, %v; want %d", got, ok, 2500000*1024)
	}
	if _, ok := Available(); !ok {
		t.Fatal("this machine's MemAvailable not read")
	}
}
