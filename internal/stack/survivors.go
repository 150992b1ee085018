package stack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// survivors names, by pid, the processes of the project's workers that
// crispify could not end and that still run: those a stop left (another
// user's, or stuck in the kernel), and those of a crispify that was
// killed and not yet ended. nil when there are none.
func (st *Stack) survivors() error {
	left := workers.Survivors(filesOf(st.Manifest).workers())
	if len(left) == 0 {
		return nil
	}
	var all []string
	for _, s := range left {
		for _, pid := range s.PIDs {
			all = append(all, strconv.Itoa(pid))
		}
	}
	return fmt.Errorf("processes of the workers still run, which crispify could not end: %s: end them by hand with `kill -KILL %s` (with sudo if they are another user's)",
		describeSurvivors(left), strings.Join(all, " "))
}

// describeSurvivors says whose processes are left: "api (pids 12, 13),
// web (pid 9)".
func describeSurvivors(left []workers.Survivor) string {
	parts := make([]string, len(left))
	for i, s := range left {
		parts[i] = s.Name + " (" + pidList(s.PIDs) + ")"
	}
	return strings.Join(parts, ", ")
}

// survivorDetail is what a worker's status row says of processes of its
// own that crispify could not end, or that a killed crispify left; ""
// when there are none.
func survivorDetail(left []workers.Survivor, name string) string {
	var tried, untried []int
	for _, s := range left {
		switch {
		case s.Name != name:
		case s.Tried:
			tried = append(tried, s.PIDs...)
		default:
			untried = append(untried, s.PIDs...)
		}
	}
	var parts []string
	if len(tried) > 0 {
		parts = append(parts, "could not be ended, still running: "+pidList(tried)+" (kill -KILL them by hand)")
	}
	if len(untried) > 0 {
		parts = append(parts, "left running by a crispify that was killed: "+pidList(untried)+" (decrispify or the next boot ends them)")
	}
	return strings.Join(parts, "; ")
}

func pidList(pids []int) string {
	s := make([]string, len(pids))
	for i, pid := range pids {
		s[i] = strconv.Itoa(pid)
	}
	if len(pids) == 1 {
		return "pid " + s[0]
	}
	return "pids " + strings.Join(s, ", ")
}

// withSurvivors adds to the worker rows what crispify could not end of
// each worker, by pid, and a row for a worker that has none; ok is false
// when there is any: something runs that should not.
func (st *Stack) withSurvivors(rows []Row) ([]Row, bool) {
	left := workers.Survivors(filesOf(st.Manifest).workers())
	if len(left) == 0 {
		return rows, true
	}
	shown := map[string]bool{}
	for i, r := range rows {
		if r.Kind == "worker" {
			rows[i].Detail = joinNonEmpty(r.Detail, survivorDetail(left, r.Name))
			shown[r.Name] = true
		}
	}
	for _, s := range left {
		if !shown[s.Name] {
			shown[s.Name] = true
			rows = append(rows, Row{Kind: "worker", Name: s.Name, State: string(event.Stopped), Detail: survivorDetail(left, s.Name)})
		}
	}
	return rows, false
}
