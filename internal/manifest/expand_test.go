package manifest

import "testing"

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"HOST": "127.0.0.1", "PORT": "5672", "EMPTY": "", "A_1": "x"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"amqp://${HOST}:${PORT}", "amqp://127.0.0.1:5672"},
		// Only ${VAR} expands: a $ before a bare name is kept, so that a
		// password like Pa$sw0rd! survives.
		{"$HOST:$PORT/x", "$HOST:$PORT/x"},
		{"${MISSING}|$MISSING|", "|$MISSING|"},
		{"$A_1b $A_1", "$A_1b $A_1"},
		{"Pa$sw0rd!", "Pa$sw0rd!"},
		{"Pa$$sw0rd!", "Pa$sw0rd!"},
		{"${MISSING:-dflt} ${EMPTY:-dflt} ${EMPTY-dflt} ${MISSING-dflt} ${HOST:-dflt}", "dflt dflt  dflt 127.0.0.1"},
		{"cost $$5 and $$HOST", "cost $5 and $HOST"},
		{"pa$$w0rd", "pa$w0rd"},
		{"end$", "end$"},
		{"$1 $- $ x", "$1 $- $ x"},
		{"${unterminated", "${unterminated"},
		{"${} ${1x} ${a b}", "${} ${1x} ${a b}"},
		{"${HOST}${PORT}", "127.0.0.15672"},
		{"ünï${HOST}cødé", "ünï127.0.0.1cødé"},
	}
	for _, tt := range tests {
		if got := ExpandEnv(tt.in, lookup); got != tt.want {
			t.Errorf("ExpandEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnvReferences(t *testing.T) {
	got := EnvReferences("a ${A} $B ${C:-x} ${D-y} $${E} ${F}${A} ${bad name}")
	want := []string{"A", "F"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("EnvReferences = %q, want %q: only ${VAR} without a default, each once", got, want)
	}
}
