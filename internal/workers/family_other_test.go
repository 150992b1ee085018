//go:build unix && !linux

package workers

// forcedTracker: only Linux has trackers to choose from.
func forcedTracker(string) *tracker { return nil }
