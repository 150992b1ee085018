package docker

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strings"
)

// LabelOwner names who made a container, network or volume: user@host of
// the machine crispify ran on. On an engine teammates share, two of them
// may use one project name; crispify changes and removes only what its own
// user made.
const LabelOwner = "io.crispify.owner"

// LocalOwner is this user on this machine, as LabelOwner writes it.
func LocalOwner() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = os.Getenv("USERNAME")
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return name + "@" + host
}

func (p *Project) owner() string {
	if p.Owner != "" {
		return p.Owner
	}
	return LocalOwner()
}

// ownLabels are the labels of something the project creates.
func (p *Project) ownLabels(extra map[string]string) map[string]string {
	labels := map[string]string{LabelProject: p.Manifest.Project, LabelOwner: p.owner()}
	for k, v := range extra {
		labels[k] = v
	}
	return labels
}

// mine reports whether a resource that carries the project's label is this
// owner's to change. One without an owner label was made by a crispify
// from before owners: on a local engine that was this machine, so it is
// taken as ours; on a shared one there is no telling whose it is.
func (p *Project) mine(labels map[string]string) bool {
	owner, ok := labels[LabelOwner]
	if !ok {
		return p.kind() == engineLocal
	}
	return owner == p.owner()
}

// OwnerError refuses a project whose name another owner uses on the engine.
type OwnerError struct {
	Project  string
	Endpoint string
	Owner    string   // the other owner; empty for resources without one
	Items    []string // "container crisp-redis", "volume crisp_redis_data"
	You      string
}

func (e *OwnerError) Error() string {
	items := e.Items
	if len(items) > 4 {
		items = append(slices.Clone(items[:4]), fmt.Sprintf("%d more", len(e.Items)-4))
	}
	what := strings.Join(items, ", ")
	pick := "pick another project name for yours: --project NAME or CRISPIFY_PROJECT=NAME"
	if e.Owner == "" {
		carry, them, they := "carries", "it", "it is"
		if len(e.Items) > 1 {
			carry, them, they = "carry", "them", "they are"
		}
		return fmt.Sprintf("project %s on %s: %s %s no owner label (made by an older crispify, or by hand), and on a shared engine there is no telling whose %s, so crispify leaves %s alone: if %s yours, remove %s (`docker rm -f`, `docker network rm`, `docker volume rm`) and run again; if not, %s",
			e.Project, e.Endpoint, what, carry, strings.TrimSuffix(they, " is"), them, they, them, pick)
	}
	return fmt.Sprintf("project %s on %s belongs to %s, not to you (%s): %s; crispify never changes what another owner made: %s",
		e.Project, e.Endpoint, e.Owner, e.You, what, pick)
}

// checkOwners refuses, before anything is created, a project whose name
// another owner's containers, network or volumes carry on this engine.
func (p *Project) checkOwners(ctx context.Context) error {
	name := p.Manifest.Project
	byOwner := map[string][]string{}
	var owners []string
	note := func(labels map[string]string, item string) {
		if p.mine(labels) {
			return
		}
		o := labels[LabelOwner]
		if _, seen := byOwner[o]; !seen {
			owners = append(owners, o)
		}
		byOwner[o] = append(byOwner[o], item)
	}
	containers, err := p.Engine.ContainerList(ctx, p.labels())
	if err != nil {
		return fmt.Errorf("list containers of project %s: %w", name, err)
	}
	for _, c := range containers {
		note(c.Labels, "container "+c.Name)
	}
	networks, err := p.Engine.NetworkList(ctx, name)
	if err != nil {
		return fmt.Errorf("list networks called %s: %w", name, err)
	}
	for _, n := range networks {
		if n.Labels[LabelProject] == name {
			note(n.Labels, "network "+n.Name)
		}
	}
	volumes, err := p.Engine.VolumeList(ctx, p.labels())
	if err != nil {
		return fmt.Errorf("list volumes of project %s: %w", name, err)
	}
	for _, v := range volumes {
		note(v.Labels, "volume "+v.Name)
	}
	if len(owners) == 0 {
		return nil
	}
	o := owners[0] // one owner is what a user can act on; the next run names another
	return &OwnerError{Project: name, Endpoint: p.Engine.Endpoint(), Owner: o, Items: byOwner[o], You: p.owner()}
}

// refuseForeign is the error of one resource of the project's label that
// is not this owner's.
func (p *Project) refuseForeign(item string, labels map[string]string) error {
	return &OwnerError{Project: p.Manifest.Project, Endpoint: p.Engine.Endpoint(), Owner: labels[LabelOwner], Items: []string{item}, You: p.owner()}
}
