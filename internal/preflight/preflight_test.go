package preflight

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/manifest"
)

func load(t *testing.T, infra string) *manifest.Manifest {
	t.Helper()
	dir := t.TempDir()
	src := "version: 1\nproject: pf\ninfra:\n" + infra
	m, err := manifest.Parse([]byte(src), filepath.Join(dir, "crispify.yaml"), manifest.Options{Workspace: dir})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const six = `  rabbitmq: {image: "rabbitmq:3.13-management"}
  mongodb: {image: "mongo:7"}
  mysql: {image: "mysql:8.4"}
  redis: {image: "redis:7.2.5"}
  ssdb: {image: "opcycle/ssdb:latest"}
  elasticsearch: {image: "docker.elastic.co/elasticsearch/elasticsearch:8.13.4"}
`

func TestKind(t *testing.T) {
	for ref, want := range map[string]string{
		"docker.elastic.co/elasticsearch/elasticsearch:8.13.4": "elasticsearch",
		"opensearchproject/opensearch:2":                       "elasticsearch",
		"crispify-fixture/elasticsearch-standin:8":             "",
		"rabbitmq:3.13-management":                             "rabbitmq",
		"mongo:7@sha256:abc":                                   "mongodb",
		"ghcr.io/ferretdb/ferretdb:1":                          "mongodb",
		"mongo-express:1":                                      "",
		"mariadb:10.11":                                        "mysql",
		"localhost:5000/redis:7":                               "redis",
		"ssdb":                                                 "ssdb",
		"nginx:1":                                              "",
	} {
		if got := kind(ref); got != want {
			t.Errorf("kind(%q) = %q, want %q", ref, got, want)
		}
	}
}

func linuxHere(count int, err error) Machine {
	return Machine{OS: "linux", Kernel: "6.1.0-fake", MaxMapCount: func() (int, error) { return count, err }}
}

var local = docker.Endpoint{Host: "unix:///var/run/docker.sock", From: "default"}

func TestMaxMapCount(t *testing.T) {
	engine := docker.HostInfo{OS: "Debian GNU/Linux 12", OSType: "linux", Kernel: "6.1.0-fake", MemTotal: 16 << 30}
	desktop := docker.HostInfo{OS: "Docker Desktop", OSType: "linux", Kernel: "6.1.0-fake", MemTotal: 8 << 30}
	es := six
	single := `  search: {image: "elasticsearch:8.13.4", env: {discovery.type: single-node}}` + "\n"
	for _, tc := range []struct {
		name   string
		infra  string
		host   docker.HostInfo
		ep     docker.Endpoint
		here   Machine
		status Status
		says   []string
	}{
		{"too low fails", es, engine, local, linuxHere(65530, nil), Fail, []string{"vm.max_map_count is 65530, under the 262144", "elasticsearch will refuse to start", "sudo sysctl -w vm.max_map_count=262144", "/etc/sysctl.d/99-elasticsearch.conf"}},
		{"enough", es, engine, local, linuxHere(262144, nil), OK, []string{"vm.max_map_count is 262144: enough for elasticsearch"}},
		{"single-node only warns", single, engine, local, linuxHere(65530, nil), Note, []string{"discovery.type=single-node, which only warns", "sudo sysctl -w"}},
		{"unreadable", es, engine, local, linuxHere(0, errors.New("permission denied")), Note, []string{"not read: permission denied"}},
		{"docker desktop is a VM", es, desktop, local, linuxHere(65530, nil), Note, []string{"not read: the engine (Docker Desktop) runs in a VM", "wsl -d docker-desktop"}},
		{"another kernel is another machine", es, engine, local, Machine{OS: "linux", Kernel: "5.10.0-other", MaxMapCount: func() (int, error) { return 65530, nil }}, Note, []string{"not read"}},
		{"remote engine", es, engine, docker.Endpoint{Host: "tcp://10.0.0.5:2376", From: "DOCKER_HOST"}, linuxHere(65530, nil), Note, []string{"not read", "run `sudo sysctl -w vm.max_map_count=262144`"}},
		{"a mac", es, desktop, local, Machine{OS: "darwin"}, Note, []string{"colima ssh"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := MaxMapCount(load(t, tc.infra), tc.host, tc.ep, tc.here)
			if !ok {
				t.Fatal("no finding for a manifest with Elasticsearch")
			}
			if f.Status != tc.status {
				t.Errorf("status %d, want %d: %s", f.Status, tc.status, f.Detail)
			}
			for _, want := range tc.says {
				if !strings.Contains(f.Detail, want) {
					t.Errorf("%q lacks %q", f.Detail, want)
				}
			}
		})
	}
	if f, ok := MaxMapCount(load(t, `  redis: {image: "redis:7"}`+"\n"), engine, local, linuxHere(65530, nil)); ok {
		t.Errorf("a manifest without Elasticsearch got %+v", f)
	}
}

func TestMemory(t *testing.T) {
	for _, tc := range []struct {
		name   string
		infra  string
		mem    int64
		status Status
		says   string
	}{
		{"six on 16 GiB", six, 16 << 30, OK, "the infra needs about 4.2 GiB (elasticsearch 2.0 GiB, mongodb 1.0 GiB, rabbitmq 512 MiB, mysql 512 MiB, redis 128 MiB, ssdb 128 MiB) of the engine's 16.0 GiB"},
		{"six on 2 GiB", six, 2 << 30, Fail, "more than the engine's 2.0 GiB: give the engine more memory (Docker Desktop: Settings > Resources > Memory)"},
		{"six on 5 GiB is tight", six, 5 << 30, Note, "tight"},
		{"heap set", `  es: {image: "elasticsearch:8", env: {ES_JAVA_OPTS: "-Xms512m -Xmx512m"}}` + "\n", 8 << 30, OK, "es 1.0 GiB"},
		{"unknown size", six, 0, Note, "does not say how much memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Memory(load(t, tc.infra), docker.HostInfo{MemTotal: tc.mem})
			if f.Status != tc.status || !strings.Contains(f.Detail, tc.says) {
				t.Errorf("Memory = %d %q; want %d and %q", f.Status, f.Detail, tc.status, tc.says)
			}
		})
	}
}

