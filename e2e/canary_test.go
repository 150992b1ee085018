package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCanarySecretsNeverShow plants a distinct secret in every place a
// developer puts one (a token as a URL's user, a URL password with @, # and
// /, CRISPIFY_GIT_TOKEN, an env value named *_PASSWORD, an env_file), runs
// every command in every output mode, and then looks for them in stdout,
// stderr, every file of the workspace (.git/config included), the board on
// a real terminal and the argv of every process seen meanwhile: they are
// nowhere but in the worker's own environment, which did get them. The git
// servers are real (git http-backend) and record what they are sent: the
// token goes to its https host only, never to a plain http one.
func TestCanarySecretsNeverShow(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "canary")
	var b [4]byte
	rand.Read(b[:])
	sfx := hex.EncodeToString(b[:])
	c := struct{ urlUser, urlPass, token, envPass, envFile, badPass string }{
		urlUser: "c1urluser" + sfx,
		urlPass: "p@ss#w/0rd-c2" + sfx,
		token:   "c3gittoken" + sfx,
		envPass: "c4dbpassword" + sfx,
		envFile: "c5envfile" + sfx,
		badPass: "c6wrongpass" + sfx,
	}
	basic := func(user, pass string) string {
		return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	}
	needles := map[string]string{
		"token as URL user": c.urlUser, "URL password": c.urlPass, "URL password as written": url.QueryEscape(c.urlPass),
		"CRISPIFY_GIT_TOKEN": c.token, "env *_PASSWORD": c.envPass, "env_file": c.envFile, "a wrong URL password": c.badPass,
		"basic auth of the URL user": basic(c.urlUser, ""), "basic auth of the URL password": basic("bob", c.urlPass),
		"basic auth of the token": basic("oauth2", c.token), "basic auth of the wrong password": basic("eve", c.badPass),
	}

	for _, name := range []string{"api", "web", "tok", "plain", "denied"} {
		e.workerRepo(name, nil)
	}
	remotes := filepath.Join(e.dir, "remotes")
	tlsGit := serveGitHTTP(t, remotes, true)
	plainGit := serveGitHTTP(t, remotes, false)
	tlsGit.demand("api.git", c.urlUser, "")
	tlsGit.demand("web.git", "bob", c.urlPass)
	tlsGit.demand("tok.git", "oauth2", c.token)
	tlsGit.demand("denied.git", "eve", "the-right-one")
	e.extraEnv = []string{
		"CRISPIFY_GIT_TOKEN=" + c.token,
		// The plain http host is listed too: the token goes over https only.
		"CRISPIFY_GIT_TOKEN_HOSTS=" + tlsGit.host() + "," + plainGit.host(),
		"GIT_SSL_CAINFO=" + tlsGit.CAFile,
		"GIT_CONFIG_GLOBAL=" + os.DevNull, "GIT_CONFIG_NOSYSTEM=1", // no credential helper of the machine's
	}
	encodedPass := strings.NewReplacer("@", "%40", "#", "%23", "/", "%2F").Replace(c.urlPass)
	e.write(head + redisInfra + `services:
  api:
    repo: https://` + c.urlUser + "@" + tlsGit.host() + `/api.git
    setup: ["go build -o worker ."]
    setup_when: [main.go]
    run: ./worker
    env: {DB_PASSWORD: "` + c.envPass + `", WORKER_HASH: "DB_PASSWORD,API_SECRET", WORKER_SAY: api up}
    env_file: .env
    needs: [redis]
    ready: {log: "api up"}
  web:
    repo: https://bob:` + encodedPass + "@" + tlsGit.host() + `/web.git
  tok:
    repo: https://` + tlsGit.host() + `/tok.git
  plain:
    repo: http://` + plainGit.host() + `/plain.git
`)
	denied := filepath.Join(e.dir, "denied.yaml")
	os.WriteFile(denied, []byte(strings.ReplaceAll(head, "{{project}}", e.project)+
		"services:\n  denied:\n    repo: https://eve:"+c.badPass+"@"+tlsGit.host()+"/denied.git\n"), 0o644)

	argv := sampleArgv(10 * time.Millisecond)
	var shown []string // what every command printed, labelled
	run := func(want int, args ...string) result {
		t.Helper()
		r := e.crispify(args...)
		shown = append(shown, fmt.Sprintf("crispify %q stdout:\n%s", args, r.stdout), fmt.Sprintf("crispify %q stderr:\n%s", args, r.stderr))
		if want >= 0 && r.code != want {
			t.Errorf("crispify %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, r.code, want, r.stdout, r.stderr)
		}
		return r
	}

	run(0, "repos")
	envFile := filepath.Join(e.dir, "ws", "api", ".env")
	if err := os.WriteFile(envFile, []byte("# the developer's own\nAPI_SECRET="+c.envFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run(0, "validate")
	run(0, "validate", "--output", "json")
	run(0, "repos", "--update", "--output", "json")
	run(0, "-v", "repos", "--update")
	run(0, "repos", "--update", "--git", "go-git")
	for _, args := range [][]string{{"repos"}, {"repos", "--output", "json"}, {"-v", "repos"}} {
		run(1, append([]string{"-f", denied}, args...)...)
	}
	run(-1, "doctor")
	run(-1, "-v", "doctor", "--output", "json")

	run(0, "local", "-d")
	run(0, "status")
	run(0, "status", "--json")
	run(-1, "-v", "status")
	run(0, "logs")
	run(0, "logs", "--tail", "20", "--output", "json", "api")

	// The worker got every secret: its environment holds them, and it
	// printed their hashes (not them) to prove it.
	pids := e.pids("api")
	if len(pids) == 0 {
		t.Fatalf("no worker pid in its log:\n%s", e.workerLog("api"))
	}
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(pids[len(pids)-1]) + "/environ")
	if err != nil {
		t.Fatalf("read the worker's environment: %v", err)
	}
	for _, kv := range []string{"DB_PASSWORD=" + c.envPass, "API_SECRET=" + c.envFile} {
		if !slices.Contains(strings.Split(string(environ), "\x00"), kv) {
			t.Errorf("the worker's environment lacks %s", strings.SplitN(kv, "=", 2)[0])
		}
	}
	for name, value := range map[string]string{"DB_PASSWORD": c.envPass, "API_SECRET": c.envFile} {
		if want := fmt.Sprintf("%s sha256=%x", name, sha256.Sum256([]byte(value))); !strings.Contains(e.workerLog("api"), want) {
			t.Errorf("the worker did not see the real %s: no %q in its log", name, want)
		}
	}

	// The board, on a real terminal: every row, and the worker's log.
	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest+" status --watch")
	board := tm.waitFor(60*time.Second, `api\s+✓ ready`)
	selected := regexp.MustCompile(`▸ api\s+✓ ready`)
	for i := 0; i < 12 && !selected.MatchString(tm.screen()); i++ {
		tm.keys("Down")
		time.Sleep(200 * time.Millisecond)
	}
	tm.keys("Enter")
	logView := tm.waitFor(10*time.Second, `log of worker api`, `── ready`)
	tm.keys("Escape")
	tm.waitFor(10*time.Second, `ready 1/1`)
	tm.keys("q")
	tm.waitFor(30*time.Second, `EXIT=0`)
	shown = append(shown, "the board:\n"+board, "the worker's log on the board:\n"+logView)

	run(0, "down", "--volumes", "--yes")
	run(0, "local", "-d", "--output", "json")
	run(0, "down", "--volumes", "--yes", "--output", "json")
	run(0, "-v", "local", "-d")
	run(0, "-v", "down", "--volumes", "--yes")
	seen := argv.list()

	// Nowhere: output, files, argv.
	for what, needle := range needles {
		for _, s := range shown {
			if i := strings.Index(s, needle); i >= 0 {
				t.Errorf("the %s shows in %s", what, firstLineOf(s))
			}
		}
		for _, a := range seen {
			if strings.Contains(a, needle) {
				t.Errorf("the %s is in the argv of a process: %s", what, a)
			}
		}
	}
	files := 0
	filepath.WalkDir(filepath.Join(e.dir, "ws"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || p == envFile {
			return nil // the env_file is the developer's own copy of its secret
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		for what, needle := range needles {
			if strings.Contains(string(b), needle) {
				t.Errorf("the %s is in %s", what, p)
			}
		}
		return nil
	})
	if files < 20 {
		t.Errorf("only %d files searched in the workspace", files)
	}
	for _, repo := range []string{"api", "web", "tok", "plain"} {
		b, _ := os.ReadFile(filepath.Join(e.dir, "ws", repo, ".git", "config"))
		if !strings.Contains(string(b), "url = http") || strings.Contains(string(b), "@") {
			t.Errorf("%s's .git/config has no plain origin:\n%s", repo, b)
		}
	}
	// The sampling saw the git processes it was meant to catch.
	if !slices.ContainsFunc(seen, func(a string) bool { return strings.Contains(a, "git") && strings.Contains(a, tlsGit.host()) }) {
		t.Errorf("no git process reaching %s among the %d command lines sampled: the sampling missed them", tlsGit.host(), len(seen))
	}

	// What the servers were sent: the token to its https host only.
	token := "Basic " + basic("oauth2", c.token)
	if got := tlsGit.authorizations("tok.git"); !slices.Contains(got, token) {
		t.Errorf("the listed https host never got the token: %q", got)
	}
	if got := tlsGit.authorizations("api.git"); !slices.Contains(got, "Basic "+basic(c.urlUser, "")) {
		t.Errorf("the token written as the URL's user was never sent as auth: %q", got)
	}
	for _, repo := range []string{"api.git", "web.git", "denied.git"} {
		if slices.Contains(tlsGit.authorizations(repo), token) {
			t.Errorf("%s, which has credentials of its own, was sent the token", repo)
		}
	}
	if got := plainGit.authorizations("plain.git"); len(got) == 0 || slices.ContainsFunc(got, func(h string) bool { return h != "" }) {
		t.Errorf("the plain http host was sent credentials (or never asked): %q", got)
	}
}

func firstLineOf(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
