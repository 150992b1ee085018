package stack

import "github.com/crispify/crispify/internal/manifest"

// StopOrder is the reverse of the dependency order of the named services'
// workers: a worker stops before the workers it needs, those of one level
// together.
func StopOrder(m *manifest.Manifest, names []string) [][]string {
	depth := map[string]int{}
	var visit func(name string) int
	visit = func(name string) int {
		if d, ok := depth[name]; ok {
			return d
		}
		depth[name] = 0 // the manifest has no cycles; this only guards recursion
		d := 0
		for _, n := range m.Services[name].Needs {
			if _, ok := m.Services[n]; ok {
				d = max(d, visit(n)+1)
			}
		}
		depth[name] = d
		return d
	}
	deepest := 0
	for _, name := range names {
		deepest = max(deepest, visit(name))
	}
	levels := make([][]string, deepest+1)
	for _, name := range names {
		if m.Services[name].Run == "" {
			continue
		}
		levels[deepest-depth[name]] = append(levels[deepest-depth[name]], name)
	}
	return levels
}
