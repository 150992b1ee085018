package stack

import (
	"fmt"

	"github.com/crispify/crispify/internal/build"
)

// VersionError is a supervisor of another crispify: it speaks another
// version of the protocol, so its replies cannot be read for sure.
type VersionError struct {
	PID             int
	Theirs, Ours    int    // protocol versions; 0 is a crispify from before they were sent
	TheirVersion    string // its crispify version; "" when it did not say
	OurVersion      string
	Project, Folder string
}

func (e *VersionError) Error() string {
	theirs := e.TheirVersion
	if theirs == "" {
		theirs = "an older crispify"
	}
	return fmt.Sprintf("the supervisor of project %s (pid %d) is %s (protocol %d), this is crispify %s (protocol %d): they do not speak alike. "+
		"Hand the stack over to this one without stopping the infra: `kill %d` ends that supervisor and its workers and leaves the containers running, "+
		"then run crispify again, which keeps them; or `decrispify`, which any crispify can, removes the containers too (their data stays); "+
		"or use the crispify that started it", e.Project, e.PID, theirs, e.Theirs, e.OurVersion, e.Ours, e.PID)
}

// speaks fails a request the supervisor may read otherwise: every one but
// a ping and a down, whose meaning no version changes.
func (c *Client) speaks(op string) error {
	if op == opPing || op == opDown || c.pid == 0 || c.protocol == protocolVersion {
		return nil
	}
	return &VersionError{PID: c.pid, Theirs: c.protocol, Ours: protocolVersion, TheirVersion: c.version,
		OurVersion: build.Version(), Project: c.files.project, Folder: c.files.dir}
}
