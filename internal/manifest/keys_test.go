package manifest

import (
	"reflect"
	"testing"
)

// TestEveryKeyDecoded guards the hand-written decoder against a field added
// to the types (and so to the schema and the allowed keys) but never read:
// testdata/full.yaml sets every key, and each must land somewhere.
func TestEveryKeyDecoded(t *testing.T) {
	m, err := Load("testdata/full.yaml", Options{Home: "/home/dev"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(typ string, values []reflect.Value) {
		t.Helper()
		for _, f := range reflect.VisibleFields(values[0].Type()) {
			if yamlName(f) == "" {
				continue
			}
			set := false
			for _, v := range values {
				if !v.FieldByIndex(f.Index).IsZero() {
					set = true
				}
			}
			// command: [] and start_period: 0s are written but zero.
			if !set && !(typ == "Infra" && f.Name == "Command") && !(typ == "Health" && f.Name == "StartPeriod") {
				t.Errorf("%s.%s (%s) is never decoded from testdata/full.yaml", typ, f.Name, yamlName(f))
			}
		}
	}
	check("Manifest", []reflect.Value{reflect.ValueOf(*m)})
	var infra, health, services, ready, watch, tools []reflect.Value
	for _, in := range m.Infra {
		infra = append(infra, reflect.ValueOf(*in))
		if in.Health != nil {
			health = append(health, reflect.ValueOf(*in.Health))
		}
	}
	for _, s := range m.Services {
		services = append(services, reflect.ValueOf(*s))
		if s.Ready != nil {
			ready = append(ready, reflect.ValueOf(*s.Ready))
		}
		if s.Watch != nil {
			watch = append(watch, reflect.ValueOf(*s.Watch))
		}
		if s.Tools != nil {
			tools = append(tools, reflect.ValueOf(*s.Tools))
		}
	}
	check("Infra", infra)
	check("Health", health)
	check("Service", services)
	check("Ready", ready)
	check("Watch", watch)
	check("Tools", tools)
}

func TestClosest(t *testing.T) {
	allowed := keysOf[Infra]()
	tests := []struct{ in, want string }{
		{"imagee", "image"},
		{"Image", "image"},
		{"port", "ports"},
		{"volumnes", "volumes"},
		{"helath", "health"},
		{"need", "needs"},
		{"restart", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := closest(tt.in, allowed); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
