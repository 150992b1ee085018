package repos

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(t, "api", small)
	for _, via := range transports() {
		spec := f.spec(t, via, "api")
		if err := Probe(background(t), spec); err != nil {
			t.Errorf("%s: probe of a reachable repo: %v", via, err)
		}
		spec.Branch = "nope"
		if err := Probe(background(t), spec); !errors.Is(err, ErrBranchNotFound) {
			t.Errorf("%s: probe of a missing branch: %v, want ErrBranchNotFound", via, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://bob:secret@" + l.Addr().String() + "/api.git"
	l.Close()
	err = Probe(background(t), Spec{Name: "api", URL: closed, Branch: "master"})
	if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "secret") {
		t.Errorf("probe of a closed port: %v, want ErrUnreachable without the password", err)
	}
}
