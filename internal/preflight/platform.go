package preflight

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
)

// Platforms compares the platform of every infra image present on the
// engine with the engine's own: an amd64 image on an arm64 engine runs
// under emulation, slowly, or not at all ("exec format error"). An image
// not pulled yet is left out: a pull fetches the engine's platform when the
// image has one.
func Platforms(ctx context.Context, e Engine, m *manifest.Manifest) []Finding {
	v, err := e.Version(ctx)
	if err != nil {
		return []Finding{{Check: "platform", Status: Note, Detail: "the engine's platform is unknown (docker version failed): " + err.Error()}}
	}
	engine := docker.Platform{OS: v.OS, Arch: normalArch(v.Arch)}
	var out []Finding
	seen := map[string]bool{}
	present, absent := 0, 0
	for _, name := range m.InfraNames() {
		ref := m.Infra[name].Image
		if seen[ref] {
			continue
		}
		seen[ref] = true
		p, err := e.ImagePlatform(ctx, ref)
		switch {
		case errors.Is(err, docker.ErrNotFound):
			absent++
			continue
		case err != nil:
			out = append(out, Finding{Check: "platform", Status: Note, Detail: fmt.Sprintf("inspect image %s: %v", ref, err)})
			continue
		}
		present++
		if (p.OS != "" && p.OS != engine.OS) || normalArch(p.Arch) != engine.Arch {
			out = append(out, Finding{Check: "platform", Status: Fail, Detail: fmt.Sprintf(
				"image %s (infra %s) is for %s but the engine is %s: it would run under emulation, slowly, or fail with \"exec format error\"; pull the engine's: `docker pull --platform %s %s`, or use a tag built for %s",
				ref, name, p, engine, engine, ref, engine.Arch)})
		}
	}
	if len(out) == 0 {
		detail := fmt.Sprintf("%d of %d images present, all for %s like the engine", present, present+absent, engine)
		if present == 0 {
			detail = fmt.Sprintf("none of the %d images is present yet: a pull fetches the engine's platform (%s)", absent, engine)
		} else if absent > 0 {
			detail += fmt.Sprintf("; %d not pulled yet", absent)
		}
		out = append(out, Finding{Check: "platform", Status: OK, Detail: detail})
	}
	return out
}

// normalArch writes an architecture as Go and image configs do: uname's
// x86_64 and aarch64 are amd64 and arm64.
func normalArch(a string) string {
	switch strings.ToLower(a) {
	case "x86_64", "x86-64":
		return "amd64"
	case "aarch64", "arm64/v8":
		return "arm64"
	}
	return strings.ToLower(a)
}
