package docker

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/trace"
)

// Every Engine API call goes to the tracer of its context, for -v.
func TestAPICallsAreTraced(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/_ping"):
			w.Write([]byte("OK"))
		case strings.HasSuffix(r.URL.Path, "/version"):
			w.Write([]byte(`{"Version":"20.10.24","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}`))
		default:
			http.NotFound(w, r)
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	var b bytes.Buffer
	ctx := trace.With(context.Background(), trace.New(&b))
	engine, _, err := Connect(ctx, func(k string) string {
		if k == "DOCKER_HOST" {
			return "unix://" + sock
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Version(ctx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"docker HEAD /_ping", "docker GET /v1.41/version"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("trace lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if _, err := engine.Version(context.Background()); err != nil || b.Len() != 0 {
		t.Errorf("a context without a tracer traced %q (%v)", b.String(), err)
	}
}
