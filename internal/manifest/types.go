// Package manifest owns crispify.yaml: its types (manifest v1 of docs/design.md),
// loading with defaults, validation that reports every mistake at once with
// its FILE:LINE:COL, and the JSON Schema editors use.
package manifest

import "time"

// Manifest is a loaded, defaulted and validated crispify.yaml.
type Manifest struct {
	Version   int                 `yaml:"version" required:"true" const:"1" doc:"Manifest format version; always 1."`
	Project   string              `yaml:"project" required:"true" pattern:"^[a-z0-9][a-z0-9_-]{0,30}$" doc:"Names the containers, network and volumes: [a-z0-9][a-z0-9_-]{0,30}."`
	Workspace string              `yaml:"workspace" doc:"Where repos live; ~ is the home folder, a relative path is relative to this file; default: this file's folder. --workspace and $CRISPIFY_WORKSPACE override it."`
	Defaults  Defaults            `yaml:"defaults" doc:"Values every service inherits."`
	Infra     map[string]*Infra   `yaml:"infra" doc:"Containers started through the Docker Engine API, by name."`
	Services  map[string]*Service `yaml:"services" doc:"One entry per service repo, by name."`

	// File is the manifest's absolute path; Dir its folder. WorkspaceDir is
	// the absolute, cleaned workspace after overrides and ~ expansion; its
	// symlinks are kept as written so that paths shown to the user are the
	// ones they know (validation resolves them to catch escapes).
	File         string `yaml:"-"`
	Dir          string `yaml:"-"`
	WorkspaceDir string `yaml:"-"`
	// Warnings are what is valid but likely a mistake (a ${VAR} nothing
	// sets), for `crispify validate` to show; FILE:LINE:COL: warning: ...
	Warnings []Diagnostic `yaml:"-"`

	infraOrder   []string
	serviceOrder []string
}

// Defaults are inherited by every service that does not set its own.
type Defaults struct {
	Branch string `yaml:"branch" doc:"Branch of every repo that names none; default master."`
	Sick   *Sick  `yaml:"sick" doc:"The sick thresholds of every service and infra that writes none of its own (key by key): cpu 90%, memory none, slow 1s unless set here."`
}

// Infra is one container of the infrastructure.
type Infra struct {
	Name    string            `yaml:"-"`
	Image   string            `yaml:"image" required:"true" doc:"Image reference, e.g. rabbitmq:3.13-management."`
	Ports   []Port            `yaml:"ports" doc:"HOST:CONTAINER, optionally /tcp or /udp; published on 127.0.0.1 unless written IP:HOST:CONTAINER."`
	Env     map[string]string `yaml:"env" doc:"Environment of the container."`
	Volumes []Volume          `yaml:"volumes" doc:"NAME:PATH is the named volume <project>_<infra>_<NAME>; ./dir:PATH, /abs:PATH or ~/dir:PATH a bind mount, relative to this file; :ro at the end mounts read-only."`
	Command []string          `yaml:"command" doc:"Overrides the image's command."`
	Health  *Health           `yaml:"health" doc:"The container's own health check, run inside it."`
	Needs   []string          `yaml:"needs" doc:"Other infra that must be healthy first."`
	Ready   *InfraReady       `yaml:"ready" schema:"bool-or-object" doc:"How crispify probes the container from the host while it starts, to count it healthy before Docker's first health check: one of amqp, mongo, mysql, redis, ssdb or http (with path), set to the container port; false turns probing off. Default: chosen by the image's name and ports."`
	Data    DataMode          `yaml:"data" doc:"branch (default): each data branch has its own copy of the named volumes, swapped by crispify switch; shared: one copy for every branch, for what should never fork."`
	Sick    *Sick             `yaml:"sick" doc:"When the container is sick by load: CPU or memory over these, or its probe slower, for three samples in a row; defaults in defaults.sick."`
}

// Port is one published port.
type Port struct {
	// HostIP is where the port is published: 127.0.0.1 unless the manifest
	// names another address.
	HostIP    string
	Host      int
	Container int
	Proto     string // tcp or udp
	Source    string // as written
}

