package e2e

import (
	"encoding/pem"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// gitHTTP serves bare repos over git's smart HTTP (git http-backend behind
// net/http/cgi) on 127.0.0.1, over http or https. Each repo may demand its
// own basic auth; every request's Authorization header is recorded.
type gitHTTP struct {
	URL    string // base, without credentials
	CAFile string // over https, the certificate to trust

	mu    sync.Mutex
	auth  map[string][2]string // repo (api.git) -> user, password demanded
	heard map[string][]string  // repo -> Authorization headers received, "" for none
}

func serveGitHTTP(t *testing.T, root string, tls bool) *gitHTTP {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(out)), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	g := &gitHTTP{auth: map[string][2]string{}, heard: map[string][]string{}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repo := strings.SplitN(strings.TrimPrefix(path.Clean(r.URL.Path), "/"), "/", 2)[0]
		g.mu.Lock()
		g.heard[repo] = append(g.heard[repo], r.Header.Get("Authorization"))
		want, demands := g.auth[repo]
		g.mu.Unlock()
		if demands {
			if u, p, ok := r.BasicAuth(); !ok || u != want[0] || p != want[1] {
				w.Header().Set("WWW-Authenticate", `Basic realm="e2e"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		backend.ServeHTTP(w, r)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(handler)
		g.CAFile = filepath.Join(t.TempDir(), "ca.pem")
		cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(g.CAFile, cert, 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		srv = httptest.NewServer(handler)
	}
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// demand makes repo answer only to user:password.
func (g *gitHTTP) demand(repo, user, password string) {
	g.mu.Lock()
	g.auth[repo] = [2]string{user, password}
	g.mu.Unlock()
}

// host is the server's host:port.
func (g *gitHTTP) host() string {
	return strings.TrimPrefix(strings.TrimPrefix(g.URL, "https://"), "http://")
}

// authorizations returns what repo was sent as Authorization, by request.
func (g *gitHTTP) authorizations(repo string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.heard[repo]...)
}
