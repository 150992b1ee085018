package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
)

// Labels crispify puts on what it creates. It lists, changes and removes only
// what carries its project label.
const (
	LabelProject    = "io.crispify.project"
	LabelInfra      = "io.crispify.infra"
	LabelConfigHash = "io.crispify.config-hash"
	// LabelReplaced marks a container renamed aside during a recreate; a
	// later run cleans it up if the recreate was interrupted.
	LabelReplaced = "io.crispify.replaced"
)

// ContainerName is <project>-<infra>.
func ContainerName(project, infra string) string { return project + "-" + infra }

// VolumeName is <project>_<infra>_<name>.
func VolumeName(project, infra, name string) string { return project + "_" + infra + "_" + name }

// Spec is the container crispify wants for one infra entry. imageID is the
// local image it runs, so that a newer pulled image changes the hash.
func Spec(m *manifest.Manifest, in *manifest.Infra, imageID string) ContainerSpec {
	s := ContainerSpec{
		Name:    ContainerName(m.Project, in.Name),
		Image:   in.Image,
		Cmd:     in.Command,
		Network: m.Project,
		Aliases: []string{in.Name},
		Labels:  map[string]string{LabelProject: m.Project, LabelInfra: in.Name},
		// A name Docker takes for a host name (the manifest's infra names
		// are [a-z0-9][a-z0-9_-]*; an underscore is no host name's).
		Hostname: strings.ReplaceAll(in.Name, "_", "-"),
	}
	for _, k := range slices.Sorted(maps.Keys(in.Env)) {
		s.Env = append(s.Env, k+"="+in.Env[k])
	}
	for _, p := range in.Ports {
		s.Ports = append(s.Ports, PortBinding{HostIP: p.HostIP, HostPort: p.Host, ContainerPort: p.Container, Proto: p.Proto})
	}
	for _, v := range in.Volumes {
		if v.Name != "" {
			s.Mounts = append(s.Mounts, Mount{Type: "volume", Name: VolumeName(m.Project, in.Name, v.Name), Destination: v.Target, ReadOnly: v.ReadOnly})
		} else {
			s.Mounts = append(s.Mounts, Mount{Type: "bind", Source: v.Bind, Destination: v.Target, ReadOnly: v.ReadOnly})
		}
	}
	if h := in.Health; h != nil {
		test := append([]string{"CMD"}, h.Cmd...)
		if h.Shell {
			test = []string{"CMD-SHELL", h.Cmd[0]}
		}
		s.Health = &HealthSpec{Test: test, Interval: h.Interval.D(), Timeout: h.Timeout.D(), Retries: h.Retries, StartPeriod: h.StartPeriod.D()}
	}
	s.Labels[LabelConfigHash] = configHash(s, imageID)
	return s
}

// configHash covers everything that shapes the container, so that an equal
// hash means the running container is already what the manifest asks for.
func configHash(s ContainerSpec, imageID string) string {
	shape := struct {
		Spec    ContainerSpec
		ImageID string
	}{s, imageID}
	shape.Spec.Labels = nil // the hash itself lives there
	data, _ := json.Marshal(shape)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}
