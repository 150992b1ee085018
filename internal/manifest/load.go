package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Options change how a manifest is loaded.
type Options struct {
	// Workspace overrides the manifest's workspace (from --workspace or
	// $CRISPIFY_WORKSPACE); a relative one is relative to the current folder.
	// Empty means the manifest's own.
	Workspace string
	// Home is the folder ~ stands for; empty means os.UserHomeDir.
	Home string
	// Project overrides the manifest's project (from --project or
	// $CRISPIFY_PROJECT): two people sharing an engine need two names.
	// Empty means the manifest's own.
	Project string
}

// Load reads, parses and validates the manifest at path. A manifest with
// mistakes returns Errors; a file that cannot be read returns an ordinary
// error wrapping the cause (errors.Is(err, fs.ErrNotExist) works).
func Load(path string, opts Options) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in our message
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read manifest %s: %w: create one or pass -f", path, err)
		}
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	return Parse(data, path, opts)
}

// Parse parses and validates a manifest read from file (used in diagnostics
// as given, and to place relative paths). It reads the file system only to
// resolve the workspace's symlinks.
func Parse(data []byte, file string, opts Options) (*Manifest, error) {
	l := &loader{
		report:      report{file: file},
		opts:        opts,
		keys:        map[string]pos{},
		vals:        map[string]pos{},
		bad:         map[string]bool{},
		portPaths:   map[string][]string{},
		volumePaths: map[string][]string{},
	}
	root := l.parseYAML(data)
	if root == nil {
		return nil, l.result()
	}
	m := l.decode(root)
	if l.visits >= maxNodes {
		return nil, l.result() // what follows would only report the truncation
	}
	if err := place(m, file); err != nil {
		return nil, err
	}
	if err := resolveWorkspace(l, m); err != nil {
		return nil, err
	}
	fillDefaults(l, m)
	for _, check := range validators() {
		check(l, m)
	}
	if err := l.result(); err != nil {
		return nil, err
	}
	if opts.Project != "" {
		if !nameRE.MatchString(opts.Project) {
			return nil, fmt.Errorf("project name %q (from --project or CRISPIFY_PROJECT) must match %s: lowercase letters, digits, _ and -, at most 31", opts.Project, namePattern)
		}
		m.Project = opts.Project
	}
	return m, nil
}

// place sets File and Dir. Without a file name (a manifest read from
// stdin), relative paths are relative to the current folder.
func place(m *Manifest, file string) error {
	if file == "" {
		dir, err := os.Getwd()
		m.Dir = dir
		return err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", file, err)
	}
	m.File, m.Dir = abs, filepath.Dir(abs)
	return nil
}

// loader holds the state of one Parse: the diagnostics, and where every
// key and value was written so that validators can point at them.
type loader struct {
	report
	opts Options

	keys map[string]pos  // position of each key, by path (services.api.path)
	vals map[string]pos  // position of each non-null value, by path
	bad  map[string]bool // paths whose value had the wrong type

	// The paths of the decoded ports and volumes of each infra: entries that
	// did not parse are left out of Infra.Ports, so indexes differ.
	portPaths   map[string][]string
	volumePaths map[string][]string

	rawVersion  string
	visits      int // nodes decoded, against maxNodes
	suggestions int // "did you mean" searches, against maxSuggestions
}

// yamlLine finds the line in yaml.v3's error messages ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML returns the root mapping, or nil after reporting why there is
// none.
func (l *loader) parseYAML(data []byte) (root *yaml.Node) {
	// yaml.v3 is the one piece of code here that is not ours; a panic in it
	// on some odd input must not take the CLI down.
	defer func() {
		if r := recover(); r != nil {
			l.add(pos{1, 1}, "invalid YAML: %v", r)
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		l.yamlError(err)
		return nil
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if isNull(resolve(root)) {
		l.add(pos{1, 1}, "manifest is empty: start it with \"version: 1\"")
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		l.add(at(&next), "a manifest is one YAML document; remove this \"---\" and what follows")
	} else if !errors.Is(err, io.EOF) {
		l.yamlError(err)
	}
	if r := resolve(root); r.Kind != yaml.MappingNode {
		l.add(at(root), "a manifest is a map of keys (version, project, ...), got %s", describe(r))
		return nil
	}
	return root
}

// yamlError reports a syntax error. yaml.v3 counts lines from 0 in the
// errors of its parser (not of its scanner), and for those gives the line
// where the enclosing map or list starts: the best position there is.
func (l *loader) yamlError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			line = n
		}
		msg = m[2]
		if isParserProblem(msg) {
			line++
		}
	}
	l.add(pos{line, 1}, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// isParserProblem tells the messages of yaml.v3's parser (parserc.go) from
// those of its scanner.
func isParserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

// at returns where path was written: its value, else its key; for a path
// never written (a default, a missing key), the key of the nearest enclosing
// entry (infra "redis" has no image: at "redis:"), else the top of the file.
func (l *loader) at(path string) pos {
	if p, ok := l.vals[path]; ok {
		return p
	}
	for {
		if p, ok := l.keys[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return pos{1, 1}
		}
		path = path[:i]
	}
}

// keyAt returns where path's key was written, for messages about an entry
// as a whole (health of infra "redis" has no cmd: at "health:").
func (l *loader) keyAt(path string) pos {
	if p, ok := l.keys[path]; ok {
		return p
	}
	return l.at(path)
}

// has tells whether path was written with a non-null value.
func (l *loader) has(path string) bool {
	_, ok := l.vals[path]
	return ok
}
