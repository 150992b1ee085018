package constraint

import (
	"fmt"
	"strings"
)

// Constraint is what a repo or a manifest asks of a tool's version. The
// forms, as npm, go.mod, Gemfiles and version managers write them:
//
//	20.11.1, =20.11.1   exactly that version
//	20, 1.26, 20.x      a prefix: any 20.*.*, any 1.26.*
//	>=20 >20 <=21 <21   comparisons; missing numbers count as 0
//	^20.1               same major: >=20.1 <21 (^0.3 is >=0.3 <0.4, as npm)
//	~20.1, ~20          same minor: >=20.1 <20.2; ~20 is >=20 <21
//	~> 3.2              Ruby's pessimistic form: >=3.2 <4; ~> 3.2.1 is <3.3
//	>=18 <23            both (a space is "and")
//	^18 || ^20          either
//	*, latest           any version (the newest cannot be known offline)
//	lts/*, lts/-1       a Node LTS line: an even major from 4 on (which LTS
//	                    is the newest cannot be known offline)
//	lts/iron            the LTS of that codename: node 20
type Constraint struct {
	raw  string
	alts [][]clause // any of these, each all of its clauses
}

type op int

const (
	opPrefix op = iota
	opGE
	opGT
	opLE
	opLT
	opRange // v <= x < hi
	opAny
	opLTS
)

type clause struct {
	op  op
	v   Version
	hi  Version
	raw string
}

// ltsCodenames are Node's LTS lines by the names nvm and .nvmrc files use.
var ltsCodenames = map[string]int{
	"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14,
	"gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24,
}

// maxClauses bounds one constraint: real ones have one to four.
const maxClauses = 16

// Parse reads a constraint in one of the forms of Constraint.
func Parse(s string) (Constraint, error) {
	c := Constraint{raw: strings.TrimSpace(s)}
	if c.raw == "" {
		return Constraint{}, fmt.Errorf("empty version constraint: write a version like 20.11.1, a prefix like 20, or a range like >=20")
	}
	n := 0
	for _, alt := range strings.Split(c.raw, "||") {
		var clauses []clause
		fields := strings.Fields(alt)
		if len(fields) == 0 {
			return Constraint{}, fmt.Errorf("version constraint %q has an empty side of ||", c.raw)
		}
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			// ">= 20": an operator written apart from its version.
			if isOperator(f) && i+1 < len(fields) {
				i++
				f += fields[i]
			}
			if n++; n > maxClauses {
				return Constraint{}, fmt.Errorf("version constraint %q has more than %d parts", c.raw, maxClauses)
			}
			cl, err := parseClause(f)
			if err != nil {
				return Constraint{}, fmt.Errorf("version constraint %q: %w", c.raw, err)
			}
			clauses = append(clauses, cl)
		}
		c.alts = append(c.alts, clauses)
	}
	return c, nil
}

func isOperator(s string) bool {
	switch s {
	case "=", ">", ">=", "<", "<=", "^", "~", "~>":
		return true
	}
	return false
}

func parseClause(s string) (clause, error) {
	cl := clause{raw: s}
	lower := strings.ToLower(s)
	switch {
	case lower == "*" || lower == "x" || lower == "latest":
		cl.op = opAny
		return cl, nil
	case lower == "lts/*" || strings.HasPrefix(lower, "lts/-"):
		cl.op = opLTS
		return cl, nil
	case strings.HasPrefix(lower, "lts/"):
		major, ok := ltsCodenames[strings.TrimPrefix(lower, "lts/")]
		if !ok {
			return cl, fmt.Errorf("%q is not a Node LTS codename (known: argon to krypton, or lts/*)", s)
		}
		cl.op, cl.v = opPrefix, Version{Parts: []int{major}}
		return cl, nil
	}
	var opText string
	for _, o := range []string{"~>", ">=", "<=", ">", "<", "=", "^", "~"} {
		if strings.HasPrefix(s, o) {
			opText, s = o, s[len(o):]
			break
		}
	}
	s, wildcard := cutWildcard(s)
	if s == "" && wildcard {
		cl.op = opAny
		return cl, nil
	}
	v, err := ParseVersion(s)
	if err != nil {
		return cl, fmt.Errorf("%w (forms: 20.11.1, 20, >=20, ^20, ~20.1, >=18 <23, ^18 || ^20, lts/*)", err)
	}
	cl.v = v
	switch opText {
	case "", "=":
		cl.op = opPrefix
	case ">=":
		cl.op = opGE
	case ">":
		cl.op = opGT
	case "<=":
		cl.op = opLE
	case "<":
		cl.op = opLT
	case "^":
		cl.op, cl.hi = opRange, caretCeiling(v)
	case "~":
		cl.op, cl.hi = opRange, bump(v, min(1, len(v.Parts)-1))
	case "~>":
		cl.op, cl.hi = opRange, bump(v, max(0, len(v.Parts)-2))
	}
	return cl, nil
}