// Volume is a named volume or a bind mount.
type Volume struct {
	// Name is set for a named volume (the part before ':'), Bind for a bind
	// mount (made absolute against the manifest's folder); never both.
	Name     string
	Bind     string
	Target   string
	ReadOnly bool
	Source   string // as written
}

// Health is a container health check, run inside the container.
type Health struct {
	// Cmd is exec form when written as a list, shell form when a string:
	// Shell tells which.
	Cmd         []string `yaml:"cmd" required:"true" schema:"string-or-list" doc:"Command run inside the container; a list is exec form, a string shell form. Docker's [CMD, ...] and [CMD-SHELL, ...] are understood too."`
	Shell       bool     `yaml:"-"`
	Interval    Duration `yaml:"interval" doc:"Time between checks; default 2s."`
	Timeout     Duration `yaml:"timeout" doc:"Time one check may take; default 5s."`
	Retries     int      `yaml:"retries" min:"1" doc:"Failed checks in a row before unhealthy; default 60."`
	StartPeriod Duration `yaml:"start_period" doc:"Grace period in which failures do not count; default 0s."`
}

// Service is one service repo and, when it has a run command, its worker.
type Service struct {
	Name      string            `yaml:"-"`
	Repo      string            `yaml:"repo" required:"true" doc:"Any URL git can clone: ssh, https, git or file."`
	Branch    string            `yaml:"branch" doc:"Default: defaults.branch."`
	Path      string            `yaml:"path" doc:"Folder under the workspace the repo is cloned to; default the entry's name, or the repo's name when several services share it; never outside the workspace."`
	Workdir   string            `yaml:"dir" doc:"Where setup and run run, relative to the repo (a monorepo: cmd/api); default the repo's top."`
	Paths     []string          `yaml:"paths" doc:"Files and folders of the repo that shape this service: a change to one re-runs its setup and restarts its worker. Default: dir, the whole repo when dir is its top."`
	Setup     []string          `yaml:"setup" schema:"string-or-list" doc:"Shell commands (a list, or one string) run in the repo after clone, and again when a setup_when file changes."`
	SetupWhen []string          `yaml:"setup_when" doc:"Files (relative to the repo; globs with *, ? and ** for any folders) whose content change re-runs setup; without it, any change under paths does."`
	Run       string            `yaml:"run" doc:"The worker, a shell command run in the repo; none means clone only."`
	Env       map[string]string `yaml:"env" doc:"Environment of the worker, on top of the user's; ${VAR} expands."`
	EnvFile   string            `yaml:"env_file" doc:"A file of KEY=VALUE lines, relative to the repo."`
	Needs     []string          `yaml:"needs" doc:"Infra or services that must be healthy or ready first."`
	Ready     *Ready            `yaml:"ready" doc:"When the worker counts as up; without it, as soon as it runs."`
	Replicas  int               `yaml:"replicas" min:"1" doc:"Processes of the worker; default 1."`
	Restart   RestartPolicy     `yaml:"restart" doc:"on-failure (default), always or never; backoff 1s doubling to 30s."`
	Profiles  []string          `yaml:"profiles" doc:"--profile P starts only the services in profile P."`
	Watch     *Watch            `yaml:"watch" schema:"bool-or-object" doc:"Restart the worker when its files change: true, or a map that narrows what is watched; false keeps --watch from watching it. Without it, only --watch watches the service."`
	Sick      *Sick             `yaml:"sick" doc:"When the worker is sick by load: CPU or memory of its process groups over these, or its readiness probe slower, for three samples in a row; defaults in defaults.sick."`
	Tools     *Tools            `yaml:"tools" doc:"The toolchain versions the service needs, checked before its setup runs; they override what its repo's .tool-versions, .nvmrc, .node-version, go.mod, .ruby-version and .python-version ask for."`

	// Dir is the repo's absolute folder: WorkspaceDir joined with Path.
	// Services that name one repo and branch share it.
	Dir string `yaml:"-"`
}

