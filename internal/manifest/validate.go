package manifest

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// Names of the project, infra and services become container, network and
// volume names and DNS names on the project's network.
const (
	namePattern    = `[a-z0-9][a-z0-9_-]{0,30}`
	profilePattern = `[a-zA-Z0-9][a-zA-Z0-9_.-]*`
)

var (
	nameRE    = regexp.MustCompile(`^` + namePattern + `$`)
	profileRE = regexp.MustCompile(`^` + profilePattern + `$`)
)

// validators are run in turn on the decoded, defaulted manifest; each adds a
// diagnostic per mistake and none stops the others, so that a user sees every
// mistake at once. Values that already failed to decode are marked bad and
// skipped, so one mistake is not reported twice.
func validators() []func(*loader, *Manifest) {
	return []func(*loader, *Manifest){
		checkVersion,
		checkProject,
		checkNames,
		checkImages,
		checkHealth,
		checkInfraReady,
		checkData,
		checkRepos,
		checkBranches,
		checkReplicas,
		checkRestart,
		checkReady,
		checkSetup,
		checkWatch,
		checkSick,
		checkProfiles,
		checkEnv,
		checkTools,
		checkHostPorts,
		checkVolumeTargets,
		checkPaths,
		checkWorkdirs,
		checkRepoFiles,
		checkEnvRefs,
		checkNeeds,
		checkCycles,
	}
}

func checkVersion(l *loader, m *Manifest) {
	switch {
	case l.bad["version"]:
	case !l.has("version"):
		l.add(l.at("version"), `version missing: add "version: 1"`)
	case m.Version != 1:
		l.add(l.at("version"), "unsupported version %s: this crispify reads version 1", l.rawVersion)
	}
}

func checkProject(l *loader, m *Manifest) {
	switch {
	case l.bad["project"]:
	case !l.has("project"):
		l.add(l.at("project"), `project missing: add "project: NAME" (it names the containers, network and volumes)`)
	case !nameRE.MatchString(m.Project):
		l.add(l.at("project"), "project %q must match %s: lowercase letters, digits, _ and -, at most 31", m.Project, namePattern)
	}
}

// checkNames checks infra and service names, and that no name is both: needs
// would not know which one it means.
func checkNames(l *loader, m *Manifest) {
	for _, name := range m.InfraNames() {
		if !nameRE.MatchString(name) {
			l.add(l.keys[join("infra", name)], "infra name %q must match %s", name, namePattern)
		}
	}
	for _, name := range m.ServiceNames() {
		at := l.keys[join("services", name)]
		if !nameRE.MatchString(name) {
			l.add(at, "service name %q must match %s", name, namePattern)
		}
		if _, ok := m.Infra[name]; ok {
			other := l.keys[join("infra", name)]
			l.add(at, "name %q is used by a service and by an infra (at %d:%d): rename one", name, other.line, other.col)
		}
	}
}

func checkImages(l *loader, m *Manifest) {
	for _, name := range m.InfraNames() {
		p := join("infra", name)
		image := m.Infra[name].Image
		switch {
		case l.bad[p] || l.bad[p+".image"]:
		case strings.TrimSpace(image) == "":
			l.add(l.at(p+".image"), "infra %q has no image: add one, e.g. image: redis:7.2 (crispify starts it through Docker)", name)
		case strings.ContainsAny(image, " \t\r\n"):
			l.add(l.at(p+".image"), "%s.image: %q contains spaces", p, image)
		}
	}
}

func checkHealth(l *loader, m *Manifest) {
	for _, name := range m.InfraNames() {
		h := m.Infra[name].Health
		p := join("infra", name) + ".health"
		if h == nil {
			continue
		}
		switch {
		case l.bad[p+".cmd"]:
		case !l.has(p + ".cmd"):
			l.add(l.keyAt(p), "health of infra %q has no cmd", name)
		case len(h.Cmd) == 0 || strings.TrimSpace(h.Cmd[0]) == "":
			l.add(l.at(p+".cmd"), "%s.cmd is empty", p)
		}
		positive(l, p+".interval", h.Interval)
		positive(l, p+".timeout", h.Timeout)
		atLeastOne(l, p+".retries", h.Retries)
	}
}

// positive reports a duration written as 0: an interval or timeout of zero
// would spin or fail at once.
func positive(l *loader, path string, d Duration) {
	if l.has(path) && !l.bad[path] && d <= 0 {
		l.add(l.at(path), "%s must be more than 0", path)
	}
}

func atLeastOne(l *loader, path string, n int) {
	if l.has(path) && !l.bad[path] && n < 1 {
		l.add(l.at(path), "%s must be at least 1, got %d", path, n)
	}
}

func checkRepos(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		p := join("services", name)
		repo := m.Services[name].Repo
		switch {
		case l.bad[p] || l.bad[p+".repo"]:
		case strings.TrimSpace(repo) == "":
			l.add(l.at(p+".repo"), "service %q has no repo", name)
		case strings.HasPrefix(repo, "-"):
			// git would read it as an option.
			l.add(l.at(p+".repo"), "%s.repo: %q starts with \"-\"", p, repo)
		default:
			// The URL is never quoted: it may hold a password.
			if off, problem := RepoURLProblem(repo); problem != "" {
				l.add(l.atChar(p+".repo", repo, off), "%s.repo: %s", p, problem)
			}
		}
	}
}

