package stack

import "github.com/crispify/crispify/internal/docker"

// dataDetail says, on an infra's status row, whose data its container
// runs on: "data feature", "data shared" for data: shared, and, when the
// last switch moved the stack to other data than the container mounts
// (a switch with no stack running), that the next boot swaps it. next is
// the data branch the last switch recorded (ShownData).
func (st *Stack) dataDetail(s docker.Status, next string) string {
	if s.DataBranch == "" {
		return ""
	}
	if in := st.Manifest.Infra[s.Name]; in != nil && in.SharedData() {
		return "data shared"
	}
	detail := "data " + s.DataBranch
	if next != "" && next != s.DataBranch {
		detail += " (the next boot runs it on " + next + "'s)"
	}
	return detail
}
