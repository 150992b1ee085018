package repos

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// TestMain keeps the tests away from the user's git settings and
// credentials, and makes the commits they create reproducible.
func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"GIT_CONFIG_GLOBAL":   os.DevNull,
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME":     "crispify test", "GIT_AUTHOR_EMAIL": "test@crispify.invalid",
		"GIT_COMMITTER_NAME": "crispify test", "GIT_COMMITTER_EMAIL": "test@crispify.invalid",
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{EnvToken, EnvUser, "GIT_CONFIG_COUNT", "GIT_SSH_COMMAND", "GIT_DIR", "GIT_WORK_TREE"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// backends are what every behaviour test runs against.
func backends() []Backend { return []Backend{NewGoGit(), NewCLI(), NewAuto()} }

// forEachBackend runs test once per backend, in parallel.
func forEachBackend(t *testing.T, test func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.Name(), func(t *testing.T) {
			t.Parallel()
			test(t, b)
		})
	}
}

// git runs the git command for a test and returns its trimmed stdout.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return gitIn(t, dir, nil, args...)
}

func gitIn(t testing.TB, dir string, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// repoShape says what a generated repo holds.
type repoShape struct {
	files, commits int
	fileSize       int  // bytes per file; default a few lines
	random         bool // incompressible content, for big repos
}

// makeBare creates the bare repo dir with shape's files and commits on
// master, through git fast-import: one process, however many commits.
func makeBare(t testing.TB, dir string, shape repoShape) {
	t.Helper()
	git(t, "", "init", "-q", "--bare", "--initial-branch=master", dir)
	var s bytes.Buffer
	when := int64(1_700_000_000)
	for c := range shape.commits {
		when += 60 // increasing dates keep history walks honest
		fmt.Fprintf(&s, "commit refs/heads/master\ncommitter T <t@crispify.invalid> %d +0000\n", when)
		msg := fmt.Sprintf("commit %d", c)
		fmt.Fprintf(&s, "data %d\n%s\n", len(msg), msg)
		for f := range shape.files {
			// The first commit creates every file, the others change a few.
			if c > 0 && f%shape.commits != c {
				continue
			}
			body := fileBody(shape, f, c)
			fmt.Fprintf(&s, "M 100644 inline %s\ndata %d\n", filePath(f), len(body))
			s.Write(body)
			s.WriteByte('\n')
		}
	}
	gitIn(t, dir, s.Bytes(), "fast-import", "--quiet")
}

func filePath(f int) string { return fmt.Sprintf("src/dir%d/file%d.txt", f%8, f) }

func fileBody(shape repoShape, f, c int) []byte {
	if shape.random {
		b := make([]byte, shape.fileSize)
		rand.Read(b)
		return b
	}
	body := fmt.Sprintf("file %d, version %d\n%s", f, c, strings.Repeat("some line of text\n", 3))
	if shape.fileSize > len(body) {
		body += strings.Repeat("x", shape.fileSize-len(body))
	}
	return []byte(body)
}

// commitTo adds one commit to branch of the bare repo, writing files (path
// -> content; "" deletes), dated now so that it is newer than the fixture's.
func commitTo(t testing.TB, bare, branch, msg string, files map[string]string) {
	t.Helper()
	var s bytes.Buffer
	fmt.Fprintf(&s, "commit refs/heads/%s\ncommitter T <t@crispify.invalid> %d +0000\n", branch, time.Now().Unix())
	fmt.Fprintf(&s, "data %d\n%s\nfrom refs/heads/%s^0\n", len(msg), msg, branch)
	for p, body := range files {
		if body == "" {
			fmt.Fprintf(&s, "D %s\n", p)
			continue
		}
		fmt.Fprintf(&s, "M 100644 inline %s\ndata %d\n%s\n", p, len(body), body)
	}
	gitIn(t, bare, s.Bytes(), "fast-import", "--quiet")
}

// fixture is a folder of bare repos, served over file:// and git://, and a
// workspace to clone them into.
type fixture struct {
	root, ws string
	daemon   string // git://127.0.0.1:PORT, once served
	// made holds the first bare repo of each shape: the next ones are
	// copies, since starting git costs more than copying a few files.
	made map[repoShape]string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{root: filepath.Join(dir, "remote"), ws: filepath.Join(dir, "ws"), made: map[repoShape]string{}}
	if err := os.MkdirAll(f.root, 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

// add creates the bare repo name.git.
func (f *fixture) add(t testing.TB, name string, shape repoShape) string {
	t.Helper()
	bare := filepath.Join(f.root, name+".git")
	if first, ok := f.made[shape]; ok {
		if err := os.CopyFS(bare, os.DirFS(first)); err != nil {
			t.Fatal(err)
		}
		return bare
	}
	makeBare(t, bare, shape)
	f.made[shape] = bare
	return bare
}

// url is the URL of repo name over file or git (the daemon).
func (f *fixture) url(t testing.TB, via, name string) string {
	t.Helper()
	switch via {
	case "file":
		return "file://" + filepath.ToSlash(filepath.Join(f.root, name+".git"))
	case "git":
		if f.daemon == "" {
			f.daemon = serveDaemon(t, f.root)
		}
		return f.daemon + "/" + name + ".git"
	}
	t.Fatalf("unknown transport %q", via)
	return ""
}

// spec is the spec of repo name cloned into the workspace.
func (f *fixture) spec(t testing.TB, via, name string) Spec {
	return Spec{Name: name, URL: f.url(t, via, name), Branch: "master", Dir: filepath.Join(f.ws, name)}
}

// transports are the ways tests reach their remotes.
func transports() []string { return []string{"file", "git"} }

// serveDaemon serves root with git daemon on a free port of 127.0.0.1 until
// the test ends, and returns its base URL once it accepts connections.
func serveDaemon(t testing.TB, root string) string {
	t.Helper()
	// The git-daemon program itself: `git daemon` would run it as a child,
	// which killing git leaves serving forever.
	daemon := filepath.Join(gitExecPath(t), "git-daemon")
	for range 5 {
		port := freePort(t)
		cmd := exec.Command(daemon, "--export-all", "--reuseaddr", "--informative-errors",
			"--base-path="+root, "--listen=127.0.0.1", "--port="+port, root)
		if err := cmd.Start(); err != nil {
			t.Fatalf("git daemon: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		if waitAccepting(net.JoinHostPort("127.0.0.1", port), exited) {
			return "git://127.0.0.1:" + port
		}
		// Another process took the port between asking and listening.
	}
	t.Fatal("git daemon did not start")
	return ""
}

func waitAccepting(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// closedPort is a port of 127.0.0.1 nothing listens on: 1, which only root
// could bind and nothing does, rather than a free port that a git daemon of
// a parallel test might take meanwhile.
func closedPort(t testing.TB) string {
	t.Helper()
	if c, err := net.DialTimeout("tcp", "127.0.0.1:1", time.Second); err == nil {
		c.Close()
		t.Fatal("something listens on 127.0.0.1:1; the tests need it closed")
	}
	return "1"
}

// serveHTTP serves root over git's smart HTTP (git http-backend) and demands
// the basic auth user:password. It returns the base URL, without
// credentials.
func serveHTTP(t testing.TB, root, user, password string) string {
	t.Helper()
	return serveGit(t, root, user, password, false).URL
}

// gitServer is git's smart HTTP on 127.0.0.1, over http or https, that
// records the Authorization header of every request it gets.
type gitServer struct {
	URL    string
	CAFile string // the certificate to trust, over https

	mu    sync.Mutex
	auths []string
}

// authorizations returns the Authorization headers received, "" for a
// request without one.
func (g *gitServer) authorizations() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.auths...)
}

func serveGit(t testing.TB, root, user, password string, tls bool) *gitServer {
	t.Helper()
	backend := &cgi.Handler{
		Path: gitExecPath(t) + "/git-http-backend",
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	g := &gitServer{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.auths = append(g.auths, r.Header.Get("Authorization"))
		g.mu.Unlock()
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(handler)
		g.CAFile = filepath.Join(t.TempDir(), "ca.pem")
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(g.CAFile, block, 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		srv = httptest.NewServer(handler)
	}
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

func gitExecPath(t testing.TB) string { return git(t, "", "--exec-path") }

// recorder is a sink that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) Emit(e event.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.events...)
}

// of returns the events of one repo.
func (r *recorder) of(name string) []event.Event {
	var out []event.Event
	for _, e := range r.all() {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// snapshot hashes every file and symlink under dir, .git included, except
// the paths skip says to leave out.
func snapshot(t testing.TB, dir string, skip func(rel string) bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if skip != nil && skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			out[rel+"/"] = info.Mode().String()
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			out[rel] = info.Mode().String() + " " + hex.EncodeToString(sum[:])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameSnapshot fails the test with the paths that differ.
func sameSnapshot(t testing.TB, before, after map[string]string) {
	t.Helper()
	var diff []string
	for p, h := range before {
		if after[p] != h {
			diff = append(diff, "changed or removed: "+p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diff = append(diff, "added: "+p)
		}
	}
	if len(diff) > 0 {
		t.Errorf("working copy changed:\n%s", strings.Join(diff, "\n"))
	}
}

// leftovers lists what in dir looks like a temporary clone folder.
func leftovers(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".crispify-clone-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func background(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
