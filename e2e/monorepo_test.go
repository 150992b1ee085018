package e2e

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A product as it is found in the wild (testdata/shop): one repository
// holding three Go services and a shared package, built by `go build` with
// no setup_when, RabbitMQ on the local image with the health check most
// compose files use, and an orders service that connects to it once and
// gives up if it cannot. The boot restarts nothing; an order gets paid
// through the queue; an upstream change to payments rebuilds and restarts
// payments alone, which then runs the new code, and `remote --dry-run`
// says so first while changing nothing; a change to the shared package
// restarts all three, on the new code.
func TestMonorepoBootsPaysAndRestartsOnlyWhatChanged(t *testing.T) {
	needImages(t, imageRabbitMQ)
	e := newEnv(t, "mono")
	s := e.newShop()
	e.write(s.manifest())
	e.crispify("-d").must(t, 0)

	// One clone holds the three, each built in its own dir.
	clone := e.ws("shop")
	if _, err := os.Stat(filepath.Join(clone, ".git")); err != nil {
		t.Fatalf("no clone at <workspace>/shop: %v", err)
	}
	for _, n := range shopServices {
		if _, err := os.Stat(e.ws(n)); err == nil {
			t.Errorf("%s has a clone of its own at %s", n, e.ws(n))
		}
		if _, err := os.Stat(filepath.Join(clone, "cmd", n, "bin", n)); err != nil {
			t.Errorf("%s was not built in its dir: %v", n, err)
		}
	}
	// The boot restarted no worker: orders, which gives up on a broker
	// that does not answer yet, started once, as did the others.
	pids := e.shopPIDs()
	e.mustGetPaid(s, "tea")
	for _, n := range shopServices {
		if got := starts(e.workerLog(n)); len(got) != 1 {
			t.Errorf("%s started %d times in the boot, want once: %q\n%s", n, len(got), got, tailOf(e.workerLog(n), 3000))
		}
	}
	if got := e.shopPIDs(); !maps.Equal(got, pids) {
		t.Errorf("workers restarted after the boot: %v, then %v", pids, got)
	}

	// An upstream commit to payments alone.
	src := filepath.Join(e.dir, "src", "shop")
	e.pushCommit("shop", "cmd/payments/main.go",
		e.edited(filepath.Join(src, "cmd", "payments", "main.go"), `const version = "v1"`, `const version = "v2"`))
	headBefore, container := e.headOf(clone), e.containerID("rabbitmq")
	binary := filepath.Join(clone, "cmd", "payments", "bin", "payments")
	built := modTime(binary)
	marks := e.marks()
	unchanged := func(after string) {
		t.Helper()
		if got := e.shopPIDs(); !maps.Equal(got, pids) {
			t.Errorf("%s: workers restarted: %v, then %v", after, pids, got)
		}
		if got := e.headOf(clone); got != headBefore {
			t.Errorf("%s: the clone's HEAD moved from %s to %s", after, headBefore, got)
		}
		if got := e.containerID("rabbitmq"); got != container {
			t.Errorf("%s: rabbitmq's container changed from %s to %s", after, container, got)
		}
		if got := modTime(binary); !got.Equal(built) {
			t.Errorf("%s: payments was built again (%v, then %v)", after, built, got)
		}
		if log := e.logSince("payments", marks["payments"]); strings.Contains(log, "payments v2") {
			t.Errorf("%s: payments runs the new code:\n%s", after, log)
		}
	}

	// The plan says it first, and changes nothing.
	r := e.crispify("remote", "--dry-run", "--output", "json").must(t, 0)
	plan := e.planOf(r.stdout)
	if got := namesOf(plan, "worker", "restart"); !slices.Equal(got, []string{"payments"}) {
		t.Errorf("the plan restarts %v, want [payments]:\n%s", got, r.stdout)
	}
	if got := namesOf(plan, "setup", "setup"); !slices.Equal(got, []string{"payments"}) {
		t.Errorf("the plan sets up %v, want [payments]:\n%s", got, r.stdout)
	}
	if got := namesOf(plan, "worker", "leave"); !slices.Equal(got, []string{"catalogue", "orders"}) {
		t.Errorf("the plan leaves the workers %v, want [catalogue orders]:\n%s", got, r.stdout)
	}
	if step, _ := stepOf(plan, "worker", "payments"); !strings.Contains(step.Msg, "1 new commit") {
		t.Errorf("the plan's restart of payments does not say why (1 new commit): %+v", step)
	}
	var repos []planStep
	for _, step := range plan {
		if step.Item == "repo" {
			repos = append(repos, step)
		}
	}
	if len(repos) != 1 || repos[0].Name != "shop" || (repos[0].Phase != "fetch" && repos[0].Phase != "pull") {
		t.Errorf("the plan's repo steps are %+v, want one fetch or pull of shop:\n%s", repos, r.stdout)
	}
	unchanged("remote --dry-run --output json")
	table := e.crispify("remote", "--dry-run").must(t, 0).stdout
	restartRow := false
	for _, l := range strings.Split(table, "\n") {
		restartRow = restartRow || (strings.Contains(l, "payments") && strings.Contains(l, "restart"))
		if (strings.Contains(l, "catalogue") || strings.Contains(l, " orders")) && strings.Contains(l, "restart") {
			t.Errorf("the plain plan restarts more than payments: %q\n%s", l, table)
		}
	}
	if !restartRow {
		t.Errorf("the plain plan has no restart of payments:\n%s", table)
	}
	unchanged("remote --dry-run")

	// The apply: payments alone is rebuilt and restarted, saying why.
	r = e.crispify("remote").must(t, 0)
	row := lineOf(r.stdout, "worker payments")
	for _, want := range []string{"restarted", "1 new commit", "setup re-ran"} {
		if !strings.Contains(row, want) {
			t.Errorf("payments' row lacks %q: %q\n%s", want, row, r.stdout)
		}
	}
	for _, n := range []string{"catalogue", "orders"} {
		if row := lineOf(r.stdout, "worker "+n); strings.Contains(row, "restarted") {
			t.Errorf("%s restarted for a change to payments: %q", n, row)
		}
	}
	if rows := linesStarting(r.stdout, "repo "); len(rows) != 1 || !strings.HasPrefix(rows[0], "repo shop ") {
		t.Errorf("the summary's repo rows are %q, want one, of shop:\n%s", rows, r.stdout)
	}
	now := e.shopPIDs()
	if now["payments"] == pids["payments"] {
		t.Errorf("payments kept its process %d", pids["payments"])
	}
	if now["catalogue"] != pids["catalogue"] || now["orders"] != pids["orders"] {
		t.Errorf("catalogue or orders restarted for a change to payments: %v, then %v", pids, now)
	}
	if left := waitGone([]int{pids["payments"]}, 5*time.Second); len(left) > 0 {
		t.Errorf("payments' old process %v still runs", left)
	}
	for _, n := range []string{"catalogue", "orders"} {
		if got := starts(e.logSince(n, marks[n])); len(got) > 0 {
			t.Errorf("%s started again: %q", n, got)
		}
	}
	e.waitLog("payments", marks["payments"], "payments v2 consuming orders", 10*time.Second)
	id := e.mustGetPaid(s, "cup")
	e.waitLog("payments", marks["payments"], "payments v2: paid order "+id, 5*time.Second)

	// A change to the shared package: all three, on the new code.
	pids, marks = now, e.marks()
	e.pushCommit("shop", "internal/shared/shared.go",
		e.edited(filepath.Join(src, "internal", "shared", "shared.go"), `Version = "shared v1"`, `Version = "shared v2"`))
	r = e.crispify("remote").must(t, 0)
	now = e.shopPIDs()
	for n, want := range map[string]string{
		"catalogue": "catalogue v1 starting (shared v2)",
		"orders":    "orders v1 starting (shared v2)",
		"payments":  "payments v2 starting (shared v2)",
	} {
		row := lineOf(r.stdout, "worker "+n)
		if !strings.Contains(row, "restarted") || !strings.Contains(row, "1 new commit") || !strings.Contains(row, "setup re-ran") {
			t.Errorf("%s's row does not say it restarted for the new commit and setup: %q\n%s", n, row, r.stdout)
		}
		if now[n] == pids[n] {
			t.Errorf("%s kept its process %d after a change to the shared package", n, pids[n])
		}
		e.waitLog(n, marks[n], want, 10*time.Second)
	}
	e.mustGetPaid(s, "kettle")
}