func TestPlatforms(t *testing.T) {
	fake := dockerfake.New() // an amd64 engine
	fake.AddImage("redis:7", dockerfake.Image{})
	fake.AddImage("mongo:7", dockerfake.Image{Platform: docker.Platform{OS: "linux", Arch: "arm64", Variant: "v8"}})
	m := load(t, `  redis: {image: "redis:7"}
  cache: {image: "redis:7"}
  mongodb: {image: "mongo:7"}
  mysql: {image: "mysql:8"}
`)
	got := Platforms(context.Background(), fake, m)
	if len(got) != 1 || got[0].Status != Fail {
		t.Fatalf("Platforms = %+v, want one failure for mongo:7", got)
	}
	for _, want := range []string{"image mongo:7 (infra mongodb) is for linux/arm64/v8 but the engine is linux/amd64", "exec format error", "docker pull --platform linux/amd64 mongo:7"} {
		if !strings.Contains(got[0].Detail, want) {
			t.Errorf("%q lacks %q", got[0].Detail, want)
		}
	}

	fake.AddImage("mongo:7", dockerfake.Image{Platform: docker.Platform{OS: "linux", Arch: "x86_64"}})
	got = Platforms(context.Background(), fake, m)
	if len(got) != 1 || got[0].Status != OK || got[0].Detail != "2 of 3 images present, all for linux/amd64 like the engine; 1 not pulled yet" {
		t.Errorf("Platforms = %+v", got)
	}
}

func TestCheckOnTheFakeEngine(t *testing.T) {
	fake := dockerfake.New()
	fake.Host.MemTotal = 3 << 30
	fake.AddImage("rabbitmq:3.13-management", dockerfake.Image{})
	got := Check(context.Background(), fake, local, load(t, six), linuxHere(262144, nil))
	var checks []string
	for _, f := range got {
		checks = append(checks, f.Check)
	}
	// The fake engine's kernel is the fake machine's: its count is read.
	if strings.Join(checks, " ") != "sysctl memory platform" || got[0].Status != OK || got[1].Status != Fail || got[2].Status != OK {
		t.Errorf("Check = %+v", got)
	}
	if got := Check(context.Background(), fake, local, load(t, ""), linuxHere(0, nil)); len(got) != 0 {
		t.Errorf("no infra, yet %+v", got)
	}
	fake.Unreachable = errors.New("engine down")
	if got := Check(context.Background(), fake, local, load(t, six), linuxHere(0, nil)); len(got) != 1 || got[0].Status != Note {
		t.Errorf("engine down: %+v", got)
	}
}
