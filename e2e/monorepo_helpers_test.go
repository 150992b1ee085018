package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// shopServices are the services of the shop product (testdata/shop), in
// the order they call each other: orders asks catalogue, payments calls
// orders back.
var shopServices = []string{"catalogue", "orders", "payments"}

// shopRepo makes the shop product (testdata/shop) a bare git repo of one
// commit, with its working copy at src/shop (so that pushCommit("shop",
// ...) pushes upstream commits), and returns its file:// URL. It downloads
// the product's modules first, so that the first setup is not a download,
// and a proxy that cannot serve them fails here, saying so.
func (e *env) shopRepo() string {
	e.t.Helper()
	work := filepath.Join(e.dir, "src", "shop")
	err := filepath.WalkDir("testdata/shop", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/shop", path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(work, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(work, rel), data, 0o644)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	download := exec.Command("go", "mod", "download")
	download.Dir = work
	if out, err := download.CombinedOutput(); err != nil {
		e.t.Fatalf("go mod download in the shop product: %v\n%s", err, out)
	}
	bare := filepath.Join(e.dir, "remotes", "shop.git")
	e.git(work, "init", "-q", "--initial-branch=master")
	e.git(work, "add", ".")
	e.git(work, "-c", "user.name=e2e", "-c", "user.email=e2e@crispify.invalid", "commit", "-qm", "the shop")
	e.git(e.dir, "clone", "-q", "--bare", work, bare)
	return "file://" + bare
}

// shop is the manifest of the shop product: RabbitMQ on the local image
// with the health check most compose files use, and the three services in
// one repository, each in its own dir, with no setup_when.
type shop struct {
	url                       string
	rabbit, catalogue, orders int               // host ports
	setup                     map[string]string // a service's setup list, in YAML, instead of its go build
	extra                     map[string]string // more lines of a service's entry
	noRun                     bool              // clone only: no infra, setup or run
}

// newShop makes the shop's repo and picks free host ports for RabbitMQ,
// catalogue and orders.
func (e *env) newShop() *shop {
	e.t.Helper()
	return &shop{
		url:    e.shopRepo(),
		rabbit: freePort(e.t), catalogue: freePort(e.t), orders: freePort(e.t),
		setup: map[string]string{}, extra: map[string]string{},
	}
}

// manifest is the text of the shop's crispify.yaml.
func (s *shop) manifest() string {
	text := head
	if !s.noRun {
		text += `infra:
  rabbitmq:
    image: ` + imageRabbitMQ + `
    ports: ["` + itoa(s.rabbit) + `:5672"]
    health: {cmd: ["rabbitmq-diagnostics", "-q", "ping"]}
`
	}
	amqp := `AMQP_URL: "amqp://guest:guest@${CRISPIFY_HOST}:` + itoa(s.rabbit) + `/"`
	catalogue, orders := "http://127.0.0.1:"+itoa(s.catalogue), "http://127.0.0.1:"+itoa(s.orders)
	run := map[string]string{
		"catalogue": `    env: {PORT: "` + itoa(s.catalogue) + `"}
    ready: {http: "` + catalogue + `/health"}
`,
		"orders": `    env: {PORT: "` + itoa(s.orders) + `", CATALOGUE_URL: "` + catalogue + `", ` + amqp + `}
    needs: [rabbitmq, catalogue]
    ready: {http: "` + orders + `/health"}
`,
		"payments": `    env: {ORDERS_URL: "` + orders + `", ` + amqp + `}
    needs: [rabbitmq, orders]
    ready: {log: "consuming orders"}
`,
	}
	text += "services:\n"
	for _, name := range shopServices {
		text += "  " + name + ":\n    repo: " + s.url + "\n    dir: cmd/" + name +
			"\n    paths: [cmd/" + name + ", internal/shared, go.mod, go.sum]\n"
		if s.noRun {
			continue
		}
		setup := s.setup[name]
		if setup == "" {
			setup = `["go build -o bin/` + name + ` ."]`
		}
		text += "    setup: " + setup + "\n    run: ./bin/" + name + "\n" + run[name] + s.extra[name]
	}
	return text
}

// placeOrder posts an order of a product to orders and returns its ID.
func (e *env) placeOrder(port int, product string) string {
	e.t.Helper()
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/orders", port), "application/json",
		strings.NewReader(`{"product":"`+product+`"}`))
	if err != nil {
		e.t.Fatalf("place an order: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var o struct{ ID, State string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &o) != nil || o.ID == "" || o.State != "pending" {
		e.t.Fatalf("place an order of %s: %s %s", product, resp.Status, body)
	}
	return o.ID
}

// orderState is an order's state as orders answers it, or why it did not.
func orderState(port int, id string) string {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/orders/%s", port, id))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var o struct{ State string }
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || json.Unmarshal(body, &o) != nil {
		return resp.Status + " " + string(body)
	}
	return o.State
}

// mustGetPaid places an order and waits until payments has paid it,
// through the queue.
func (e *env) mustGetPaid(s *shop, product string) string {
	e.t.Helper()
	id := e.placeOrder(s.orders, product)
	var state string
	if !eventually(20*time.Second, func() bool { state = orderState(s.orders, id); return state == "paid" }) {
		e.t.Fatalf("order %s of %s is %q after 20s, not paid\npayments' log:\n%s\norders' log:\n%s",
			id, product, state, tailOf(e.workerLog("payments"), 3000), tailOf(e.workerLog("orders"), 3000))
	}
	return id
}

// logSince is what a worker's log says after its first mark bytes.
func (e *env) logSince(name string, mark int) string {
	log := e.workerLog(name)
	if mark > len(log) {
		return "" // rotated: the tests never write that much
	}
	return log[mark:]
}

// marks are the lengths of the shop's worker logs now.
func (e *env) marks() map[string]int {
	m := map[string]int{}
	for _, n := range shopServices {
		m[n] = len(e.workerLog(n))
	}
	return m
}

var banner = regexp.MustCompile(`(?m)^(catalogue|orders|payments) (v\d+) starting \((shared v\d+)\)$`)

// starts are the banners a worker printed, one per start, in order:
// "payments v2 starting (shared v1)".
func starts(log string) []string {
	return banner.FindAllString(log, -1)
}

// hasLine reports whether a log holds line as a whole line: a setup
// command's own line ("$ echo setup woke") does not count as its output.
func hasLine(log, line string) bool {
	return strings.Contains("\n"+log, "\n"+line+"\n")
}

// waitLog waits until a worker's log since mark says want, and fails the
// test when it does not within d.
func (e *env) waitLog(name string, mark int, want string, d time.Duration) {
	e.t.Helper()
	if !eventually(d, func() bool { return strings.Contains(e.logSince(name, mark), want) }) {
		e.t.Fatalf("%s's log does not say %q within %v:\n%s", name, want, d, tailOf(e.logSince(name, mark), 4000))
	}
}

// onePID is a worker's one pid, failing the test when it has none or more.
func (e *env) onePID(name string) int {
	e.t.Helper()
	p := e.workerPIDs(name)
	if len(p) != 1 {
		e.t.Fatalf("worker %s: pids %v, want one\n%+v", name, p, e.status()["worker "+name])
	}
	return p[0]
}

// shopPIDs are the one pid of each of the shop's workers.
func (e *env) shopPIDs() map[string]int {
	e.t.Helper()
	out := map[string]int{}
	for _, n := range shopServices {
		out[n] = e.onePID(n)
	}
	return out
}

// head of a working copy.
func (e *env) headOf(dir string) string {
	e.t.Helper()
	cmd := exec.Command("git", "rev-parse", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("git rev-parse HEAD in %s: %v", dir, err)
	}
	return strings.TrimSpace(string(out))
}

// edited is a file of a working copy with old replaced by new, failing
// the test when old is not in it (the product changed under the test).
func (e *env) edited(path, old, new string) string {
	e.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		e.t.Fatalf("%s does not hold %q", path, old)
	}
	return strings.Replace(string(data), old, new, 1)
}

