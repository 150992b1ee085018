package trace

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestNoTracerWritesNothing(t *testing.T) {
	ctx := context.Background()
	// Nothing to assert but that these do not panic: engine code calls them
	// whether -v was given or not.
	From(ctx).Command("/", []string{"git", "status"}, nil)
	From(ctx).API("GET", "/v1.41/_ping")
	From(ctx).Printf("x %d", 1)
	if From(ctx) != nil {
		t.Fatal("a context without a tracer has one")
	}
}

func TestCommandMasksSecrets(t *testing.T) {
	var b bytes.Buffer
	tr := New(&b)
	tr.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC) }
	ctx := With(context.Background(), tr)
	From(ctx).Command("/ws/api", []string{"git", "clone", "--", "https://bob:hunter2@host/x.git", "dir with space"},
		[]string{"GIT_TERMINAL_PROMPT=0", "DB_PASSWORD=hunter2", "GIT_CONFIG_VALUE_0=Authorization: Basic aHVudGVyMg=="})
	From(ctx).API("POST", "/v1.41/containers/create?name=x")
	From(ctx).Printf("start %s", "api")
	got := b.String()
	for _, secret := range []string{"hunter2", "aHVudGVyMg"} {
		if strings.Contains(got, secret) {
			t.Errorf("trace shows %q:\n%s", secret, got)
		}
	}
	want := "crispify -v 03:04:05.006 run git clone -- https://bob:***@host/x.git 'dir with space' (in /ws/api; env GIT_TERMINAL_PROMPT=0 DB_PASSWORD=*** GIT_CONFIG_VALUE_0='Authorization: ***')\n" +
		"crispify -v 03:04:05.006 docker POST /v1.41/containers/create?name=x\n" +
		"crispify -v 03:04:05.006 start api\n"
	if got != want {
		t.Errorf("trace:\n%s\nwant:\n%s", got, want)
	}
}
