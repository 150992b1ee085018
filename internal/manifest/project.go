package manifest

import "fmt"

// CheckProject says whether name may name a project (from --project or
// CRISPIFY_PROJECT): it names containers, volumes and state files.
func CheckProject(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("project name %q must match %s: lowercase letters, digits, _ and -, at most 31", name, namePattern)
	}
	return nil
}
