package stack

import (
	"slices"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
)

// Selection is what a boot touches: services and infra, in manifest order.
type Selection struct {
	Services, Infra []string
}

// Select resolves names and a profile into the services and infra to boot:
// the named ones (all, or those of the profile, when none are named) and
// everything they transitively need.
func Select(m *manifest.Manifest, names []string, profile string) (Selection, error) {
	known := append(m.ServiceNames(), m.InfraNames()...)
	if err := unknownNames("service", names, known); err != nil {
		return Selection{}, err
	}
	start := names
	if profile != "" {
		inProfile := m.Profile(profile)
		if len(inProfile) == 0 {
			return Selection{}, usageErrorf("no service is in profile %q: check the name (a service lists its profiles under profiles: in the manifest)", profile)
		}
		if len(names) == 0 {
			start = inProfile
		} else {
			start = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !slices.Contains(inProfile, n) })
			if len(start) == 0 {
				return Selection{}, usageErrorf("none of %s is in profile %q (it has %s): name one of those, or leave out --profile", strings.Join(names, ", "), profile, strings.Join(inProfile, ", "))
			}
		}
	}
	infra, services, err := m.Closure(start)
	if err != nil {
		return Selection{}, &UsageError{Err: err}
	}
	return Selection{Services: services, Infra: infra}, nil
}

// Workers are the selected services that run a worker.
func (s Selection) Workers(m *manifest.Manifest) []string {
	var out []string
	for _, name := range s.Services {
		if m.Services[name].Run != "" {
			out = append(out, name)
		}
	}
	return out
}

// SelectInfra is the named infra and what they need, in manifest order;
// all of it when none are named.
func SelectInfra(m *manifest.Manifest, names []string) ([]string, error) {
	if err := unknownNames("infra", names, m.InfraNames()); err != nil {
		return nil, err
	}
	infra, _, err := m.Closure(names)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return infra, nil
}

// unknownNames reports names that are not in known, listing the known ones.
func unknownNames(what string, names, known []string) error {
	var unknown []string
	for _, n := range names {
		if !slices.Contains(known, n) {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return usageErrorf("unknown %s %s: the manifest has %s: check the name", what, strings.Join(unknown, ", "), strings.Join(known, ", "))
}