// Files git does not track and does not ignore count in a shared clone's
// git state, in status --json and on its row.
func TestMonorepoShowsUntrackedFiles(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "untracked")
	s := e.newShop()
	s.noRun = true
	e.write(s.manifest())
	e.crispify("repos").must(t, 0)
	// check compares every repo row's count of untracked files with want,
	// and says whether the shared clone is shown once.
	check := func(when string, want int) {
		t.Helper()
		r := e.crispify("status", "--json").must(t, 0)
		var rows []statusGitRow
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
			t.Fatalf("status --json: %v\n%s", err, r.stdout)
		}
		var repos []string
		for _, row := range rows {
			if row.Kind != "repo" {
				continue
			}
			repos = append(repos, row.Name)
			switch {
			case row.Git == nil || row.Git.Untracked == nil:
				t.Errorf("%s: repo row %s has no git.untracked:\n%s", when, row.Name, r.stdout)
			case *row.Git.Untracked != want:
				t.Errorf("%s: repo row %s has untracked %d, want %d:\n%s", when, row.Name, *row.Git.Untracked, want, r.stdout)
			case row.Git.Dirty != 0:
				t.Errorf("%s: untracked files made repo row %s dirty:\n%s", when, row.Name, r.stdout)
			}
		}
		if !slices.Equal(repos, []string{"shop"}) {
			t.Errorf("%s: status --json shows the repos %v, want the one clone, shop:\n%s", when, repos, r.stdout)
		}
	}
	check("a fresh clone", 0)

	// One untracked file, and one that .gitignore ignores.
	if err := os.WriteFile(e.ws("shop", "cmd", "payments", "TODO.md"), []byte("refunds\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(e.ws("shop", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.ws("shop", "bin", "junk"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("one untracked file and one ignored", 1)
	if out := e.crispify("status").must(t, 0).stdout; !strings.Contains(out, "master ?1") {
		t.Errorf("the status table does not show the untracked file as ?1:\n%s", out)
	}
}

// statusGitRow is a row of status --json with the git state of a repo;
// untracked is a pointer, to tell a count of 0 from no field.
type statusGitRow struct {
	Kind, Name string
	Git        *struct {
		Ahead, Behind, Dirty int
		Untracked            *int
	}
}

// A save made while a slow setup runs is applied after it: the setup runs
// again once the first has ended, and the worker ends up on the second
// save's build, never on the first's.
func TestASaveDuringASlowSetupIsAppliedAfterIt(t *testing.T) {
	needImages(t, imageRabbitMQ)
	e := newEnv(t, "slowsetup")
	s := e.newShop()
	// The build comes first and the wait after it, so that a second save
	// made during the wait is not in the first build by chance.
	const build = "go build -o bin/payments ."
	s.setup["payments"] = `["` + build + `", "echo setup sleeping; sleep 4; echo setup woke"]`
	s.extra["payments"] = "    watch: true\n"
	e.write(s.manifest())
	e.crispify("-d").must(t, 0)
	first := e.onePID("payments")
	if n := strings.Count(e.workerLog("payments"), "$ "+build); n != 1 {
		t.Fatalf("the boot set payments up %d times, want once:\n%s", n, e.workerLog("payments"))
	}
	mark := len(e.workerLog("payments"))
	mainGo := e.ws("shop", "cmd", "payments", "main.go")
	save := func(from, to string) {
		t.Helper()
		if err := os.WriteFile(mainGo, []byte(e.edited(mainGo, from, to)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	save(`const version = "v1"`, `const version = "v2"`)
	if !eventually(30*time.Second, func() bool { return hasLine(e.logSince("payments", mark), "setup sleeping") }) {
		t.Fatalf("a save did not set payments up again:\n%s\n%s", e.logSince("payments", mark), tailOf(e.supervisorLog(), 3000))
	}
	seen := time.Now()
	save(`const version = "v2"`, `const version = "v3"`)
	if late := time.Since(seen); late > 2*time.Second || hasLine(e.logSince("payments", mark), "setup woke") {
		t.Fatalf("the second save came %v after the first build, when the setup had ended: the test proves nothing", late)
	}

	if !eventually(60*time.Second, func() bool {
		return hasLine(e.logSince("payments", mark), "payments v3 consuming orders")
	}) {
		t.Fatalf("the save made during the setup was never applied: payments does not run v3\n%s\n%s",
			e.logSince("payments", mark), tailOf(e.supervisorLog(), 3000))
	}
	time.Sleep(3 * time.Second) // nothing may come after it
	log := e.logSince("payments", mark)
	if n := strings.Count(log, "$ "+build); n != 2 {
		t.Errorf("payments was set up %d times for two saves, want 2:\n%s", n, log)
	}
	if woke, second := strings.Index(log, "\nsetup woke\n"), strings.LastIndex(log, "$ "+build); woke < 0 || second < woke {
		t.Errorf("the second setup did not wait for the first to end:\n%s", log)
	}
	if all := starts(log); len(all) == 0 || all[len(all)-1] != "payments v3 starting (shared v1)" {
		t.Errorf("payments' last start is not v3's: %q\n%s", all, log)
	}
	if st := e.status()["worker payments"]; st.State != "ready" {
		t.Errorf("payments: %+v", st)
	}
	if p := e.onePID("payments"); p == first {
		t.Errorf("payments kept its first process %d", p)
	}
}

// A commit made in the clone while the stack runs is a local commit, and
// the restart says so; it is built, never run stale.
func TestALocalCommitIsCalledLocal(t *testing.T) {
	needImages(t, imageRabbitMQ)
	e := newEnv(t, "localcommit")
	s := e.newShop()
	e.write(s.manifest())
	e.crispify("-d").must(t, 0)
	pids, marks := e.shopPIDs(), e.marks()
	clone := e.ws("shop")
	e.commitIn(clone, "cmd/payments/main.go",
		e.edited(filepath.Join(clone, "cmd", "payments", "main.go"), `const version = "v1"`, `const version = "v2"`))

	r := e.crispify().must(t, 0)
	row := lineOf(r.stdout, "worker payments")
	if !strings.Contains(row, "restarted") || !strings.Contains(row, "1 local commit") || strings.Contains(row, "new commit") {
		t.Errorf("payments' row does not call the commit local: %q\n%s", row, r.stdout)
	}
	now := e.shopPIDs()
	if now["payments"] == pids["payments"] {
		t.Errorf("payments kept its process %d", pids["payments"])
	}
	if now["catalogue"] != pids["catalogue"] || now["orders"] != pids["orders"] {
		t.Errorf("catalogue or orders restarted for a commit to payments: %v, then %v", pids, now)
	}
	e.waitLog("payments", marks["payments"], "payments v2 consuming orders", 10*time.Second)
}

// Under --watch the services of one clone share its watches and restart
// as an update restarts them, on save: a save in the package they share
// restarts all three, each on the new code and saying which file; a save
// in payments' own dir restarts payments alone.
func TestMonorepoWatchRestartsTheServicesASaveTouched(t *testing.T) {
	needImages(t, imageRabbitMQ)
	e := newEnv(t, "monowatch")
	s := e.newShop()
	e.write(s.manifest())
	e.crispify("-d", "--watch").must(t, 0)
	clone := e.ws("shop")
	pids, marks := e.shopPIDs(), e.marks()
	save := func(file, old, new string) {
		t.Helper()
		name := filepath.Join(clone, filepath.FromSlash(file))
		if err := os.WriteFile(name, []byte(e.edited(name, old, new)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// restarted waits until a worker is ready on one process other than old.
	restarted := func(n string, old int) {
		t.Helper()
		if !eventually(30*time.Second, func() bool {
			p := e.workerPIDs(n)
			return len(p) == 1 && p[0] != old && e.status()["worker "+n].State == "ready"
		}) {
			t.Fatalf("%s is not ready on a new process: %+v (was pid %d)\n%s", n, e.status()["worker "+n], old, tailOf(e.supervisorLog(), 3000))
		}
	}
	// says tells whether the supervisor's log has a line of worker n's
	// that says what.
	says := func(n, what string) bool {
		for _, l := range strings.Split(e.supervisorLog(), "\n") {
			if strings.Contains(l, " worker ") && strings.Contains(l, " "+n+" ") && strings.Contains(l, what) {
				return true
			}
		}
		return false
	}

	// The shared package: all three, on the new code.
	save("internal/shared/shared.go", `Version = "shared v1"`, `Version = "shared v2"`)
	for _, n := range shopServices {
		e.waitLog(n, marks[n], n+" v1 starting (shared v2)", 2*time.Minute)
		restarted(n, pids[n])
	}
	time.Sleep(3 * time.Second) // nothing may come after it
	now := e.shopPIDs()
	for _, n := range shopServices {
		if got := starts(e.logSince(n, marks[n])); len(got) != 1 {
			t.Errorf("%s started %d times for one save of the shared package, want once: %q", n, len(got), got)
		}
		if !says(n, "restarted: internal/shared/shared.go changed, setup re-ran") {
			t.Errorf("%s's restart does not name the shared file and its build:\n%s", n, tailOf(e.supervisorLog(), 3000))
		}
	}
	e.mustGetPaid(s, "tea")

	// payments' own dir: payments alone.
	pids, marks = now, e.marks()
	restarts := map[string]int{}
	for _, n := range shopServices {
		restarts[n] = e.restartsFor(n)
	}
	save("cmd/payments/main.go", `const version = "v1"`, `const version = "v2"`)
	e.waitLog("payments", marks["payments"], "payments v2 starting (shared v2)", 2*time.Minute)
	restarted("payments", pids["payments"])
	// The others' changes, had there been any, came with payments': their
	// setups (go build is logged first) or restarts would show by now.
	time.Sleep(3 * time.Second)
	if !says("payments", "restarted: cmd/payments/main.go changed, setup re-ran") {
		t.Errorf("payments' restart does not name its file and its build:\n%s", tailOf(e.supervisorLog(), 3000))
	}
	now = e.shopPIDs()
	for _, n := range []string{"catalogue", "orders"} {
		if now[n] != pids[n] {
			t.Errorf("%s restarted for a save in payments' dir: pid %d, then %d", n, pids[n], now[n])
		}
		if log := e.logSince(n, marks[n]); len(starts(log)) > 0 || strings.Contains(log, "$ go build") {
			t.Errorf("%s was set up or started again for a save in payments' dir:\n%s", n, log)
		}
		if got := e.restartsFor(n); got != restarts[n] {
			t.Errorf("%s restarted %d times for a save in payments' dir", n, got-restarts[n])
		}
	}
	if got := e.restartsFor("payments") - restarts["payments"]; got != 1 {
		t.Errorf("payments restarted %d times for one save, want once", got)
	}
	e.waitLog("payments", marks["payments"], "payments v2 consuming orders", 10*time.Second)
	id := e.mustGetPaid(s, "cup")
	e.waitLog("payments", marks["payments"], "payments v2: paid order "+id, 5*time.Second)
}
