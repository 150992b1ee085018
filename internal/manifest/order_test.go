package manifest

import (
	"reflect"
	"testing"
)

func TestClosure(t *testing.T) {
	m := parse(t, doc("version: 1", "project: p",
		"infra:",
		"  rabbitmq: {image: r}",
		"  mongodb: {image: m}",
		"  redis: {image: r}",
		"  es: {image: e, needs: [redis]}",
		"services:",
		"  api: {repo: r, needs: [rabbitmq, mongodb]}",
		"  billing: {repo: r, needs: [api, es], profiles: [money]}",
		"  mailer: {repo: r, needs: [rabbitmq], profiles: [money, mail]}",
		"  search: {repo: r, needs: [es]}",
	), Options{})
	tests := []struct {
		names           []string
		infra, services []string
		wantErr         string
	}{
		{nil, []string{"rabbitmq", "mongodb", "redis", "es"}, []string{"api", "billing", "mailer", "search"}, ""},
		{[]string{"api"}, []string{"rabbitmq", "mongodb"}, []string{"api"}, ""},
		{[]string{"billing"}, []string{"rabbitmq", "mongodb", "redis", "es"}, []string{"api", "billing"}, ""},
		{[]string{"search", "mailer"}, []string{"rabbitmq", "redis", "es"}, []string{"mailer", "search"}, ""},
		{[]string{"es"}, []string{"redis", "es"}, nil, ""},
		{[]string{"api", "api"}, []string{"rabbitmq", "mongodb"}, []string{"api"}, ""},
		{[]string{"apii"}, nil, nil, `unknown service or infra "apii" (did you mean "api"?); known services: api, billing, mailer, search; infra: rabbitmq, mongodb, redis, es`},
		{[]string{"x", "api", "y"}, nil, nil, `unknown service or infra "x", "y"; known services: api, billing, mailer, search; infra: rabbitmq, mongodb, redis, es`},
	}
	for _, tt := range tests {
		infra, services, err := m.Closure(tt.names)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Closure(%q) err = %v, want %s", tt.names, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Closure(%q): %v", tt.names, err)
			continue
		}
		if !reflect.DeepEqual(infra, tt.infra) || !reflect.DeepEqual(services, tt.services) {
			t.Errorf("Closure(%q) = %q, %q; want %q, %q", tt.names, infra, services, tt.infra, tt.services)
		}
	}

	if got, want := m.Profile("money"), []string{"billing", "mailer"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Profile(money) = %q, want %q", got, want)
	}
	if got := m.Profile("nope"); got != nil {
		t.Errorf("Profile(nope) = %q, want none", got)
	}
}

// A Manifest built in code has no declaration order: names come sorted.
func TestNamesWithoutOrder(t *testing.T) {
	m := &Manifest{
		Infra:    map[string]*Infra{"b": {}, "a": {}},
		Services: map[string]*Service{"y": {}, "x": {Needs: []string{"a"}}},
	}
	if got := m.InfraNames(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("InfraNames = %q", got)
	}
	infra, services, err := m.Closure([]string{"x"})
	if err != nil || !reflect.DeepEqual(infra, []string{"a"}) || !reflect.DeepEqual(services, []string{"x"}) {
		t.Errorf("Closure(x) = %q, %q, %v", infra, services, err)
	}
	// Callers may change what they get without changing the manifest.
	names := m.InfraNames()
	names[0] = "changed"
	if m.InfraNames()[0] != "a" {
		t.Error("InfraNames returned the manifest's own slice")
	}
}
