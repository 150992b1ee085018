package stack

import (
	"context"
	"slices"
	"testing"

	"github.com/crispify/crispify/internal/watch"
)

// A change that comes while its service is rebuilt waits for that rebuild
// and is merged with any other that came meanwhile, never dropped; another
// service rebuilds at once; once nothing is queued the turn is free, and
// when watching ends what is queued goes with it.
func TestAChangeDuringARebuildIsQueuedAfterIt(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	w := &watching{queued: map[string]*watch.Change{}, ctx: ctx}
	change := func(svc, file string, n int, setup ...string) watch.Change {
		return watch.Change{Service: svc, Trigger: file, Files: n, SetupChanged: setup}
	}

	release, free := w.offer(change("api", "a.go", 1))
	if !free {
		t.Fatal("the first change of api waits")
	}
	for _, c := range []watch.Change{change("api", "b.go", 1, "go.mod"), change("api", "", 2, "go.sum")} {
		if _, free := w.offer(c); free {
			t.Fatalf("%+v rebuilt during api's rebuild", c)
		}
	}
	web, free := w.offer(change("web", "index.js", 1))
	if !free {
		t.Fatal("web waited for api's rebuild")
	}
	if next := w.after("web", web); next != nil {
		t.Errorf("web's rebuild found %+v queued", next)
	}

	next := w.after("api", release)
	if next == nil || next.Files != 3 || next.Trigger != "b.go" || !slices.Equal(next.SetupChanged, []string{"go.mod", "go.sum"}) {
		t.Fatalf("queued after api's rebuild: %+v, want b.go and 2 more files, go.mod and go.sum", next)
	}
	if _, held := w.rebuilds.Holder("api"); !held {
		t.Fatal("api's turn was given back with a change still to apply")
	}
	if next := w.after("api", release); next != nil {
		t.Fatalf("a second rebuild of the same change: %+v", next)
	}
	if _, held := w.rebuilds.Holder("api"); held {
		t.Fatal("api's turn is held with nothing queued")
	}

	release, free = w.offer(change("api", "c.go", 1))
	if !free {
		t.Fatal("api waits for a rebuild that ended")
	}
	w.offer(change("api", "d.go", 1))
	stop() // watching ends
	if next := w.after("api", release); next != nil {
		t.Errorf("a change rebuilt after watching ended: %+v", next)
	}
	if _, held := w.rebuilds.Holder("api"); held || len(w.queued) != 0 {
		t.Errorf("left behind: turn held %v, queued %v", held, w.queued)
	}
}
