package manifest

import "path/filepath"

// fillDefaults sets what the manifest leaves out. A key written with a zero
// value (replicas: 0, path: "") keeps it, so that the validators can report
// it instead of a default silently hiding the mistake.
func fillDefaults(l *loader, m *Manifest) {
	if !l.has("defaults.branch") {
		m.Defaults.Branch = DefaultBranch
	}
	for _, name := range m.InfraNames() {
		in := m.Infra[name]
		in.Name = name
		if h := in.Health; h != nil {
			p := join("infra", name) + ".health."
			if !l.has(p + "interval") {
				h.Interval = DefaultHealthInterval
			}
			if !l.has(p + "timeout") {
				h.Timeout = DefaultHealthTimeout
			}
			if !l.has(p + "retries") {
				h.Retries = DefaultHealthRetries
			}
		}
	}
	resolveBinds(l, m)
	fillSick(l, m)
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		s.Name = name
		p := join("services", name) + "."
		if !l.has(p + "branch") {
			s.Branch = m.Defaults.Branch
		}
		if !l.has(p + "replicas") {
			s.Replicas = DefaultReplicas
		}
		if !l.has(p + "restart") {
			s.Restart = DefaultRestart
		}
		if s.Ready != nil && !l.has(p+"ready.timeout") {
			s.Ready.Timeout = DefaultReadyTimeout
		}
		if s.Watch != nil && !l.has(p+"watch.debounce") {
			s.Watch.Debounce = DefaultWatchDebounce
		}
	}
	sharedPaths(l, m)
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		if !l.has(join("services", name)+".path") && s.Path == "" {
			s.Path = name
		}
		if m.WorkspaceDir != "" {
			s.Dir = filepath.Join(m.WorkspaceDir, filepath.FromSlash(s.Path))
		}
	}
}
