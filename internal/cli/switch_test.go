package cli

import (
	"reflect"
	"testing"
)

func TestSwitchFlagsBecomeOptions(t *testing.T) {
	o, _ := parse(t, NewCmdSwitch, "--dry-run", "--data", "fresh", "feature-x", "api", "mailer")
	if !o.DryRun || o.Data != "fresh" || o.Branch != "feature-x" || !reflect.DeepEqual(o.Names, []string{"api", "mailer"}) {
		t.Errorf("options %+v", *o)
	}
	// "-" is the branch before, not a flag.
	if o, _ = parse(t, NewCmdSwitch, "-"); o.DryRun || o.Data != "copy" || o.Branch != "-" || len(o.Names) != 0 {
		t.Errorf("switch -: %+v", *o)
	}
}