// Ready says when a worker counts as up. Exactly one of TCP, HTTP and Log is set.
type Ready struct {
	TCP     int      `yaml:"tcp" oneof:"probe" min:"1" max:"65535" doc:"A port on 127.0.0.1 accepts connections."`
	HTTP    string   `yaml:"http" oneof:"probe" doc:"An http:// or https:// URL answers with a 2xx status."`
	Log     string   `yaml:"log" oneof:"probe" doc:"A regular expression a line of the worker's output matches."`
	Timeout Duration `yaml:"timeout" doc:"How long the worker may take to become ready; default 60s."`
}

// Watch says what of a service's repo is watched, for --watch and watch:.
// watch: true is a Watch with every field at its default.
type Watch struct {
	// Off is set by watch: false: the service is not watched at start, not
	// even under --watch (the board's w still turns it on).
	Off      bool     `yaml:"-"`
	Paths    []string `yaml:"paths" doc:"Files and folders (relative to the repo, never outside it) that are watched; default the whole repo."`
	Ignore   []string `yaml:"ignore" doc:"Patterns in .gitignore syntax, relative to the repo, that never trigger a restart, on top of .git, what the repo's .gitignore files ignore, node_modules, vendor, target, dist, build, __pycache__, *.pyc, *.log and editors' swap files; !pattern watches what those ignore."`
	Debounce Duration `yaml:"debounce" doc:"How long the files must be quiet before the restart; default 150ms. A stream of changes that never stops still restarts every 20 debounces."`
}

// Tools are the versions of the toolchains a service needs, as version
// constraints: "20.11.1" exactly, "20" or "1.26" a prefix, ">=20", "^20",
// "~20.1", ">=18 <23", "^18 || ^20", "lts/*" (node only).
type Tools struct {
	Node   ToolVersion `yaml:"node" doc:"node --version must meet this, e.g. \">=20\", \"20.11.1\", \"^20\", \"lts/*\"."`
	Go     ToolVersion `yaml:"go" doc:"go version must meet this, e.g. \"1.26\" (any 1.26.x) or \">=1.22\"; quote it, or YAML reads 1.20 as 1.2 in other tools."`
	Ruby   ToolVersion `yaml:"ruby" doc:"ruby --version must meet this, e.g. \"3.3\" or \"~> 3.2\"."`
	Python ToolVersion `yaml:"python" doc:"python3 --version (else python --version) must meet this, e.g. \"3.12\" or \">=3.11\"."`
}

// ToolVersion is a version constraint on one tool, as written.
type ToolVersion string

// Wanted lists the tools named, in a fixed order (node, go, ruby, python),
// as tool name and constraint.
func (t *Tools) Wanted() [][2]string {
	if t == nil {
		return nil
	}
	var out [][2]string
	for _, kv := range [][2]string{{"node", string(t.Node)}, {"go", string(t.Go)}, {"ruby", string(t.Ruby)}, {"python", string(t.Python)}} {
		if kv[1] != "" {
			out = append(out, kv)
		}
	}
	return out
}

// RestartPolicy says what the supervisor does when a worker exits.
type RestartPolicy string

// The restart policies.
const (
	RestartOnFailure RestartPolicy = "on-failure"
	RestartAlways    RestartPolicy = "always"
	RestartNever     RestartPolicy = "never"
)

// Duration is a time.Duration written as Go writes it: 500ms, 2s, 1m30s.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes d as Go does: 2s, 1m30s.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes d as the manifest does, so that JSON output (status,
// debugging) shows 2s rather than 2000000000.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Defaults of fields the manifest may leave out.
const (
	DefaultBranch         = "master"
	DefaultHealthInterval = Duration(2 * time.Second)
	DefaultHealthTimeout  = Duration(5 * time.Second)
	DefaultHealthRetries  = 60
	DefaultReadyTimeout   = Duration(60 * time.Second)
	DefaultReplicas       = 1
	DefaultRestart        = RestartOnFailure
	DefaultWatchDebounce  = Duration(150 * time.Millisecond)
)
