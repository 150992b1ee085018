package cli

import (
	"slices"
	"testing"
)

func TestTopRows(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	u := func(v uint64) *uint64 { return &v }
	rows := []StatusRow{
		{Kind: "repo", Name: "api"},
		{Kind: "infra", Name: "redis", CPU: f(3), Memory: u(900)},
		{Kind: "worker", Name: "api", CPU: f(97), Memory: u(100)},
		{Kind: "worker", Name: "mailer"}, // stopped: no figures
		{Kind: "worker", Name: "billing", CPU: f(3), Memory: u(500)},
	}
	names := func(rs []StatusRow) (out []string) {
		for _, r := range rs {
			out = append(out, r.Kind+" "+r.Name)
		}
		return out
	}
	if got, want := names(topRows(rows, false)), []string{"worker api", "infra redis", "worker billing"}; !slices.Equal(got, want) {
		t.Errorf("by CPU: %q, want %q", got, want)
	}
	if got, want := names(topRows(rows, true)), []string{"infra redis", "worker billing", "worker api"}; !slices.Equal(got, want) {
		t.Errorf("by memory: %q, want %q", got, want)
	}
}
