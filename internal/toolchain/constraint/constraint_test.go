package constraint

import (
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "20.11.1", want: "20.11.1"},
		{in: "v20.11.1", want: "20.11.1"},
		{in: " 1.26 ", want: "1.26"},
		{in: "1.23rc1", want: "1.23rc1"},
		{in: "3.13.0a2", want: "3.13.0a2"},
		{in: "20.0.0-nightly2024", want: "20.0.0nightly2024"},
		{in: "1.2.3+build.5", want: "1.2.3"},
		{in: "20.", want: "20"},
		{in: "", bad: true},
		{in: "lts", bad: true},
		{in: "1..2", bad: true},
		{in: "1.2.3.4.5.6.7", bad: true},
		{in: "1.2 3", bad: true},
		{in: "99999999999999999999", bad: true},
	} {
		v, err := ParseVersion(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseVersion(%q) = %v, want an error", tc.in, v)
			}
			continue
		}
		if err != nil || v.String() != tc.want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %s", tc.in, v, err, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.26", "1.26.0", 0},
		{"1.26.1", "1.26", 1},
		{"20.9.0", "20.11.0", -1},
		{"1.23rc1", "1.23.0", -1},
		{"1.23rc1", "1.23rc2", -1},
		{"1.23beta1", "1.23rc1", -1},
		{"2", "10", -1},
	} {
		a, _ := ParseVersion(tc.a)
		b, _ := ParseVersion(tc.b)
		if got := a.Compare(b); got != tc.want {
			t.Errorf("%s vs %s = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := b.Compare(a); got != -tc.want {
			t.Errorf("%s vs %s = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestAllows(t *testing.T) {
	for _, tc := range []struct {
		constraint string
		yes, no    []string
	}{
		{"20.11.1", []string{"20.11.1"}, []string{"20.11.0", "20.11.2", "20.1.1", "21.11.1"}},
		{"=20.11.1", []string{"20.11.1"}, []string{"20.11.10"}},
		{"20", []string{"20.0.0", "20.11.1", "20.99.9"}, []string{"2.0.0", "200.0.0", "19.9.9", "21.0.0"}},
		{"1.26", []string{"1.26", "1.26.0", "1.26.8"}, []string{"1.2.6", "1.27.0", "1.25.9", "1.260.1"}},
		{"1.26.0", []string{"1.26", "1.26.0"}, []string{"1.26.1"}},
		{"20.x", []string{"20.5.0"}, []string{"21.0.0"}},
		{"1.26.*", []string{"1.26.3"}, []string{"1.27.0"}},
		{">=20", []string{"20.0.0", "20.11.1", "22.1.0"}, []string{"19.9.9", "18.0.0"}},
		{">= 1.22", []string{"1.22", "1.22.0", "1.26.8"}, []string{"1.21.13", "1.22rc1"}},
		{">20", []string{"21.0.0"}, []string{"20.11.1", "19.0.0"}},
		{">20.1.0", []string{"20.1.1", "21.0.0"}, []string{"20.1.0"}},
		{"<21", []string{"20.99.0"}, []string{"21.0.0", "22.0.0"}},
		{"<=20", []string{"20.11.1", "18.0.0"}, []string{"21.0.0"}},
		{"^20", []string{"20.0.0", "20.11.1"}, []string{"21.0.0", "19.9.0"}},
		{"^20.1", []string{"20.1.0", "20.9.9"}, []string{"20.0.9", "21.0.0"}},
		{"^0.3", []string{"0.3.0", "0.3.9"}, []string{"0.4.0", "0.2.9"}},
		{"^0.0.3", []string{"0.0.3"}, []string{"0.0.4"}},
		{"~20.1", []string{"20.1.0", "20.1.9"}, []string{"20.2.0", "20.0.9"}},
		{"~20", []string{"20.0.0", "20.9.0"}, []string{"21.0.0"}},
		{"~1.2.3", []string{"1.2.3", "1.2.9"}, []string{"1.3.0", "1.2.2"}},
		{"~> 3.2", []string{"3.2.0", "3.9.1"}, []string{"4.0.0", "3.1.9"}},
		{"~> 3.2.1", []string{"3.2.1", "3.2.9"}, []string{"3.3.0", "3.2.0"}},
		{">=18 <23", []string{"18.0.0", "22.9.9"}, []string{"17.9.9", "23.0.0"}},
		{"^18 || ^20", []string{"18.19.0", "20.11.1"}, []string{"19.0.0", "22.0.0"}},
		{"*", []string{"0.1", "22.1.0"}, nil},
		{"latest", []string{"22.1.0"}, nil},
		{"lts/*", []string{"20.11.1", "22.0.0", "4.0.0"}, []string{"21.0.0", "23.1.0", "0.12.0", "2.0.0"}},
		{"lts/-1", []string{"18.1.0"}, []string{"19.1.0"}},
		{"lts/iron", []string{"20.11.1"}, []string{"22.0.0", "18.0.0"}},
		{"LTS/Hydrogen", []string{"18.19.0"}, []string{"20.0.0"}},
	} {
		c, err := Parse(tc.constraint)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.constraint, err)
			continue
		}
		for _, s := range tc.yes {
			if v, _ := ParseVersion(s); !c.Allows(v) {
				t.Errorf("%q does not allow %s; it should", tc.constraint, s)
			}
		}
		for _, s := range tc.no {
			if v, _ := ParseVersion(s); c.Allows(v) {
				t.Errorf("%q allows %s; it should not", tc.constraint, s)
			}
		}
	}
}

func TestParseRefusesWhatItCannotRead(t *testing.T) {
	for _, tc := range []struct{ in, says string }{
		{"", "empty"},
		{"   ", "empty"},
		{"node", "not a version"},
		{">=", "not a version"},
		{"^18 ||", "empty side"},
		{"lts/nosuch", "not a Node LTS codename"},
		{"1.2 - 2.3", "not a version"},
		{strings.Repeat(">=1 ", 20), "more than 16"},
	} {
		c, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error", tc.in, c)
			continue
		}
		if !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Parse(%q): %v; want it to say %q", tc.in, err, tc.says)
		}
	}
}

func TestSuggestAndUnknowable(t *testing.T) {
	for _, tc := range []struct {
		in, suggest string
		unknowable  bool
	}{
		{"20.11.1", "20.11.1", false},
		{">=20", "20", false},
		{"^18 || ^20", "18", false},
		{"~> 3.2", "3.2", false},
		{"<21", "", false},
		{">20", "", false},
		{"lts/*", "", true},
		{"lts/iron", "20", false},
		{"*", "", true},
	} {
		c, err := Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Suggest(); got != tc.suggest {
			t.Errorf("Suggest(%q) = %q, want %q", tc.in, got, tc.suggest)
		}
		if got := c.Unknowable() != ""; got != tc.unknowable {
			t.Errorf("Unknowable(%q) = %q", tc.in, c.Unknowable())
		}
	}
	if c, _ := Parse("lts/*"); !c.LTS() {
		t.Error("lts/* is not LTS")
	}
}
