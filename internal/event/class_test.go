package event

import "testing"

func TestEveryStateHasOneClass(t *testing.T) {
	for _, tc := range []struct {
		state Phase
		want  Class
	}{
		{Healthy, Good}, {Ready, Good}, {Cloned, Good}, {Done, Good},
		{Starting, Working}, {Waiting, Working}, {Cloning, Working},
		{Stopped, Idle}, {Exited, Idle}, {Removed, Idle},
		{Sick, Warn}, {Restarting, Warn}, {Skipped, Warn}, {Missing, Warn},
		{Dead, Bad}, {Failed, Bad}, {Unknown, Bad},
	} {
		if got := ClassOf(tc.state); got != tc.want {
			t.Errorf("ClassOf(%s) = %d, want %d", tc.state, got, tc.want)
		}
	}
}
