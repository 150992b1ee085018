package manifest

// StopLevels groups names for a stop in the reverse order of their needs:
// what needs another stops a level before it, and the names of one level
// stop together. needs says what a name needs; the depth counts what lies
// beyond names too, so that a stop of part of a stack keeps the order of
// the whole. The manifest has no cycles (checkCycles).
func StopLevels(names []string, needs func(name string) []string) [][]string {
	depth := map[string]int{}
	var visit func(name string) int
	visit = func(name string) int {
		if d, ok := depth[name]; ok {
			return d
		}
		depth[name] = 0 // guards the recursion only
		d := 0
		for _, n := range needs(name) {
			d = max(d, visit(n)+1)
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
		levels[deepest-depth[name]] = append(levels[deepest-depth[name]], name)
	}
	return levels
}
