package manifest

import (
	"fmt"
	"sort"
	"strings"
)

// InfraNames returns the infra names in the order the manifest declares them.
func (m *Manifest) InfraNames() []string {
	return ordered(m.infraOrder, m.Infra)
}

// ServiceNames returns the service names in the order the manifest declares
// them.
func (m *Manifest) ServiceNames() []string {
	return ordered(m.serviceOrder, m.Services)
}

// ordered returns a copy of order, or the sorted keys when order does not
// match the map: a Manifest built in code (a test's) has no declaration order.
func ordered[T any](order []string, entries map[string]T) []string {
	if len(order) == len(entries) {
		ok := true
		for _, name := range order {
			if _, found := entries[name]; !found {
				ok = false
				break
			}
		}
		if ok {
			return append([]string(nil), order...)
		}
	}
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Closure returns the named infra and services and everything they need,
// transitively, each list in declaration order. No names means everything.
// A name may be an infra or a service; an unknown one is an error listing
// the names there are.
func (m *Manifest) Closure(names []string) (infra, services []string, err error) {
	if len(names) == 0 {
		return m.InfraNames(), m.ServiceNames(), nil
	}
	wantInfra, wantService := map[string]bool{}, map[string]bool{}
	var visitInfra, visitService func(string)
	visitInfra = func(name string) {
		if wantInfra[name] {
			return
		}
		wantInfra[name] = true
		for _, need := range m.Infra[name].Needs {
			if _, ok := m.Infra[need]; ok {
				visitInfra(need)
			}
		}
	}
	visitService = func(name string) {
		if wantService[name] {
			return
		}
		wantService[name] = true
		for _, need := range m.Services[name].Needs {
			if _, ok := m.Infra[need]; ok {
				visitInfra(need)
			} else if _, ok := m.Services[need]; ok {
				visitService(need)
			}
		}
	}
	var unknown []string
	for _, name := range names {
		if _, ok := m.Services[name]; ok {
			visitService(name)
		} else if _, ok := m.Infra[name]; ok {
			visitInfra(name)
		} else {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		msg := "unknown service or infra " + quoteList(unknown)
		all := append(m.ServiceNames(), m.InfraNames()...)
		if s := closest(unknown[0], all); len(unknown) == 1 && s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, nil, fmt.Errorf("%s; known services: %s; infra: %s", msg,
			orNone(m.ServiceNames()), orNone(m.InfraNames()))
	}
	for _, name := range m.InfraNames() {
		if wantInfra[name] {
			infra = append(infra, name)
		}
	}
	for _, name := range m.ServiceNames() {
		if wantService[name] {
			services = append(services, name)
		}
	}
	return infra, services, nil
}

// Profile returns the services in profile p, in declaration order.
func (m *Manifest) Profile(p string) []string {
	var out []string
	for _, name := range m.ServiceNames() {
		for _, q := range m.Services[name].Profiles {
			if q == p {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
