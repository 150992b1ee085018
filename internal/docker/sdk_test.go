package docker

import "testing"

func TestStatusTextOfAList(t *testing.T) {
	for status, want := range map[string]int{
		"Exited (7) 3 seconds ago":   7,
		"Exited (137) 2 minutes ago": 137,
		"Exited (0) 1 second ago":    0,
		"Up 3 minutes (healthy)":     0,
		"Created":                    0,
	} {
		if got := exitFromStatus(status); got != want {
			t.Errorf("exitFromStatus(%q) = %d, want %d", status, got, want)
		}
	}
}
