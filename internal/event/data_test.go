package event

import (
	"encoding/json"
	"strings"
	"testing"
)

// A script reads done and total of every data event: both are there even
// at zero, and no other event carries a volume.
func TestDataEventJSON(t *testing.T) {
	e := Event{Kind: Data, Name: "redis", Phase: Copying, Volume: &Volume{Name: "crisp_redis_data.feature-1a2b3c4d", Branch: "feature"}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"data"`, `"done":0`, `"total":0`, `"snapshot":""`, `"branch":"feature"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if b, _ := json.Marshal(Event{Kind: Infra, Phase: Healthy}); strings.Contains(string(b), "volume") {
		t.Errorf("an infra event carries a volume: %s", b)
	}
	if Copying.Final() || !Copied.Final() {
		t.Error("copying must be coalescable progress, copied final")
	}
	for _, p := range []Phase{Copied, Swapped, Saved, Restored} {
		if ClassOf(p) != Good {
			t.Errorf("%s reads as class %d, not good", p, ClassOf(p))
		}
	}
	if ClassOf(Copying) != Working {
		t.Error("copying does not read as under way")
	}
}
