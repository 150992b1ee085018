package manifest

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestInfraReadyDecodes(t *testing.T) {
	tests := []struct {
		ready string
		want  *InfraReady
	}{
		{"", nil},
		{"ready: true", nil},
		{"ready: false", &InfraReady{Off: true}},
		{"ready: {amqp: 5672}", &InfraReady{AMQP: 5672}},
		{"ready: {mongo: 27017}", &InfraReady{Mongo: 27017}},
		{"ready: {mysql: 3306}", &InfraReady{MySQL: 3306}},
		{"ready: {redis: 6379}", &InfraReady{Redis: 6379}},
		{"ready: {ssdb: 8888}", &InfraReady{SSDB: 8888}},
		{"ready: {http: 9200, path: /_cluster/health}", &InfraReady{HTTP: 9200, Path: "/_cluster/health"}},
	}
	decoded := map[string]bool{}
	for _, tt := range tests {
		m, err := Parse([]byte(doc("version: 1", "project: p", "infra:", "  x:", "    image: i", "    "+tt.ready)), "m.yaml", Options{Workspace: t.TempDir()})
		if err != nil {
			t.Errorf("%q: %v", tt.ready, err)
			continue
		}
		got := m.Infra["x"].Ready
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q decoded as %+v, want %+v", tt.ready, got, tt.want)
		}
		if got == nil {
			continue
		}
		for _, f := range reflect.VisibleFields(reflect.TypeFor[InfraReady]()) {
			if !reflect.ValueOf(*got).FieldByIndex(f.Index).IsZero() {
				decoded[yamlName(f)] = true
			}
		}
	}
	// Every key the schema and the decoder allow is read into a field.
	for _, key := range keysOf[InfraReady]() {
		if !decoded[key] {
			t.Errorf("ready key %q is never decoded", key)
		}
	}
}

func TestInfraReadyProbe(t *testing.T) {
	for _, tt := range []struct {
		r    InfraReady
		kind string
		port int
	}{
		{InfraReady{AMQP: 5672}, ProbeAMQP, 5672},
		{InfraReady{HTTP: 9200, Path: "/x"}, ProbeHTTP, 9200},
		{InfraReady{SSDB: 8888}, ProbeSSDB, 8888},
		{InfraReady{Off: true}, "", 0},
	} {
		if kind, port := tt.r.Probe(); kind != tt.kind || port != tt.port {
			t.Errorf("%+v.Probe() = %s %d, want %s %d", tt.r, kind, port, tt.kind, tt.port)
		}
	}
	if !slices.Equal(probeKinds, keysOf[InfraReady]()[:len(probeKinds)]) {
		t.Errorf("probeKinds %q are not the first keys of InfraReady %q", probeKinds, keysOf[InfraReady]())
	}
}

func TestInfraReadyDiagnostics(t *testing.T) {
	head := []string{"version: 1", "project: p", "infra:", "  x:", "    image: i"}
	tests := []struct {
		name  string
		lines []string
		want  []string
	}{
		{"a string", []string{"    ready: amqp"}, []string{
			`m.yaml:6:12: infra.x.ready: expected false, true or a map like {amqp: 5672}, got a string`,
		}},
		{"empty map", []string{"    ready: {}"}, []string{
			`m.yaml:6:5: ready of infra "x" needs one of amqp, mongo, mysql, redis, ssdb, http (the container port to probe), or false to turn probing off`,
		}},
		{"two protocols", []string{"    ready: {amqp: 5672, http: 15672}"}, []string{
			`m.yaml:6:5: ready of infra "x" has amqp and http: keep exactly one`,
		}},
		{"port out of range", []string{"    ready: {redis: 70000}"}, []string{
			`m.yaml:6:20: infra.x.ready.redis: port 70000 is out of range 1..65535`,
		}},
		{"port not a number", []string{"    ready: {mysql: db}"}, []string{
			`m.yaml:6:20: infra.x.ready.mysql: expected a whole number, got a string`,
		}},
		{"path without http", []string{"    ready: {mongo: 27017, path: /x}"}, []string{
			`m.yaml:6:33: infra.x.ready.path is for an http probe: add http: PORT or remove path`,
		}},
		{"relative path", []string{"    ready: {http: 9200, path: health}"}, []string{
			`m.yaml:6:31: infra.x.ready.path: "health" must start with /`,
		}},
		{"typo", []string{"    ready: {amqpp: 5672}"}, []string{
			`m.yaml:6:5: ready of infra "x" needs one of amqp, mongo, mysql, redis, ssdb, http (the container port to probe), or false to turn probing off`,
			`m.yaml:6:13: unknown key "amqpp" in ready of infra "x" (did you mean "amqp"?)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diagnose(t, doc(append(slices.Clone(head), tt.lines...)...))
			if !slices.Equal(got, tt.want) {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