func checkBranches(l *loader, m *Manifest) {
	checkBranch(l, "defaults.branch", m.Defaults.Branch)
	for _, name := range m.ServiceNames() {
		checkBranch(l, join("services", name)+".branch", m.Services[name].Branch)
	}
}

// checkBranch applies the parts of git check-ref-format that a typo can
// break, and refuses a leading "-", which git would read as an option.
func checkBranch(l *loader, path, branch string) {
	if !l.has(path) || l.bad[path] {
		return
	}
	if branch == "" {
		l.add(l.at(path), "%s is empty", path)
		return
	}
	if strings.HasPrefix(branch, "-") || strings.HasPrefix(branch, "/") || strings.HasSuffix(branch, "/") ||
		strings.HasSuffix(branch, ".lock") || strings.Contains(branch, "..") || strings.Contains(branch, "@{") ||
		strings.ContainsAny(branch, " \t\r\n~^:?*[\\\x00\x7f") {
		l.add(l.at(path), "%s: %q is not a valid branch name", path, branch)
	}
}

func checkReplicas(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		atLeastOne(l, join("services", name)+".replicas", m.Services[name].Replicas)
	}
}

func checkRestart(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		p := join("services", name) + ".restart"
		switch r := m.Services[name].Restart; {
		case l.bad[p]:
		case r != RestartOnFailure && r != RestartAlways && r != RestartNever:
			l.add(l.at(p), "%s: %q is not one of on-failure, always, never", p, r)
		}
	}
}

func checkReady(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		r := m.Services[name].Ready
		p := join("services", name) + ".ready"
		if r == nil {
			continue
		}
		var probes []string
		for _, k := range []string{"tcp", "http", "log"} {
			if l.has(p + "." + k) {
				probes = append(probes, k)
			}
		}
		switch len(probes) {
		case 0:
			l.add(l.keyAt(p), "ready of service %q needs one of tcp, http or log", name)
		case 1:
		default:
			l.add(l.keyAt(p), "ready of service %q has %s: keep exactly one", name, strings.Join(probes, " and "))
		}
		if l.has(p+".tcp") && !l.bad[p+".tcp"] && (r.TCP < 1 || r.TCP > 65535) {
			l.add(l.at(p+".tcp"), "%s.tcp: port %d is out of range 1..65535", p, r.TCP)
		}
		if l.has(p+".http") && !l.bad[p+".http"] && !isHTTPURL(r.HTTP) {
			l.add(l.at(p+".http"), "%s.http: %q is not an http:// or https:// URL", p, r.HTTP)
		}
		if l.has(p+".log") && !l.bad[p+".log"] {
			if _, err := regexp.Compile(r.Log); err != nil {
				l.add(l.at(p+".log"), "%s.log: bad regular expression: %v", p, err)
			}
		}
		positive(l, p+".timeout", r.Timeout)
	}
}

// isHTTPURL checks the URL with any ${VAR} replaced by a placeholder: the
// address of a worker may come from the environment.
func isHTTPURL(s string) bool {
	u, err := url.Parse(ExpandEnv(s, func(string) (string, bool) { return "1", true }))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func checkSetup(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		p := join("services", name)
		for i, cmd := range s.Setup {
			if strings.TrimSpace(cmd) == "" {
				l.add(l.at(fmt.Sprintf("%s.setup[%d]", p, i)), "%s.setup[%d] is empty", p, i)
			}
		}
		if len(s.SetupWhen) > 0 && len(s.Setup) == 0 && !l.bad[p+".setup"] {
			l.add(l.at(p+".setup_when"), "%s.setup_when without setup: there is nothing to re-run", p)
		}
		for i, f := range s.SetupWhen {
			clean := path.Clean(strings.ReplaceAll(f, `\`, "/"))
			at := fmt.Sprintf("%s.setup_when[%d]", p, i)
			if f == "" || isAbs(f) || clean == ".." || strings.HasPrefix(clean, "../") {
				l.add(l.at(at), "%s: %q must be a file inside the repo", at, f)
				continue
			}
			if problem := GlobProblem(f); IsGlob(f) && problem != "" {
				l.add(l.at(at), "%s: %q: %s", at, f, problem)
			}
		}
	}
}

func checkProfiles(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		p := join("services", name) + ".profiles"
		for i, prof := range m.Services[name].Profiles {
			if !profileRE.MatchString(prof) {
				l.add(l.at(fmt.Sprintf("%s[%d]", p, i)), "%s[%d]: profile %q must match %s", p, i, prof, profilePattern)
			}
		}
	}
}

// checkEnv refuses what no process environment can hold.
func checkEnv(l *loader, m *Manifest) {
	check := func(p string, env map[string]string) {
		for k, v := range env {
			switch {
			case k == "" || strings.ContainsAny(k, "=\x00"):
				l.add(l.keyAt(join(p, k)), "%s: %q is not a valid variable name", p, k)
			case strings.ContainsRune(v, 0):
				l.add(l.at(join(p, k)), "%s: value contains a NUL byte", join(p, k))
			}
		}
	}
	for _, name := range m.InfraNames() {
		check(join("infra", name)+".env", m.Infra[name].Env)
	}
	for _, name := range m.ServiceNames() {
		check(join("services", name)+".env", m.Services[name].Env)
	}
}
