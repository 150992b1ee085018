package cli

import (
	"reflect"
	"testing"
)

func TestSwitchFlagsBecomeOptions(t *testing.T) {
	o, _ := parse(t, NewCmdSwitch, "--dry-run", "feature-x", "api", "mailer")
	if !o.DryRun || o.Branch != "feature-x" || !reflect.DeepEqual(o.Names, []string{"api", "mailer"}) {
		t.Errorf("options %+v", *o)
	}
	// "-" is the branch before, not a flag.
	if o, _ = parse(t, NewCmdSwitch, "-"); o.DryRun || o.Branch != "-" || len(o.Names) != 0 {
		t.Errorf("switch -: %+v", *o)
	}
}