// cutWildcard cuts "20.x", "20.*" or "1.26.X" to the numbers before the
// wildcard, which then read as a prefix.
func cutWildcard(s string) (string, bool) {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		if p == "x" || p == "X" || p == "*" {
			return strings.Join(parts[:i], "."), true
		}
	}
	return s, false
}

// caretCeiling is npm's ^: the first number that is not 0 may not change
// (^1.2 is <2, ^0.3 is <0.4, ^0.0.3 is <0.0.4, ^0 is <1).
func caretCeiling(v Version) Version {
	for i, p := range v.Parts {
		if p != 0 {
			return bump(v, i)
		}
	}
	return bump(v, len(v.Parts)-1)
}

// bump returns v with its i-th number one higher and the rest dropped:
// the exclusive ceiling of a range.
func bump(v Version, i int) Version {
	out := Version{Parts: append([]int(nil), v.Parts[:i+1]...)}
	out.Parts[i]++
	return out
}

// Allows tells whether v meets the constraint.
func (c Constraint) Allows(v Version) bool {
	for _, alt := range c.alts {
		ok := true
		for _, cl := range alt {
			if !cl.allows(v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (cl clause) allows(v Version) bool {
	switch cl.op {
	case opAny:
		return true
	case opLTS:
		major := v.part(0)
		return major >= 4 && major%2 == 0 && v.Pre == ""
	case opPrefix:
		return v.hasPrefix(cl.v)
	case opGE:
		return v.Compare(cl.v) >= 0
	case opGT:
		// >20 is >=21, as npm reads a partial version: no 20.x is above 20.
		return v.Compare(cl.v) > 0 && !v.hasPrefix(cl.v)
	case opLE:
		return v.Compare(cl.v) <= 0 || v.hasPrefix(cl.v)
	case opLT:
		return v.Compare(cl.v) < 0
	case opRange:
		return v.Compare(cl.v) >= 0 && v.Compare(cl.hi) < 0
	}
	return false
}

// String is the constraint as written.
func (c Constraint) String() string { return c.raw }

// Unknowable says what of the constraint no check here can tell ("" when
// everything can be): "lts/*" is checked as an LTS line, not the newest one.
func (c Constraint) Unknowable() string {
	for _, alt := range c.alts {
		for _, cl := range alt {
			switch cl.op {
			case opLTS:
				return fmt.Sprintf("%s is checked as a Node LTS line (an even major): which LTS is the newest cannot be known offline", cl.raw)
			case opAny:
				return fmt.Sprintf("%s accepts any version: which one is the newest cannot be known offline", cl.raw)
			}
		}
	}
	return ""
}

// LTS tells whether the constraint names Node's LTS without a version.
func (c Constraint) LTS() bool {
	return len(c.alts) > 0 && len(c.alts[0]) > 0 && c.alts[0][0].op == opLTS
}

// Suggest is a version to install that meets the constraint, for hints:
// the version or lower bound written first ("20.11.1", "20", "1.26"), or ""
// when the constraint names none (*, lts/*, <21).
func (c Constraint) Suggest() string {
	for _, alt := range c.alts {
		for _, cl := range alt {
			switch cl.op {
			case opPrefix, opGE, opRange:
				return cl.v.String()
			}
		}
	}
	return ""
}
