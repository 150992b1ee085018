package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// Patterns of the values written as strings that the loader parses further.
// They are looser than the parsers (a port of 99999 matches) but catch the
// shape in an editor; tests check they accept what the parsers accept.
const (
	durationPattern = `^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`
	portPattern     = `^((\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+):)?[0-9]{1,5}:[0-9]{1,5}(/(tcp|udp))?$`
	volumePattern   = `^([a-zA-Z0-9][a-zA-Z0-9_.-]*|[./~][^:]*):/[^:]*(:(ro|rw))?$`
	percentPattern  = `^(none|([0-9]+(\.[0-9]*)?|\.[0-9]+)%?)$`
	sizePattern     = `^(none|([0-9]+(\.[0-9]*)?|\.[0-9]+) *([KkMmGgTt]([Ii]?[Bb])?|[Bb])?)$`
)

// Schema returns the JSON Schema (draft 2020-12) of the manifest, generated
// from the types' yaml, doc, required, pattern, min, max, const, oneof and
// schema tags, indented and ending in a newline: the content of
// manifests/schema.json.
func Schema() ([]byte, error) {
	g := &schemaGen{defs: &props{}, seen: map[reflect.Type]bool{}}
	root, err := g.object(reflect.TypeFor[Manifest]())
	if err != nil {
		return nil, err
	}
	root.Schema = "https://json-schema.org/draft/2020-12/schema"
	root.ID = "https://github.com/crispify/crispify/raw/main/manifests/schema.json"
	root.Title = "crispify manifest v1"
	root.Description = "crispify.yaml: the infrastructure containers and service repos of a project. Keys starting with x- are ignored, as a place for YAML anchors."
	root.PatternProperties = &props{}
	root.PatternProperties.add("^"+extensionPrefix, &jsonSchema{})
	root.Defs = g.defs
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return b.Bytes(), nil
}

// jsonSchema is the subset of JSON Schema the manifest needs, in the order
// its keys are written.
type jsonSchema struct {
	Schema               string        `json:"$schema,omitempty"`
	ID                   string        `json:"$id,omitempty"`
	Ref                  string        `json:"$ref,omitempty"`
	Title                string        `json:"title,omitempty"`
	Description          string        `json:"description,omitempty"`
	Type                 any           `json:"type,omitempty"`
	Const                any           `json:"const,omitempty"`
	Enum                 []string      `json:"enum,omitempty"`
	Pattern              string        `json:"pattern,omitempty"`
	Minimum              *int          `json:"minimum,omitempty"`
	Maximum              *int          `json:"maximum,omitempty"`
	Items                *jsonSchema   `json:"items,omitempty"`
	Properties           *props        `json:"properties,omitempty"`
	PatternProperties    *props        `json:"patternProperties,omitempty"`
	PropertyNames        *jsonSchema   `json:"propertyNames,omitempty"`
	AdditionalProperties any           `json:"additionalProperties,omitempty"`
	Required             []string      `json:"required,omitempty"`
	OneOf                []*jsonSchema `json:"oneOf,omitempty"`
	Defs                 *props        `json:"$defs,omitempty"`
}

// props is a JSON object that keeps its keys in the order added, so that
// the schema lists properties as the types declare them.
type props struct {
	names   []string
	schemas []*jsonSchema
}

func (p *props) add(name string, s *jsonSchema) {
	p.names = append(p.names, name)
	p.schemas = append(p.schemas, s)
}

func (p *props) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range p.names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := encode(name)
		if err != nil {
			return nil, err
		}
		v, err := encode(p.schemas[i])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// encode is json.Marshal without escaping <, > and &, which the schema's
// descriptions use (<project>_<infra>_<NAME>).
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

type schemaGen struct {
	defs *props
	seen map[reflect.Type]bool
}

// ref returns a reference to the definition of struct t, defining it on
// first use.
func (g *schemaGen) ref(t reflect.Type) (*jsonSchema, error) {
	if !g.seen[t] {
		g.seen[t] = true
		i := len(g.defs.names)
		g.defs.add(t.Name(), nil) // keep the order of first use
		s, err := g.object(t)
		if err != nil {
			return nil, err
		}
		g.defs.schemas[i] = s
	}
	return &jsonSchema{Ref: "#/$defs/" + t.Name()}, nil
}

