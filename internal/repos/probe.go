package repos

import (
	"bytes"
	"context"
)

// Probe checks that a repo's remote answers, with the credentials a clone
// would use, and has its branch, without cloning anything: what
// `crispify doctor` asks of every repo. Like every git of crispify's it
// cannot prompt.
func Probe(ctx context.Context, spec Spec) error {
	r, err := remoteFor(spec.URL, spec.Branch)
	if err != nil {
		return failure("reach", spec.Name, spec.URL, explain(err, r))
	}
	out, err := cliGit{bin: "git"}.run(ctx, call{remote: &r}, "ls-remote", "--heads", "--", r.URL, r.Branch)
	if err != nil {
		return failure("reach", spec.Name, spec.URL, explain(err, r))
	}
	if len(bytes.TrimSpace(out)) == 0 {
		return failure("reach", spec.Name, spec.URL, branchNotFound(r.Branch))
	}
	return nil
}
