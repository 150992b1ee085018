package manifest

import (
	"errors"
	"strings"
	"testing"
)

// doc joins lines into a manifest, so that a case's line numbers can be
// counted from its source.
func doc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// diagnose parses src as m.yaml and returns its diagnostics as printed.
func diagnose(t *testing.T, src string) []string {
	t.Helper()
	_, err := Parse([]byte(src), "m.yaml", Options{Workspace: t.TempDir(), Home: "/home/dev"})
	if err == nil {
		return nil
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse returned %T (%v), want Errors", err, err)
	}
	if got := strings.Count(err.Error(), "\n") + 1; got != len(errs) {
		t.Errorf("Error() has %d lines for %d diagnostics", got, len(errs))
	}
	out := make([]string, len(errs))
	for i, d := range errs {
		out[i] = d.String()
	}
	return out
}

func TestDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		// The top of the file.
		{"empty file", "", []string{
			`m.yaml:1:1: manifest is empty: start it with "version: 1"`,
		}},
		{"only comments", "# nothing\n", []string{
			`m.yaml:1:1: manifest is empty: start it with "version: 1"`,
		}},
		{"not a map", doc("- a", "- b"), []string{
			`m.yaml:1:1: a manifest is a map of keys (version, project, ...), got a list`,
		}},
		{"yaml syntax", doc("version: 1", "project: p", "infra:", "  redis: [a", "services: {}"), []string{
			`m.yaml:4:1: invalid YAML: did not find expected ',' or ']'`,
		}},
		{"two documents", doc("version: 1", "project: p", "---", "version: 1"), []string{
			`m.yaml:3:1: a manifest is one YAML document; remove this "---" and what follows`,
		}},
		{"version missing", doc("project: p"), []string{
			`m.yaml:1:1: version missing: add "version: 1"`,
		}},
		{"version null", doc("version:", "project: p"), []string{
			`m.yaml:1:1: version missing: add "version: 1"`,
		}},
		{"version 2", doc("version: 2", "project: p"), []string{
			`m.yaml:1:10: unsupported version 2: this crispify reads version 1`,
		}},
		{"version list", doc("version: [1]", "project: p"), []string{
			`m.yaml:1:10: version: expected 1, got a list`,
		}},
		{"project missing", doc("version: 1"), []string{
			`m.yaml:1:1: project missing: add "project: NAME" (it names the containers, network and volumes)`,
		}},
		{"project uppercase", doc("version: 1", "project: Crisp"), []string{
			`m.yaml:2:10: project "Crisp" must match [a-z0-9][a-z0-9_-]{0,30}: lowercase letters, digits, _ and -, at most 31`,
		}},
		{"project too long", doc("version: 1", "project: "+strings.Repeat("a", 32)), []string{
			`m.yaml:2:10: project "` + strings.Repeat("a", 32) + `" must match [a-z0-9][a-z0-9_-]{0,30}: lowercase letters, digits, _ and -, at most 31`,
		}},
		{"project starts with dash", doc("version: 1", "project: -p"), []string{
			`m.yaml:2:10: project "-p" must match [a-z0-9][a-z0-9_-]{0,30}: lowercase letters, digits, _ and -, at most 31`,
		}},
		{"project a map", doc("version: 1", "project: {a: b}"), []string{
			`m.yaml:2:10: project: expected a string, got a map`,
		}},

		// Unknown keys, at every level.
		{"unknown top key with suggestion", doc("version: 1", "project: p", "servics: {}"), []string{
			`m.yaml:3:1: unknown key "servics" at top level (did you mean "services"?)`,
		}},
		{"unknown top key without suggestion", doc("version: 1", "project: p", "colour: red"), []string{
			`m.yaml:3:1: unknown key "colour" at top level (allowed: version, project, workspace, defaults, infra, services)`,
		}},
		{"unknown key in defaults", doc("version: 1", "project: p", "defaults: {brunch: main}"), []string{
			`m.yaml:3:12: unknown key "brunch" in defaults (did you mean "branch"?)`,
		}},
		{"unknown key in infra", doc("version: 1", "project: p", "infra:", "  redis:", "    imagee: redis:7"), []string{
			`m.yaml:4:3: infra "redis" has no image: add one, e.g. image: redis:7.2 (crispify starts it through Docker)`,
			`m.yaml:5:5: unknown key "imagee" in infra "redis" (did you mean "image"?)`,
		}},
		{"unknown key in infra, listed", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    restart: always"), []string{
			`m.yaml:6:5: unknown key "restart" in infra "redis" (allowed: image, ports, env, volumes, command, health, needs, ready, data, sick)`,
		}},
		{"unknown key in health", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    health: {cmd: x, intervall: 2s}"), []string{
			`m.yaml:6:22: unknown key "intervall" in health of infra "redis" (did you mean "interval"?)`,
		}},
		{"tools", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    tools: {nodejs: 20, go: twenty, ruby: lts/*, python: \"\"}"), []string{
			`m.yaml:6:13: unknown key "nodejs" in tools of service "api" (did you mean "node"?)`,
			`m.yaml:6:29: services.api.tools.go: version constraint "twenty": "twenty" is not a version: it must start with a number, like 20.11.1 (forms: 20.11.1, 20, >=20, ^20, ~20.1, >=18 <23, ^18 || ^20, lts/*)`,
			`m.yaml:6:43: services.api.tools.ruby: "lts/*" is a Node LTS alias; ruby takes a version like 3.12 or >=3.11`,
			`m.yaml:6:58: services.api.tools.python is empty: write a version like 3.12 or >=3.11`,
		}},
		{"tools not a map", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    tools: [node]"), []string{
			`m.yaml:6:12: services.api.tools: expected a map, got a list`,
		}},
		{"unknown key in service", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    depends_on: [x]"), []string{
			`m.yaml:6:5: unknown key "depends_on" in service "api" (allowed: repo, branch, path, dir, paths, setup, setup_when, run, env, env_file, needs, ready, replicas, restart, profiles, watch, sick, tools)`,
		}},
		{"unknown key in ready", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    ready: {tpc: 80}"), []string{
			`m.yaml:6:5: ready of service "api" needs one of tcp, http or log`,
			`m.yaml:6:13: unknown key "tpc" in ready of service "api" (did you mean "tcp"?)`,
		}},
		{"duplicate key", doc("version: 1", "project: p", "services:", "  api: {repo: r}", "  api: {repo: s}"), []string{
			`m.yaml:5:3: duplicate key "api" (first at 4:3)`,
		}},
		{"key not a string", doc("version: 1", "project: p", "? [a]", ": b"), []string{
			`m.yaml:3:3: a key must be a string, got a list`,
		}},

		// Values of the wrong kind.
		{"infra a list", doc("version: 1", "project: p", "infra: [redis]"), []string{
			`m.yaml:3:8: infra: expected a map, got a list`,
		}},
		{"infra entry a string", doc("version: 1", "project: p", "infra:", "  redis: redis:7"), []string{
			`m.yaml:4:10: infra.redis: expected a map, got a string`,
		}},
		{"infra entry null", doc("version: 1", "project: p", "infra:", "  redis:"), []string{
			`m.yaml:4:3: infra "redis" has no image: add one, e.g. image: redis:7.2 (crispify starts it through Docker)`,
		}},
		{"ports a map", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    ports: {6379: 6379}"), []string{
			`m.yaml:6:12: infra.redis.ports: expected a list, got a map`,
		}},
		{"ports a string", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    ports: 6379:6379"), []string{
			`m.yaml:6:12: infra.redis.ports: expected a list, got a string (write [6379:6379])`,
		}},
		{"list item a map", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    command: [a, {b: c}]"), []string{
			`m.yaml:6:18: infra.redis.command[1]: expected a string, got a map`,
		}},
		{"env a list", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    env: [A=1]"), []string{
			`m.yaml:6:10: services.api.env: expected a map, got a list`,
		}},
		{"env value a list", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    env: {A: [1]}"), []string{
			`m.yaml:6:14: services.api.env.A: expected a string, number or true/false, got a list`,
		}},
		{"replicas a string", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    replicas: two"), []string{
			`m.yaml:6:15: services.api.replicas: expected a whole number, got a string`,
		}},
		{"replicas a float", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    replicas: 1.5"), []string{
			`m.yaml:6:15: services.api.replicas: expected a whole number, got a number`,
		}},
		{"replicas huge", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    replicas: 99999999999"), []string{
			`m.yaml:6:15: services.api.replicas: 99999999999 is out of range`,
		}},
		{"health a string", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    health: redis-cli ping"), []string{
			`m.yaml:6:13: infra.redis.health: expected a map, got a string`,
		}},
		{"ready a number", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    ready: 8080"), []string{
			`m.yaml:6:12: services.api.ready: expected a map, got a number`,
		}},
		{"tcp a string", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    ready: {tcp: http}"), []string{
			`m.yaml:6:18: services.api.ready.tcp: expected a whole number, got a string`,
		}},

		// Durations.
		{"bad durations", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    health:",
			"      cmd: [ping]", "      interval: 2x", "      timeout: -1s", "      start_period: 2"), []string{
			`m.yaml:8:17: infra.redis.health.interval: bad duration "2x": write it like 500ms, 2s or 1m30s`,
			`m.yaml:9:16: infra.redis.health.timeout: duration -1s is negative`,
			`m.yaml:10:21: infra.redis.health.start_period: bad duration "2": write it like 500ms, 2s or 1m30s`,
		}},
		{"zero durations and retries", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    health:",
			"      cmd: [ping]", "      interval: 0s", "      timeout: 0s", "      retries: 0", "      start_period: 0s"), []string{
			`m.yaml:8:17: infra.redis.health.interval must be more than 0`,
			`m.yaml:9:16: infra.redis.health.timeout must be more than 0`,
			`m.yaml:10:16: infra.redis.health.retries must be at least 1, got 0`,
		}},
		{"ready timeout", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    ready: {tcp: 80, timeout: 1h1y}"), []string{
			`m.yaml:6:31: services.api.ready.timeout: bad duration "1h1y": write it like 500ms, 2s or 1m30s`,
		}},

		// Names.
		{"bad infra and service names", doc("version: 1", "project: p", "infra:", "  Redis: {image: r}", "services:", "  my.api: {repo: r}"), []string{
			`m.yaml:4:3: infra name "Redis" must match [a-z0-9][a-z0-9_-]{0,30}`,
			`m.yaml:6:3: service name "my.api" must match [a-z0-9][a-z0-9_-]{0,30}`,
		}},
		{"name used twice", doc("version: 1", "project: p", "infra:", "  cache: {image: r}", "services:", "  cache: {repo: r}"), []string{
			`m.yaml:6:3: name "cache" is used by a service and by an infra (at 4:3): rename one`,
		}},

		// Required fields.
		{"no image, no repo", doc("version: 1", "project: p", "infra:", "  redis: {ports: [\"1:1\"]}", "services:", "  api: {run: x}"), []string{
			`m.yaml:4:3: infra "redis" has no image: add one, e.g. image: redis:7.2 (crispify starts it through Docker)`,
			`m.yaml:6:3: service "api" has no repo`,
		}},
		{"image with spaces", doc("version: 1", "project: p", "infra:", "  redis: {image: redis 7}"), []string{
			`m.yaml:4:18: infra.redis.image: "redis 7" contains spaces`,
		}},
		{"repo like an option", doc("version: 1", "project: p", "services:", "  api: {repo: --upload-pack=x}"), []string{
			`m.yaml:4:15: services.api.repo: "--upload-pack=x" starts with "-"`,
		}},
		{"health without cmd", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    health: {interval: 1s}"), []string{
			`m.yaml:6:5: health of infra "redis" has no cmd`,
		}},
		{"health cmd empty", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    health: {cmd: \"\"}"), []string{
			`m.yaml:6:19: infra.redis.health.cmd is empty`,
		}},
		{"health cmd NONE", doc("version: 1", "project: p", "infra:", "  redis:", "    image: r", "    health: {cmd: [NONE]}"), []string{
			`m.yaml:6:19: infra.redis.health.cmd: ["NONE", ...] is not a health check crispify can run: write the command as a list or a string`,
		}},

		// Branches.
		{"bad branches", doc("version: 1", "project: p", "defaults: {branch: \"\"}", "services:", "  api: {repo: r, branch: -x}", "  web: {repo: r, branch: a..b}"), []string{
			`m.yaml:3:20: defaults.branch is empty`,
			`m.yaml:5:26: services.api.branch: "-x" is not a valid branch name`,
			`m.yaml:6:26: services.web.branch: "a..b" is not a valid branch name`,
		}},

		// needs.
		{"unknown needs", doc("version: 1", "project: p",
			"infra:",
			"  rabbitmq: {image: r, needs: [mongo, api]}",
			"  mongodb: {image: m, needs: [mongodb]}",
			"services:",
			"  api: {repo: r, needs: [mongo, api, xyzzy]}"), []string{
			`m.yaml:4:32: infra "rabbitmq" needs unknown infra "mongo" (did you mean "mongodb"?)`,
			`m.yaml:4:39: infra "rabbitmq" needs service "api": infra can only need infra`,
			`m.yaml:5:31: infra "mongodb" needs itself`,
			`m.yaml:7:26: service "api" needs unknown "mongo" (did you mean "mongodb"?)`,
			`m.yaml:7:33: service "api" needs itself`,
			`m.yaml:7:38: service "api" needs unknown "xyzzy" (known infra: rabbitmq, mongodb; services: api)`,
		}},
		{"cycle of two", doc("version: 1", "project: p", "services:",
			"  api: {repo: r, needs: [billing]}",
			"  billing: {repo: r, needs: [api]}"), []string{
			`m.yaml:5:30: needs cycle: api -> billing -> api`,
		}},
		{"cycle of three, need written twice", doc("version: 1", "project: p", "services:",
			"  a: {repo: r, needs: [b]}",
			"  b: {repo: r, needs: [c]}",
			"  c: {repo: r, needs: [a, a]}"), []string{
			`m.yaml:6:24: needs cycle: a -> b -> c -> a`,
		}},
		{"two cycles through one service", doc("version: 1", "project: p", "services:",
			"  a: {repo: r, needs: [b, c]}",
			"  b: {repo: r, needs: [a]}",
			"  c: {repo: r, needs: [a]}"), []string{
			`m.yaml:5:24: needs cycle: a -> b -> a`,
			`m.yaml:6:24: needs cycle: a -> c -> a`,
		}},
		{"infra cycle", doc("version: 1", "project: p", "infra:",
			"  x: {image: i, needs: [y]}",
			"  y: {image: i, needs: [x]}"), []string{
			`m.yaml:5:25: needs cycle: x -> y -> x`,
		}},

		// Ports.
		{"bad ports", doc("version: 1", "project: p", "infra:", "  r:", "    image: i", "    ports:",
			`      - "abc:1"`,
			`      - "1:70000"`,
			`      - "80"`,
			`      - "1.2.3:1:2"`,
			`      - "1:2/sctp"`,
			`      - "0:80"`,
			`      - "[::1]:8080:80"`,
			`      - "0.0.0.0:8081:80/udp"`,
		), []string{
			`m.yaml:7:9: infra.r.ports[0]: bad port "abc:1": host port "abc" is not a number`,
			`m.yaml:8:9: infra.r.ports[1]: bad port "1:70000": container port 70000 is out of range 1..65535`,
			`m.yaml:9:9: infra.r.ports[2]: bad port "80": write HOST:CONTAINER, like "8080:80"`,
			`m.yaml:10:9: infra.r.ports[3]: bad port "1.2.3:1:2": host address "1.2.3" is not an IP address`,
			`m.yaml:11:9: infra.r.ports[4]: bad port "1:2/sctp": protocol "sctp": use tcp or udp`,
			`m.yaml:12:9: infra.r.ports[5]: bad port "0:80": host port 0 is out of range 1..65535`,
		}},
		{"duplicate host ports", doc("version: 1", "project: p", "infra:",
			`  a: {image: i, ports: ["5672:5672", "53:53/udp", "0.0.0.0:5672:1"]}`,
			`  b: {image: i, ports: ["53:53", "127.0.0.2:5672:5672", "53:53/udp"]}`), []string{
			`m.yaml:4:51: host port 5672/tcp is published twice by infra "a" (first at 4:25)`,
			`m.yaml:5:34: host port 5672/tcp of infra "b" is already published by infra "a" (at 4:25)`,
			`m.yaml:5:57: host port 53/udp of infra "b" is already published by infra "a" (at 4:38)`,
		}},

		// Volumes.
		{"bad volumes", doc("version: 1", "project: p", "infra:", "  r:", "    image: i", "    volumes:",
			`      - "bad name:/x"`,
			`      - "./x:rel"`,
			`      - "data:/data:rx"`,
			`      - "data"`,
			`      - ":/x"`,
			`      - "data:/"`,
			`      - "~bob/x:/x"`,
			`      - "data:/d"`,
			`      - "./d:/d/"`,
		), []string{
			`m.yaml:7:9: infra.r.volumes[0]: bad volume "bad name:/x": volume name "bad name" must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (or start a folder with ./ or /)`,
			`m.yaml:8:9: infra.r.volumes[1]: bad volume "./x:rel": container path "rel" must be absolute`,
			`m.yaml:9:9: infra.r.volumes[2]: bad volume "data:/data:rx": option "rx": use ro or rw`,
			`m.yaml:10:9: infra.r.volumes[3]: bad volume "data": write NAME:PATH, ./dir:PATH or /abs:PATH, optionally with :ro`,
			`m.yaml:11:9: infra.r.volumes[4]: bad volume ":/x": the part before ':' is empty: name a volume or a folder`,
			`m.yaml:12:9: infra.r.volumes[5]: bad volume "data:/": cannot mount over the container's /`,
			`m.yaml:13:9: infra.r.volumes[6]: "~bob/x": ~user is not supported, write the full path`,
			`m.yaml:15:9: container path /d of infra "r" is mounted twice (first at 14:9)`,
		}},

		// Service paths.
		{"bad paths", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, path: /srv/a}`,
			`  b: {repo: r, path: ../b}`,
			`  c: {repo: r, path: x/../../c}`,
			`  d: {repo: r, path: .}`,
			`  e: {repo: r, path: ""}`,
			`  f: {repo: r, path: .git}`,
			`  g: {repo: r, path: x/.GIT/y}`,
			`  h: {repo: r, path: .crispify/h}`,
			`  i: {repo: r, path: 'x\i'}`,
			`  j: {repo: r, path: x/../j}`,
			`  k: {repo: r, path: "C:/k"}`,
		), []string{
			`m.yaml:4:22: services.a.path: "/srv/a" is absolute: write it relative to the workspace`,
			`m.yaml:5:22: services.b.path: "../b" escapes the workspace`,
			`m.yaml:6:22: services.c.path: "x/../../c" escapes the workspace`,
			`m.yaml:7:22: services.d.path: "." is the workspace itself: name a folder under it`,
			`m.yaml:8:22: services.e.path: is empty`,
			`m.yaml:9:22: services.f.path: ".git" is inside a .git folder`,
			`m.yaml:10:22: services.g.path: "x/.GIT/y" is inside a .git folder`,
			`m.yaml:11:22: services.h.path: ".crispify/h" is inside .crispify, crispify's state folder`,
			`m.yaml:12:22: services.i.path: "x\\i": use / to separate folders`,
			`m.yaml:14:22: services.k.path: "C:/k" is absolute: write it relative to the workspace`,
		}},
		{"shared and nested paths", doc("version: 1", "project: p", "services:",
			`  api: {repo: r1}`,
			`  api2: {repo: r2, path: ./api}`,
			`  web: {repo: r3, path: API/web}`,
			`  lib: {repo: r4, path: libs/lib}`,
			`  libs: {repo: r5}`), []string{
			`m.yaml:5:26: services.api2.path: "./api" is also the path of service "api" (at 4:3), which clones another repo: give one of them another path`,
			`m.yaml:6:25: services.web.path: "API/web" lies inside "api", the path of service "api" (at 4:3)`,
			`m.yaml:7:25: services.lib.path: "libs/lib" lies inside "libs", the path of service "libs" (at 8:3)`,
		}},
		{"one repo on two branches at one path", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, path: x}`,
			`  b: {repo: r.git, branch: dev, path: x}`,
			`  c: {repo: r/, path: x, dir: ../c, paths: [cmd/c, /abs, ".git/hooks", "."]}`), []string{
			`m.yaml:5:39: services.b.path: "x" holds branch master of this repo for service "a" (at 4:22): one clone cannot be on two branches; give one of them another path`,
			`m.yaml:6:31: services.c.dir: "../c" leads out of the repo: it must be a folder inside the repo (. for its top)`,
			`m.yaml:6:52: services.c.paths[1]: "/abs" is absolute: write it relative to the repo: it must be a file or folder inside the repo (. for all of it)`,
			`m.yaml:6:58: services.c.paths[2]: ".git/hooks" is inside the .git folder: it must be a file or folder inside the repo (. for all of it)`,
		}},

		// ready.
		{"ready with two probes", doc("version: 1", "project: p", "services:", "  api:", "    repo: r", "    ready:", "      tcp: 80", "      log: up"), []string{
			`m.yaml:6:5: ready of service "api" has tcp and log: keep exactly one`,
		}},
		{"bad probes", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, ready: {tcp: 0}}`,
			`  b: {repo: r, ready: {tcp: 65536}}`,
			`  c: {repo: r, ready: {http: "127.0.0.1:8080/health"}}`,
			`  d: {repo: r, ready: {http: "ftp://host/x"}}`,
			`  e: {repo: r, ready: {log: "listening on (port"}}`,
			`  f: {repo: r, ready: {http: "http://${CRISPIFY_HOST}:8080/"}}`,
			`  g: {repo: r, ready: {log: "up", timeout: 0s}}`,
		), []string{
			`m.yaml:4:29: services.a.ready.tcp: port 0 is out of range 1..65535`,
			`m.yaml:5:29: services.b.ready.tcp: port 65536 is out of range 1..65535`,
			`m.yaml:6:30: services.c.ready.http: "127.0.0.1:8080/health" is not an http:// or https:// URL`,
			`m.yaml:7:30: services.d.ready.http: "ftp://host/x" is not an http:// or https:// URL`,
			"m.yaml:8:29: services.e.ready.log: bad regular expression: error parsing regexp: missing closing ): `listening on (port`",
			`m.yaml:10:44: services.g.ready.timeout must be more than 0`,
		}},

		// Workers.
		{"replicas and restart", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, replicas: 0, restart: sometimes}`,
			`  b: {repo: r, replicas: -2, restart: ""}`), []string{
			`m.yaml:4:26: services.a.replicas must be at least 1, got 0`,
			`m.yaml:4:38: services.a.restart: "sometimes" is not one of on-failure, always, never`,
			`m.yaml:5:26: services.b.replicas must be at least 1, got -2`,
			`m.yaml:5:39: services.b.restart: "" is not one of on-failure, always, never`,
		}},
		{"setup", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, setup_when: [package.json]}`,
			`  b: {repo: r, setup: ["make", " "], setup_when: [/etc/passwd, ../x, ok/../y.lock]}`), []string{
			`m.yaml:4:28: services.a.setup_when without setup: there is nothing to re-run`,
			`m.yaml:5:32: services.b.setup[1] is empty`,
			`m.yaml:5:51: services.b.setup_when[0]: "/etc/passwd" must be a file inside the repo`,
			`m.yaml:5:64: services.b.setup_when[1]: "../x" must be a file inside the repo`,
		}},
		{"profiles", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, profiles: [ok.one, "bad one", -x]}`), []string{
			`m.yaml:4:35: services.a.profiles[1]: profile "bad one" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`,
			`m.yaml:4:46: services.a.profiles[2]: profile "-x" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`,
		}},
		{"env keys", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, env: {"A=B": x, "": y, OK: "a\0b"}}`), []string{
			`m.yaml:4:22: services.a.env: "A=B" is not a valid variable name`,
			`m.yaml:4:32: services.a.env: "" is not a valid variable name`,
			`m.yaml:4:43: services.a.env.OK: value contains a NUL byte`,
		}},

		// Workspace.
		{"workspace empty", doc("version: 1", "project: p", `workspace: ""`), nil}, // the override wins

		// YAML features.
		{"bad merge", doc("version: 1", "project: p", "services:", "  a: {<<: [x], repo: r}"), []string{
			`m.yaml:4:12: a merge key (<<) takes a map or a list of maps, got a string`,
		}},
		{"merge loop", doc("version: 1", "project: p", "services:", "  a: &a {<<: *a, repo: r}"), []string{
			`m.yaml:4:14: merge keys (<<) nested more than 16 deep`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diagnose(t, tt.src)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestEveryMistakeAtOnce checks that one broken manifest reports all of its
// mistakes, in file order, rather than stopping at the first.
func TestEveryMistakeAtOnce(t *testing.T) {
	src := doc(
		"version: 3",
		"project: Bad",
		"infra:",
		"  redis: {imagee: r}",
		"services:",
		"  api: {repo: r, path: ../x, needs: [nope]}",
	)
	got := diagnose(t, src)
	want := []string{
		`m.yaml:1:10: unsupported version 3: this crispify reads version 1`,
		`m.yaml:2:10: project "Bad" must match [a-z0-9][a-z0-9_-]{0,30}: lowercase letters, digits, _ and -, at most 31`,
		`m.yaml:4:3: infra "redis" has no image: add one, e.g. image: redis:7.2 (crispify starts it through Docker)`,
		`m.yaml:4:11: unknown key "imagee" in infra "redis" (did you mean "image"?)`,
		`m.yaml:6:24: services.api.path: "../x" escapes the workspace`,
		`m.yaml:6:38: service "api" needs unknown "nope" (known infra: redis; services: api)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