func (g *schemaGen) object(t reflect.Type) (*jsonSchema, error) {
	s := &jsonSchema{Type: "object", Properties: &props{}, AdditionalProperties: false}
	var group string
	for _, f := range reflect.VisibleFields(t) {
		name := yamlName(f)
		if name == "" {
			continue
		}
		fs, err := g.field(f)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
		s.Properties.add(name, fs)
		if f.Tag.Get("required") == "true" {
			s.Required = append(s.Required, name)
		}
		// Fields of one oneof group: exactly one of them is written.
		if og := f.Tag.Get("oneof"); og != "" {
			if group != "" && og != group {
				return nil, fmt.Errorf("%s: more than one oneof group", t.Name())
			}
			group = og
			s.OneOf = append(s.OneOf, &jsonSchema{Required: []string{name}})
		}
	}
	return s, nil
}

// field is the schema of one field: its type's, with what the tags add.
func (g *schemaGen) field(f reflect.StructField) (*jsonSchema, error) {
	var s *jsonSchema
	var err error
	if f.Tag.Get("schema") == "string-or-list" {
		var items *jsonSchema
		if items, err = g.typ(f.Type.Elem()); err != nil {
			return nil, err
		}
		s = &jsonSchema{OneOf: []*jsonSchema{{Type: "string"}, {Type: "array", Items: items}}}
	} else if f.Tag.Get("schema") == "bool-or-object" {
		var obj *jsonSchema
		if obj, err = g.typ(f.Type); err != nil {
			return nil, err
		}
		s = &jsonSchema{OneOf: []*jsonSchema{{Type: "boolean"}, obj}}
	} else if s, err = g.typ(f.Type); err != nil {
		return nil, err
	}
	s.Description = f.Tag.Get("doc")
	if p := f.Tag.Get("pattern"); p != "" {
		s.Pattern = p
	}
	for tag, dst := range map[string]**int{"min": &s.Minimum, "max": &s.Maximum} {
		if v := f.Tag.Get(tag); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("tag %s:%q: %w", tag, v, err)
			}
			*dst = &n
		}
	}
	if v := f.Tag.Get("const"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("tag const:%q: %w", v, err)
		}
		s.Const = n
	}
	return s, nil
}

// typ maps a Go type to its schema. A type it does not know is an error, so
// that a field added to the types without a schema fails the schema test.
func (g *schemaGen) typ(t reflect.Type) (*jsonSchema, error) {
	switch t {
	case reflect.TypeFor[Duration]():
		return &jsonSchema{Type: "string", Pattern: durationPattern}, nil
	case reflect.TypeFor[Port]():
		return &jsonSchema{Type: "string", Pattern: portPattern}, nil
	case reflect.TypeFor[Volume]():
		return &jsonSchema{Type: "string", Pattern: volumePattern}, nil
	case reflect.TypeFor[Percent]():
		return &jsonSchema{Type: []string{"string", "number"}, Pattern: percentPattern}, nil
	case reflect.TypeFor[Size]():
		return &jsonSchema{Type: []string{"string", "integer"}, Pattern: sizePattern}, nil
	case reflect.TypeFor[ToolVersion]():
		// go: 1.26 is a YAML number; the loader keeps its text.
		return &jsonSchema{Type: []string{"string", "number"}}, nil
	case reflect.TypeFor[RestartPolicy]():
		return &jsonSchema{Type: "string", Enum: []string{string(RestartOnFailure), string(RestartAlways), string(RestartNever)}}, nil
	case reflect.TypeFor[DataMode]():
		return &jsonSchema{Type: "string", Enum: []string{string(DataBranch), string(DataShared)}}, nil
	}
	switch t.Kind() {
	case reflect.String:
		return &jsonSchema{Type: "string"}, nil
	case reflect.Int:
		return &jsonSchema{Type: "integer"}, nil
	case reflect.Bool:
		return &jsonSchema{Type: "boolean"}, nil
	case reflect.Slice:
		items, err := g.typ(t.Elem())
		if err != nil {
			return nil, err
		}
		return &jsonSchema{Type: "array", Items: items}, nil
	case reflect.Pointer:
		return g.typ(t.Elem())
	case reflect.Struct:
		return g.ref(t)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		if t.Elem().Kind() == reflect.String {
			// env: YAML numbers and booleans are taken as written.
			return &jsonSchema{Type: "object", AdditionalProperties: &jsonSchema{Type: []string{"string", "number", "boolean", "null"}}}, nil
		}
		elem, err := g.typ(t.Elem())
		if err != nil {
			return nil, err
		}
		// Entries by name: infra and services.
		return &jsonSchema{Type: "object", PropertyNames: &jsonSchema{Pattern: "^" + namePattern + "$"}, AdditionalProperties: elem}, nil
	}
	return nil, fmt.Errorf("no schema for Go type %s", t)
}
