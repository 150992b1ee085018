package workers

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// commandsPart names the setup commands among a record's parts.
const commandsPart = "setup commands"

// setupRecord is what the hash file of a service's last successful setup
// holds: the hash that decides whether setup runs, on its first line (all
// that files of older crispify versions hold), then the hash of each part
// (the commands, each setup_when file), to say which one changed.
type setupRecord struct {
	sum   string
	parts map[string]string
	order []string // the parts in the manifest's order, commands first
}

func (r setupRecord) encode() []byte {
	var b bytes.Buffer
	b.WriteString(r.sum + "\n")
	for _, name := range r.order {
		fmt.Fprintf(&b, "%s %s\n", r.parts[name], name)
	}
	return b.Bytes()
}

// readSetupRecord reads a hash file; a missing or unreadable one is the
// empty record: setup never succeeded here.
func readSetupRecord(path string) setupRecord {
	data, err := os.ReadFile(path)
	if err != nil {
		return setupRecord{}
	}
	r := setupRecord{parts: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for first := true; sc.Scan(); first = false {
		if first {
			r.sum = strings.TrimSpace(sc.Text())
			continue
		}
		if sum, name, ok := strings.Cut(sc.Text(), " "); ok {
			r.parts[name] = sum
		}
	}
	return r
}

// changedSince says why setup must run again, against the last record:
// "first setup here", "package-lock.json changed", "setup commands and
// go.sum changed".
func (r setupRecord) changedSince(old setupRecord) string {
	if old.sum == "" {
		return "first setup here"
	}
	if len(old.parts) == 0 {
		return "setup_when files or commands changed" // a record of an older crispify
	}
	var changed []string
	for _, name := range r.order {
		if old.parts[name] != r.parts[name] {
			changed = append(changed, name)
		}
	}
	if len(changed) == 0 {
		return "setup_when files or commands changed"
	}
	return joinWords(changed) + " changed"
}

// joinWords writes a, b and c.
func joinWords(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
