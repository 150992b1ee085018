package manifest

import (
	"fmt"
	"strings"
)

// checkNeeds reports needs that name nothing, the wrong kind, or the entry
// itself. Infra can only need infra: containers start before any worker.
func checkNeeds(l *loader, m *Manifest) {
	infraNames, serviceNames := m.InfraNames(), m.ServiceNames()
	for _, name := range infraNames {
		p := join("infra", name) + ".needs"
		for i, need := range m.Infra[name].Needs {
			here := l.at(fmt.Sprintf("%s[%d]", p, i))
			_, isInfra := m.Infra[need]
			_, isService := m.Services[need]
			switch {
			case need == name:
				l.add(here, "infra %q needs itself", name)
			case isInfra:
			case isService:
				l.add(here, "infra %q needs service %q: infra can only need infra", name, need)
			default:
				l.add(here, "infra %q needs unknown infra %q%s", name, need, l.hint(need, infraNames, nil))
			}
		}
	}
	for _, name := range serviceNames {
		p := join("services", name) + ".needs"
		for i, need := range m.Services[name].Needs {
			here := l.at(fmt.Sprintf("%s[%d]", p, i))
			_, isInfra := m.Infra[need]
			_, isService := m.Services[need]
			switch {
			case need == name:
				l.add(here, "service %q needs itself", name)
			case isInfra || isService:
			default:
				l.add(here, "service %q needs unknown %q%s", name, need, l.hint(need, infraNames, serviceNames))
			}
		}
	}
}

// hint suggests the name meant, else lists the names there are.
func (l *loader) hint(name string, infra, services []string) string {
	if l.suggestions < maxSuggestions {
		if s := l.closest(name, append(append([]string(nil), infra...), services...)); s != "" {
			return fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	var known []string
	if len(infra) > 0 {
		known = append(known, "infra: "+shortList(infra))
	}
	if len(services) > 0 {
		known = append(known, "services: "+shortList(services))
	}
	if len(known) == 0 {
		return ""
	}
	return " (known " + strings.Join(known, "; ") + ")"
}

// node is an infra or a service in the needs graph; both kinds share one
// graph so that a service can need another service.
type node struct {
	service bool
	name    string
}

// edges lists what n needs, as nodes, in the order written, with the index
// in its needs list. Unknown and self needs are checkNeeds' business and are
// left out here.
func edges(m *Manifest, n node) (out []node, index []int) {
	if !n.service {
		for i, need := range m.Infra[n.name].Needs {
			if _, ok := m.Infra[need]; ok && need != n.name {
				out, index = append(out, node{false, need}), append(index, i)
			}
		}
		return out, index
	}
	for i, need := range m.Services[n.name].Needs {
		if need == n.name {
			continue
		}
		if _, ok := m.Infra[need]; ok {
			out, index = append(out, node{false, need}), append(index, i)
		} else if _, ok := m.Services[need]; ok {
			out, index = append(out, node{true, need}), append(index, i)
		}
	}
	return out, index
}

// checkCycles reports every cycle in needs, naming it whole: a depth-first
// walk in declaration order reports one cycle per edge that leads back into
// the current path, at that edge's entry in needs. The same cycle reached
// twice (a need written twice) is reported once.
func checkCycles(l *loader, m *Manifest) {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[node]int{}
	reported := map[string]bool{}
	var stack []node
	var visit func(n node)
	visit = func(n node) {
		state[n] = onPath
		stack = append(stack, n)
		next, index := edges(m, n)
		for i, to := range next {
			switch state[to] {
			case unseen:
				visit(to)
			case onPath:
				cycle := cycleNames(stack, to)
				if !reported[cycle] {
					reported[cycle] = true
					l.add(l.at(fmt.Sprintf("%s.needs[%d]", nodePath(n), index[i])), "needs cycle: %s", cycle)
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	for _, name := range m.InfraNames() {
		if n := (node{false, name}); state[n] == unseen {
			visit(n)
		}
	}
	for _, name := range m.ServiceNames() {
		if n := (node{true, name}); state[n] == unseen {
			visit(n)
		}
	}
}

// cycleNames formats the part of the path from `to` onwards, back to `to`.
func cycleNames(stack []node, to node) string {
	start := len(stack) - 1
	for start > 0 && stack[start] != to {
		start--
	}
	var names []string
	for _, n := range stack[start:] {
		names = append(names, n.name)
	}
	return strings.Join(append(names, to.name), " -> ")
}

func nodePath(n node) string {
	if n.service {
		return join("services", n.name)
	}
	return join("infra", n.name)
}
