package workers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/crispify/crispify/internal/manifest"
)

// maxWhenFile caps a setup_when file: lockfiles are a few MB, and past
// this size the hashing would cost more than the setup it decides on.
const maxWhenFile = 64 << 20

// setupHash is the sha256 over the commands and the When files' contents:
// what, changed, makes setup run again. A When file that does not exist
// counts as content of its own, so that its appearing re-runs setup. The
// parts' own hashes are kept too, to say which one changed. Only regular
// files inside the repo are read (a symlink is followed while it stays
// inside), each up to maxWhenFile, and ctx ends the hashing.
func setupHash(ctx context.Context, s Setup) (setupRecord, error) {
	rec := setupRecord{parts: map[string]string{}}
	h := sha256.New()
	fmt.Fprintf(h, "crispify setup v1\n")
	commands := sha256.New()
	for _, c := range s.Commands {
		fmt.Fprintf(h, "command %q\n", c)
		fmt.Fprintf(commands, "%q\n", c)
	}
	rec.parts[commandsPart] = hex.EncodeToString(commands.Sum(nil))
	for _, name := range s.When {
		fmt.Fprintf(h, "file %q ", name)
		var sum []byte
		var err error
		if manifest.IsGlob(name) {
			sum, err = hashWhenGlob(ctx, s.root(), name)
		} else {
			sum, err = hashWhenFile(ctx, s.root(), name)
		}
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(h, "missing\n")
			rec.parts[name] = "missing"
			continue
		}
		if err != nil {
			return rec, fmt.Errorf("hash setup_when file %s: %w", name, err)
		}
		fmt.Fprintf(h, "%x\n", sum)
		rec.parts[name] = hex.EncodeToString(sum)
	}
	rec.order = append([]string{commandsPart}, s.When...)
	if len(s.When) == 0 && s.Source != nil {
		rec.addSource(h, s.Source)
	}
	rec.sum = hex.EncodeToString(h.Sum(nil))
	return rec, nil
}

// hashWhenFile hashes one setup_when file of the repo in dir.
func hashWhenFile(ctx context.Context, dir, name string) ([]byte, error) {
	real, err := manifest.InRepo(dir, name)
	if err != nil {
		return nil, err
	}
	f, fi, err := manifest.OpenRegular(real)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > maxWhenFile {
		return nil, fmt.Errorf("it is %d MB, over the %d MB a setup_when file may be", fi.Size()>>20, maxWhenFile>>20)
	}
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for total := int64(0); ; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if total += int64(n); total > maxWhenFile {
			return nil, fmt.Errorf("it grew past the %d MB a setup_when file may be", maxWhenFile>>20)
		}
		if errors.Is(err, io.EOF) {
			return h.Sum(nil), nil
		}
		if err != nil {
			return nil, err
		}
	}
}
