package stack

import (
	"slices"

	"github.com/crispify/crispify/internal/manifest"
)

// StopOrder is the reverse of the dependency order of the named services'
// workers: a worker stops before the workers it needs, those of one level
// together.
func StopOrder(m *manifest.Manifest, names []string) [][]string {
	levels := manifest.StopLevels(names, func(name string) []string {
		var workers []string
		for _, n := range m.Services[name].Needs {
			if _, ok := m.Services[n]; ok {
				workers = append(workers, n)
			}
		}
		return workers
	})
	for i, level := range levels {
		levels[i] = slices.DeleteFunc(level, func(name string) bool { return m.Services[name].Run == "" })
	}
	return levels
}