// planStep is one line of `--dry-run --output json`.
type planStep struct {
	Kind, Phase, Item, Name, Msg string
}

// planOf reads the NDJSON of a dry run: its plan steps, and fails the test
// unless every line is JSON and the last is the stack's done.
func (e *env) planOf(stdout string) []planStep {
	e.t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var steps []planStep
	for i, line := range lines {
		var s planStep
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			e.t.Fatalf("dry run, line %d is not JSON: %v\n%s", i+1, err, stdout)
		}
		if i == len(lines)-1 && (s.Kind != "stack" || s.Phase != "done") {
			e.t.Fatalf("dry run: the last line is not the stack's done: %q\n%s", line, stdout)
		}
		if s.Kind == "plan" {
			steps = append(steps, s)
		}
	}
	if len(steps) == 0 {
		e.t.Fatalf("dry run: no plan steps:\n%s", stdout)
	}
	return steps
}

// namesOf are the names of the steps of an item and a phase, sorted.
func namesOf(steps []planStep, item, phase string) []string {
	var out []string
	for _, s := range steps {
		if s.Item == item && s.Phase == phase {
			out = append(out, s.Name)
		}
	}
	slices.Sort(out)
	return out
}

// stepOf is the step of an item and a name.
func stepOf(steps []planStep, item, name string) (planStep, bool) {
	for _, s := range steps {
		if s.Item == item && s.Name == name {
			return s, true
		}
	}
	return planStep{}, false
}

// linesStarting are the lines of a summary table that start with prefix.
func linesStarting(table, prefix string) []string {
	var out []string
	for _, l := range strings.Split(table, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// modTime of a file, zero when it is not there.
func modTime(path string) time.Time {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}
