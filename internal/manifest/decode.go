package manifest

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// The decoder turns the YAML tree into the types and reports what cannot be
// converted (a map where a list belongs, a bad duration, a port that does not
// parse). What is well-formed but wrong (unknown needs, cycles, clashing
// ports) is left to the validators, which see the whole manifest.

// extensionPrefix marks top-level keys crispify ignores, as compose does: a
// place to define YAML anchors (x-env: &env {...}) that entries merge in.
const extensionPrefix = "x-"

func (l *loader) decode(root *yaml.Node) *Manifest {
	m := &Manifest{Infra: map[string]*Infra{}, Services: map[string]*Service{}}
	allowed := keysOf[Manifest]()
	l.mapping(root, "", func(key string, k, v *yaml.Node, p string) {
		switch {
		case strings.HasPrefix(key, extensionPrefix):
			return
		case !contains(allowed, key):
			l.unknownKey(k, key, "at top level", allowed)
			return
		case key == "workspace" && isTilde(resolve(v)):
			// YAML reads a bare ~ as null; here it can only mean home.
			m.Workspace = "~"
			l.vals[p] = at(v)
			return
		case isNull(resolve(v)):
			return
		}
		switch key {
		case "version":
			m.Version = l.version(v)
		case "project":
			m.Project = l.str(v, p)
		case "workspace":
			m.Workspace = l.str(v, p)
		case "defaults":
			l.object(v, p, "in defaults", keysOf[Defaults](), func(key string, v *yaml.Node, p string) {
				switch key {
				case "branch":
					m.Defaults.Branch = l.str(v, p)
				case "sick":
					m.Defaults.Sick = l.sick("in defaults", v, p)
				}
			})
		case "infra":
			l.mapping(v, p, func(name string, _, v *yaml.Node, p string) {
				m.Infra[name] = l.infra(name, v, p)
				m.infraOrder = append(m.infraOrder, name)
			})
		case "services":
			l.mapping(v, p, func(name string, _, v *yaml.Node, p string) {
				m.Services[name] = l.service(name, v, p)
				m.serviceOrder = append(m.serviceOrder, name)
			})
		}
	})
	return m
}

// version accepts 1 and "1" (compose files taught people to quote it); the
// text of anything else is kept for checkVersion's message.
func (l *loader) version(v *yaml.Node) int {
	r := resolve(v)
	if r.Kind != yaml.ScalarNode {
		l.typeErr(v, "version", "1")
		return 0
	}
	if r.Value == "1" {
		return 1
	}
	l.rawVersion = r.Value
	return -1
}

func (l *loader) infra(name string, n *yaml.Node, path string) *Infra {
	in := &Infra{Name: name}
	what := fmt.Sprintf("in infra %q", name)
	l.object(n, path, what, keysOf[Infra](), func(key string, v *yaml.Node, p string) {
		switch key {
		case "image":
			in.Image = l.str(v, p)
		case "ports":
			for i, s := range l.stringList(v, p, false) {
				port, err := parsePort(s)
				if err != nil {
					l.add(l.at(fmt.Sprintf("%s[%d]", p, i)), "%s[%d]: bad port %q: %v", p, i, s, err)
					continue
				}
				in.Ports = append(in.Ports, port)
				l.portPaths[name] = append(l.portPaths[name], fmt.Sprintf("%s[%d]", p, i))
			}
		case "env":
			in.Env = l.stringMap(v, p)
		case "volumes":
			for i, s := range l.stringList(v, p, false) {
				vol, err := parseVolume(s)
				if err != nil {
					l.add(l.at(fmt.Sprintf("%s[%d]", p, i)), "%s[%d]: bad volume %q: %v", p, i, s, err)
					continue
				}
				in.Volumes = append(in.Volumes, vol)
				l.volumePaths[name] = append(l.volumePaths[name], fmt.Sprintf("%s[%d]", p, i))
			}
		case "command":
			in.Command = l.stringList(v, p, false)
		case "health":
			in.Health = l.health(name, v, p)
		case "needs":
			in.Needs = l.stringList(v, p, false)
		case "ready":
			in.Ready = l.infraReady(name, v, p)
		case "data":
			in.Data = DataMode(l.str(v, p))
		case "sick":
			in.Sick = l.sick(what, v, p)
		}
	})
	return in
}

