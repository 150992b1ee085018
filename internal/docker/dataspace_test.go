package docker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// spaceEngine is an engine that only says its data space.
type spaceEngine struct {
	Engine
	space DataSpace
}

func (e spaceEngine) DataSpace(context.Context) (DataSpace, error) { return e.space, nil }

// An engine that sizes no volume (API 1.41) but keeps them where this
// machine reads: the volume is sized by its files, and a copy the disk
// cannot hold is refused before anything is made.
func TestAVolumeTheEngineDoesNotSizeIsSizedByItsFiles(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "crisp_mysql_data", "_data")
	if err := os.MkdirAll(filepath.Join(data, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "db", "ibdata1"), make([]byte, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	vols := []string{"crisp_mysql_data"}
	for _, tc := range []struct {
		name    string
		space   DataSpace
		refused bool
		size    int64 // -1: unknown
	}{
		{"room enough", DataSpace{Free: 70 << 20, Volumes: dir}, false, 3 << 20},
		{"too little room", DataSpace{Free: 66 << 20, Volumes: dir}, true, 3 << 20},
		{"a folder this machine cannot read", DataSpace{Free: 1 << 20}, false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProject(ProjectOptions{Engine: spaceEngine{space: tc.space}})
			space2, err := p.checkSpace(context.Background(), "copy the data of branch master to branch feature", vols)
			var space *SpaceError
			if got := errors.As(err, &space); got != tc.refused {
				t.Fatalf("checkSpace: %v, want refused %v", err, tc.refused)
			}
			if tc.refused {
				if space.Need != 3<<20 {
					t.Errorf("the refusal says %d bytes are needed, want %d", space.Need, 3<<20)
				}
				return
			}
			size, ok := space2.Sizes["crisp_mysql_data"]
			if (tc.size < 0) == ok || (ok && size != tc.size) {
				t.Errorf("size %d (known %v), want %d", size, ok, tc.size)
			}
		})
	}
}
