package toolchain

import (
	"errors"
	"fmt"
	"strings"
)

// Status is what a check found.
type Status int

// The statuses of a Result. Missing, Wrong and Broken are problems: a boot
// fails the service; Unchecked is a note.
const (
	OK        Status = iota // found, and meets the wish
	Unchecked               // the wish or the version cannot be compared
	Missing                 // not on the worker's PATH
	Wrong                   // found, in a version that does not meet the wish
	Broken                  // found, but asking its version failed
)

// Result is the check of one tool of one service.
type Result struct {
	Service string
	Tool    string
	Wanted  string // the constraint as shown, e.g. ">=20" or "20.11.1"
	Source  string // where the wish came from: crispify.yaml, .nvmrc, go.mod...
	Found   string // the version found; "" when missing or broken
	Program string // the program that answered, e.g. /usr/bin/node
	Status  Status
	Detail  string // why, for Unchecked and Broken
	Hint    string // how to get the wanted version
}

// Problem tells whether the service cannot be trusted to set up and run.
func (r Result) Problem() bool { return r.Status >= Missing }

// String says the result in the words doctor and a failed boot both use.
func (r Result) String() string {
	want := fmt.Sprintf("service %s wants %s %s (from %s)", r.Service, r.Tool, r.Wanted, r.Source)
	switch r.Status {
	case OK:
		return fmt.Sprintf("service %s has %s %s (%s), as %s asks (%s)", r.Service, r.Tool, r.Found, r.Program, r.Source, r.Wanted)
	case Missing:
		return fmt.Sprintf("%s, found no %s on its PATH: %s", want, r.Tool, r.Hint)
	case Wrong:
		return fmt.Sprintf("%s, found %s %s (%s): %s", want, r.Tool, r.Found, r.Program, r.Hint)
	case Broken:
		return fmt.Sprintf("%s, but %s: %s", want, r.Detail, r.Hint)
	}
	return fmt.Sprintf("%s: not checked: %s", want, r.Detail)
}

// Problems joins the results that are problems into one error, nil when
// there are none; each says what is wanted, what was found and what to do.
func Problems(results []Result) error {
	var msgs []string
	for _, r := range results {
		if r.Problem() {
			msgs = append(msgs, r.String())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}