func (l *loader) health(infra string, n *yaml.Node, path string) *Health {
	h := &Health{}
	what := fmt.Sprintf("in health of infra %q", infra)
	ok := l.object(n, path, what, keysOf[Health](), func(key string, v *yaml.Node, p string) {
		switch key {
		case "cmd":
			h.Cmd, h.Shell = l.healthCmd(v, p)
		case "interval":
			h.Interval = l.duration(v, p)
		case "timeout":
			h.Timeout = l.duration(v, p)
		case "retries":
			h.Retries, _ = l.integer(v, p)
		case "start_period":
			h.StartPeriod = l.duration(v, p)
		}
	})
	if !ok {
		return nil
	}
	return h
}

// healthCmd reads exec form (a list) or shell form (a string). Lists written
// the Docker way, ["CMD", ...] or ["CMD-SHELL", "..."], are understood too, so
// that health checks copied from compose files work as they did there.
func (l *loader) healthCmd(v *yaml.Node, p string) (cmd []string, shell bool) {
	if r := resolve(v); r.Kind == yaml.ScalarNode {
		return []string{r.Value}, true
	}
	cmd = l.stringList(v, p, false)
	switch {
	case len(cmd) > 0 && cmd[0] == "CMD":
		return cmd[1:], false
	case len(cmd) == 2 && cmd[0] == "CMD-SHELL":
		return cmd[1:], true
	case len(cmd) > 0 && (cmd[0] == "CMD-SHELL" || cmd[0] == "NONE"):
		l.add(at(v), "%s: [%q, ...] is not a health check crispify can run: write the command as a list or a string", p, cmd[0])
		l.bad[p] = true
		return nil, false
	}
	return cmd, false
}

func (l *loader) service(name string, n *yaml.Node, path string) *Service {
	s := &Service{Name: name}
	what := fmt.Sprintf("in service %q", name)
	l.object(n, path, what, keysOf[Service](), func(key string, v *yaml.Node, p string) {
		switch key {
		case "repo":
			s.Repo = l.str(v, p)
			l.noteLiteral(v, p)
		case "branch":
			s.Branch = l.str(v, p)
		case "path":
			s.Path = l.str(v, p)
		case "dir":
			s.Workdir = l.str(v, p)
		case "paths":
			s.Paths = l.stringList(v, p, false)
		case "setup":
			s.Setup = l.stringList(v, p, true)
		case "setup_when":
			s.SetupWhen = l.stringList(v, p, false)
		case "run":
			s.Run = l.str(v, p)
		case "env":
			s.Env = l.stringMap(v, p)
		case "env_file":
			s.EnvFile = l.str(v, p)
		case "needs":
			s.Needs = l.stringList(v, p, false)
		case "ready":
			s.Ready = l.ready(name, v, p)
		case "replicas":
			s.Replicas, _ = l.integer(v, p)
		case "restart":
			s.Restart = RestartPolicy(l.str(v, p))
		case "profiles":
			s.Profiles = l.stringList(v, p, false)
		case "watch":
			s.Watch = l.watch(name, v, p)
		case "tools":
			s.Tools = l.tools(name, v, p)
		case "sick":
			s.Sick = l.sick(what, v, p)
		}
	})
	return s
}

// tools reads a service's tools: map. A version may be written as a YAML
// number (go: 1.26): its text is kept as written, so 1.20 stays 1.20.
func (l *loader) tools(service string, n *yaml.Node, path string) *Tools {
	t := &Tools{}
	what := fmt.Sprintf("in tools of service %q", service)
	ok := l.object(n, path, what, keysOf[Tools](), func(key string, v *yaml.Node, p string) {
		val := ToolVersion(l.str(v, p))
		switch key {
		case "node":
			t.Node = val
		case "go":
			t.Go = val
		case "ruby":
			t.Ruby = val
		case "python":
			t.Python = val
		}
	})
	if !ok {
		return nil
	}
	return t
}

func (l *loader) ready(service string, n *yaml.Node, path string) *Ready {
	r := &Ready{}
	what := fmt.Sprintf("in ready of service %q", service)
	ok := l.object(n, path, what, keysOf[Ready](), func(key string, v *yaml.Node, p string) {
		switch key {
		case "tcp":
			r.TCP, _ = l.integer(v, p)
		case "http":
			r.HTTP = l.str(v, p)
		case "log":
			r.Log = l.str(v, p)
		case "timeout":
			r.Timeout = l.duration(v, p)
		}
	})
	if !ok {
		return nil
	}
	return r
}

// isTilde tells a bare ~, which YAML reads as null.
func isTilde(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Style == 0 && n.Value == "~"
}
