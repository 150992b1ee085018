package workers

import (
	"fmt"
	"regexp"
)

// generation is one version of a worker: the spec its replicas run and
// what is compiled from it. A restart with a changed spec makes a new
// generation; while it rolls out, replicas of both run side by side.
type generation struct {
	spec  Spec
	probe probe
	logRE *regexp.Regexp // ready.log, compiled; nil for other probes
}

func newGeneration(spec Spec) (*generation, error) {
	spec, logRE, err := normalize(spec)
	if err != nil {
		return nil, err
	}
	return &generation{spec: spec, probe: newProbe(spec.Ready), logRE: logRE}, nil
}

// env is the environment of replica i of the generation.
func (g *generation) env(i int) []string {
	return append(append([]string(nil), g.spec.Env...), fmt.Sprintf("CRISPIFY_REPLICA=%d", i))
}

// rolls reports whether a restart from one spec to the next can start the
// new processes before the old ones stop (docs/design.md, "A live stack"): with
// several replicas, or when readiness is a line of output (a consumer with
// no port of its own). A worker probed on a port is taken to hold a fixed
// one, and one without a probe may: those stop first, then start.
func rolls(old, next Spec) bool {
	ok := func(s Spec) bool { return s.Replicas > 1 || (s.Ready != nil && s.Ready.Log != "") }
	return ok(old) && ok(next)
}
