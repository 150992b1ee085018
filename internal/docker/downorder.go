package docker

import (
	"slices"

	"github.com/crispify/crispify/internal/manifest"
)

// downOrder is the order in which a teardown stops list, as indexes into
// it: a container before the infra it needs (m's needs), those of one
// level together. A container of an infra m no longer has needs nothing
// that m knows, and nothing in m needs it.
func downOrder(m *manifest.Manifest, list []Container) [][]int {
	var names []string
	for _, c := range list {
		if name := c.Labels[LabelInfra]; !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	levels := manifest.StopLevels(names, func(name string) []string {
		if in := m.Infra[name]; in != nil {
			return in.Needs
		}
		return nil
	})
	order := make([][]int, len(levels))
	for l, level := range levels {
		for i, c := range list {
			if slices.Contains(level, c.Labels[LabelInfra]) {
				order[l] = append(order[l], i)
			}
		}
	}
	return order
}
