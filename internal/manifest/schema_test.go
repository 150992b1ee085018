package manifest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite manifests/schema.json from the types")

const schemaFile = "../../manifests/schema.json"

func TestSchema(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("manifests/schema.json is stale (%v): run go test ./internal/manifest -run TestSchema -update", err)
	}
	if !bytes.HasSuffix(got, []byte("}\n")) {
		t.Error("schema does not end in a newline")
	}
}

// TestSchemaAgreesWithLoader validates manifests against the generated
// schema with a small validator of the keywords Schema uses: what the loader
// accepts, the schema must accept, and typical mistakes both reject.
func TestSchemaAgreesWithLoader(t *testing.T) {
	raw, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	valid := func(src string) error {
		var v any
		if err := yaml.Unmarshal([]byte(src), &v); err != nil {
			return err
		}
		return validateSchema(schema, schema, normalize(v), "")
	}

	full, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := valid(string(full)); err != nil {
		t.Errorf("schema rejects testdata/full.yaml: %v", err)
	}
	for _, src := range []string{
		doc("version: 1", "project: p", "x-anchors: {a: 1}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, setup: [a, b], ready: {log: x}}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, run: x, watch: true}", "  b: {repo: r, run: x, watch: {paths: [src], debounce: 1s}}"),
	} {
		if err := valid(src); err != nil {
			t.Errorf("schema rejects\n%s: %v", src, err)
		}
	}
	for _, src := range []string{
		doc("project: p"),
		doc("version: 2", "project: p"),
		doc("version: 1", "project: P"),
		doc("version: 1", "project: p", "colour: red"),
		doc("version: 1", "project: p", "infra:", "  r: {imagee: x}"),
		doc("version: 1", "project: p", "infra:", "  r: {image: x, ports: [\"80\"]}"),
		doc("version: 1", "project: p", "infra:", "  r: {image: x, volumes: [\"bad name:/x\"]}"),
		doc("version: 1", "project: p", "infra:", "  r: {image: x, health: {cmd: x, interval: 2x}}"),
		doc("version: 1", "project: p", "infra:", "  R: {image: x}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, ready: {tcp: 80, log: x}}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, ready: {}}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, restart: sometimes}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, replicas: 0}"),
		doc("version: 1", "project: p", "services:", "  a: {run: x}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, run: x, watch: yes}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, run: x, watch: {path: [src]}}"),
		doc("version: 1", "project: p", "services:", "  a: {repo: r, run: x, watch: {debounce: 3x}}"),
	} {
		if err := valid(src); err == nil {
			t.Errorf("schema accepts\n%s", src)
		}
		if _, err := Parse([]byte(src), "m.yaml", Options{Workspace: t.TempDir()}); err == nil {
			t.Errorf("loader accepts\n%s", src)
		}
	}
}

// TestPatterns checks that the schema's string patterns accept what the
// parsers accept.
func TestPatterns(t *testing.T) {
	f, _ := reflect.TypeFor[Manifest]().FieldByName("Project")
	if got := f.Tag.Get("pattern"); got != "^"+namePattern+"$" {
		t.Errorf("Project's pattern tag %q differs from namePattern %q", got, namePattern)
	}
	ports := []string{"80:80", "5672:5672/tcp", "53:53/udp", "0.0.0.0:80:80", "[::1]:80:80", "::1:80:80"}
	for _, s := range ports {
		if _, err := parsePort(s); err != nil {
			t.Errorf("parsePort(%q): %v", s, err)
		}
		if !regexp.MustCompile(portPattern).MatchString(s) {
			t.Errorf("port pattern rejects %q", s)
		}
	}
	volumes := []string{"data:/data", "my.vol_1:/x:ro", "./d:/d", "../d:/d:rw", "/abs:/x", "~/x:/x", ".:/src"}
	for _, s := range volumes {
		if _, err := parseVolume(s); err != nil {
			t.Errorf("parseVolume(%q): %v", s, err)
		}
		if !regexp.MustCompile(volumePattern).MatchString(s) {
			t.Errorf("volume pattern rejects %q", s)
		}
	}
	for _, s := range []string{"0", "2s", "500ms", "1m30s", "1.5h", "10us", "3µs", ".5s"} {
		if !regexp.MustCompile(durationPattern).MatchString(s) {
			t.Errorf("duration pattern rejects %q", s)
		}
	}
}

// normalize turns yaml.v3's generic values into JSON's.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = normalize(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = normalize(x)
		}
		return v
	case int:
		return float64(v)
	}
	return v
}

func validateSchema(root, s map[string]any, v any, at string) error {
	if ref, ok := s["$ref"].(string); ok {
		def := root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		if err := validateSchema(root, def, v, at); err != nil {
			return err
		}
	}
	if typ, ok := s["type"]; ok && !hasType(typ, v) {
		return fmt.Errorf("%s: %v is not %v", at, v, typ)
	}
	if c, ok := s["const"]; ok && c != v {
		return fmt.Errorf("%s: %v is not %v", at, v, c)
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			return fmt.Errorf("%s: %v not in %v", at, v, enum)
		}
	}
	if p, ok := s["pattern"].(string); ok {
		if str, ok := v.(string); ok && !regexp.MustCompile(p).MatchString(str) {
			return fmt.Errorf("%s: %q does not match %s", at, str, p)
		}
	}
	if n, ok := v.(float64); ok {
		if lo, ok := s["minimum"].(float64); ok && n < lo {
			return fmt.Errorf("%s: %v < %v", at, n, lo)
		}
		if hi, ok := s["maximum"].(float64); ok && n > hi {
			return fmt.Errorf("%s: %v > %v", at, n, hi)
		}
	}
	if oneOf, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, o := range oneOf {
			if validateSchema(root, o.(map[string]any), v, at) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: matches %d of oneOf", at, n)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		if list, ok := v.([]any); ok {
			for i, x := range list {
				if err := validateSchema(root, items, x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if _, ok := obj[r.(string)]; !ok {
				return fmt.Errorf("%s: %s is required", at, r)
			}
		}
	}
	props, _ := s["properties"].(map[string]any)
	patterns, _ := s["patternProperties"].(map[string]any)
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if names, ok := s["propertyNames"].(map[string]any); ok {
			if err := validateSchema(root, names, k, at+"."+k); err != nil {
				return err
			}
		}
		if p, ok := props[k]; ok {
			if err := validateSchema(root, p.(map[string]any), obj[k], at+"."+k); err != nil {
				return err
			}
			continue
		}
		matched := false
		for re := range patterns {
			matched = matched || regexp.MustCompile(re).MatchString(k)
		}
		if matched {
			continue
		}
		switch ap := s["additionalProperties"].(type) {
		case bool:
			if !ap {
				return fmt.Errorf("%s: unknown key %s", at, k)
			}
		case map[string]any:
			if err := validateSchema(root, ap, obj[k], at+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasType(typ, v any) bool {
	if list, ok := typ.([]any); ok {
		for _, t := range list {
			if hasType(t, v) {
				return true
			}
		}
		return false
	}
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}
