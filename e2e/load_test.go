package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loadRow is a status --json row with its figures.
type loadRow struct {
	Kind, Name, State, Detail string
	CPU                       *float64
	Memory                    *uint64
}

func (e *env) loadStatus() map[string]loadRow {
	e.t.Helper()
	r := e.crispify("status", "--json")
	var rows []loadRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		e.t.Fatalf("status --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	out := map[string]loadRow{}
	for _, row := range rows {
		out[row.Kind+" "+row.Name] = row
	}
	return out
}

// loadService is a service of the load fixture, run with args.
func (e *env) loadService(name, args, ready, sick string) string {
	e.t.Helper()
	src, err := os.ReadFile("testdata/loadworker/main.go")
	if err != nil {
		e.t.Fatal(err)
	}
	url := e.workerRepo(name, map[string]string{"main.go": string(src)})
	s := "  " + name + ":\n    repo: " + url + "\n    setup: [\"go build -o loadworker .\"]\n    setup_when: [main.go]\n" +
		"    run: ./loadworker " + args + "\n    ready: {log: \"" + ready + "\"}\n"
	if sick != "" {
		s += "    sick: " + sick + "\n"
	}
	return s
}

// A worker that burns a core turns sick within 10 s of a look (status
// --watch here) and healthy again once it stops; a worker whose child holds
// 200 MiB shows it in its row; status --json carries the figures of the
// workers and of the container, and none on a repo.
func TestLoadSickAndMemory(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "load")
	// 10%, not the default 90%: the burner's core is shared with the rest
	// of a busy CI machine (two cores, a load of 6 while this was written,
	// where it got a quarter to a half of one); an idle worker is near 0%.
	e.write(head + redisInfra + "services:\n" +
		e.loadService("burner", "-burn-until calm", "burning", "{cpu: 10%}") +
		e.loadService("hog", "-child-hold 200", "held 200 MiB", ""))
	e.crispify("-d", "--output", "plain").must(t, 0)

	// Nothing looks yet: the supervisor samples nothing and judges nothing.
	if row := e.loadStatus()["worker burner"]; row.State != "ready" {
		t.Fatalf("burner before anything looks: %+v", row)
	}

	looking := time.Now()
	e.startCrispify("status", "--watch", "--json")
	var sick loadRow
	for {
		sick = e.loadStatus()["worker burner"]
		if sick.State == "sick" || time.Since(looking) > 20*time.Second {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	took := time.Since(looking)
	if sick.State != "sick" || took > 10*time.Second {
		t.Fatalf("burner %s after %v of a look, want sick within 10s: %+v", sick.State, took.Round(time.Millisecond), sick)
	}
	if !strings.Contains(sick.Detail, "sick: CPU") || sick.CPU == nil || *sick.CPU < 10 {
		t.Errorf("sick burner's row: %+v (cpu %v)", sick, deref(sick.CPU))
	}
	t.Logf("burner sick after %v: %s", took.Round(time.Millisecond), sick.Detail)

	rows := e.loadStatus()
	hog := rows["worker hog"]
	if hog.Memory == nil || *hog.Memory < 200<<20 {
		t.Errorf("hog's row: %+v, want 200 MiB or more (memory %v)", hog, deref(hog.Memory))
	}
	if redis := rows["infra redis"]; redis.Memory == nil || *redis.Memory == 0 || redis.CPU == nil {
		t.Errorf("redis's row carries no figures: %+v", redis)
	}
	if repo := rows["repo burner"]; repo.CPU != nil || repo.Memory != nil {
		t.Errorf("a repo row with figures: %+v", repo)
	}
	var top []loadRow
	if err := json.Unmarshal([]byte(e.crispify("top", "--json").must(t, 0).stdout), &top); err != nil {
		t.Fatal(err)
	}
	// Its own sample spans 200 ms, in which a loaded machine may starve the
	// burner: the order is checked, not who leads it.
	if len(top) != 3 || *top[0].CPU < *top[1].CPU || *top[1].CPU < *top[2].CPU {
		t.Errorf("top --json: %+v, want three rows, the most CPU first", top)
	}
	if err := json.Unmarshal([]byte(e.crispify("top", "--json", "--memory").must(t, 0).stdout), &top); err != nil {
		t.Fatal(err)
	}
	if len(top) != 3 || top[0].Name != "hog" {
		t.Errorf("top --json --memory: %+v, want the hog first of three", top)
	}

	if err := os.WriteFile(e.ws("burner", "calm"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	calmed := time.Now()
	var back loadRow
	for {
		back = e.loadStatus()["worker burner"]
		if back.State == "ready" || time.Since(calmed) > 20*time.Second {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if back.State != "ready" {
		t.Fatalf("burner still %s %v after it calmed: %+v", back.State, time.Since(calmed).Round(time.Millisecond), back)
	}
	t.Logf("burner ready again %v after it calmed", time.Since(calmed).Round(time.Millisecond))
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// The foreground board is a look: its worker and container rows show their
// figures (the container's from its stats stream), the header the totals
// and the free memory, and a worker burning a core turns sick on it.
func TestBoardShowsLoad(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "loadboard")
	e.write(head + redisInfra + "services:\n" +
		e.loadService("hog", "-child-hold 200", "held 200 MiB", "") +
		e.loadService("burner", "-burn-until calm", "burning", "{cpu: 10%}"))
	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest)
	screen := tm.waitFor(120*time.Second,
		`hog\s+✓ ready\s+\d+(\.\d)?% 2\d\dM`,
		`redis\s+✓ healthy\s+\d+(\.\d)?% \d+(\.\d)?[KMG]`,
		`cpu \d+% · mem \d+(\.\d)?[KMG] · \d+(\.\d)?[KMG] free`,
		`burner\s+\S+ sick\s.*sick: CPU \d+% for \d+s`)
	t.Logf("the board:\n%s", screen)
	tm.keys("q")
	tm.waitFor(30*time.Second, `EXIT=0`)
}
