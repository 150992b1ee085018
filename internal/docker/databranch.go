package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
)

// The named volumes of an infra belong to a data branch (issue 21): each
// branch mounts its own copy, so that a feature's migrations never reach
// master's data. The manifest's branch keeps the names volumes always had,
// <project>_<infra>_<NAME>, so that data made before branches stays where
// it is; another branch's volume is that name with a suffix of its own (see
// BranchVolumeName). An infra with `data: shared` always mounts the
// manifest branch's names.

// Labels of data volumes, beside the project, owner and infra ones.
const (
	// LabelDataBranch names the data branch whose data a volume holds.
	LabelDataBranch = "io.crispify.data-branch"
	// LabelDataVolume is the manifest branch's name of the volume a copy
	// stands for: what ties a branch's or snapshot's volume to its place.
	LabelDataVolume = "io.crispify.data-volume"
	// LabelDataPath is where the infra mounts the volume.
	LabelDataPath = "io.crispify.data-path"
)

// branchSuffixMax bounds the readable part of a branch's suffix: a volume
// name stays within what file systems take however long the branch is.
const branchSuffixMax = 32

// BranchVolumeName is the name, on data branch branch, of the volume whose
// manifest-branch name is base. Other branches get
// base.<branch, sanitized and cut>-<8 hex of sha256(branch)>: readable in
// `docker volume ls`, and still one name per branch when two branches
// sanitize alike (feature/x, feature-x). Docker allows
// [a-zA-Z0-9][a-zA-Z0-9_.-]* and base starts right already.
func BranchVolumeName(base, branch, defaultBranch string) string {
	if branch == "" || branch == defaultBranch {
		return base
	}
	return base + "." + suffix("", branch)
}

// suffix is a sanitized, bounded form of name with a short hash of kind and
// name: kind keeps a snapshot called like a branch from sharing its names.
func suffix(kind, name string) string {
	slug := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return '-'
	}, name)
	if len(slug) > branchSuffixMax {
		slug = slug[:branchSuffixMax]
	}
	sum := sha256.Sum256([]byte(kind + "\x00" + name))
	return slug + "-" + hex.EncodeToString(sum[:4])
}

// defaultBranch is the manifest's branch: its data keeps the old names.
func (p *Project) defaultBranch() string { return p.Manifest.Defaults.Branch }

// dataBranch is the data branch the project's infra mount.
func (p *Project) dataBranch() string {
	if p.DataBranch != "" {
		return p.DataBranch
	}
	return p.defaultBranch()
}

// CurrentDataBranch is the data branch whose volumes Up mounts: what the
// board, status and the JSON show.
func (p *Project) CurrentDataBranch() string { return p.dataBranch() }

// forks reports whether an infra's volumes differ by data branch.
func forks(in *manifest.Infra) bool { return !in.SharedData() }

// spec is the container crispify wants for an infra entry on the project's
// engine and current data branch.
func (p *Project) spec(in *manifest.Infra, img Image) (ContainerSpec, error) {
	return p.specOn(in, img, p.dataBranch())
}

// specOn is the spec on data branch branch. The manifest branch's spec is
// the one crispify made before branches, hash and all, so that an upgrade
// recreates nothing; another branch's mounts its own volumes, and its hash
// changes with the branch even for an infra whose only volumes are its
// image's (added after the hash, see Up): a swap is a recreate. An infra
// that holds no data (no named volume, no VOLUME in its image) is the same
// container on every branch: a switch leaves it running.
func (p *Project) specOn(in *manifest.Infra, img Image, branch string) (ContainerSpec, error) {
	s, err := p.engineSpec(in, img.ID)
	if err != nil || !forks(in) || !holdsData(p.Manifest.Project, in, img, s) {
		return s, err
	}
	s.Labels[LabelDataBranch] = branch
	if branch == p.defaultBranch() {
		return s, nil
	}
	s.Mounts = p.mountsOn(in, s.Mounts, branch)
	sum := sha256.Sum256([]byte(s.Labels[LabelConfigHash] + "\x00data-branch\x00" + branch))
	s.Labels[LabelConfigHash] = hex.EncodeToString(sum[:16])
	return s, nil
}

// onDataBranch renames the volumes of mounts to the current data branch's.
func (p *Project) onDataBranch(in *manifest.Infra, mounts []Mount) []Mount {
	return p.mountsOn(in, mounts, p.dataBranch())
}

// mountsOn renames mounts' volumes, named with the manifest branch's names,
// to those of branch.
func (p *Project) mountsOn(in *manifest.Infra, mounts []Mount, branch string) []Mount {
	if !forks(in) {
		return mounts
	}
	out := make([]Mount, len(mounts))
	for i, m := range mounts {
		if m.Type == "volume" && !anonymous.MatchString(m.Name) {
			m.Name = BranchVolumeName(m.Name, branch, p.defaultBranch())
		}
		out[i] = m
	}
	return out
}

// volumeLabels are the labels of a data volume the infra mounts on the
// current data branch (see ensureVolumes): the project's, the infra's, and
// for an infra whose data forks, its branch, the name it stands for and
// its path.
func (p *Project) volumeLabels(infra string, m Mount) map[string]string {
	labels := p.ownLabels(map[string]string{LabelInfra: infra})
	in, ok := p.Manifest.Infra[infra]
	if !ok || !forks(in) {
		return labels
	}
	branch := p.dataBranch()
	base := m.Name
	if branch != p.defaultBranch() {
		base = strings.TrimSuffix(m.Name, "."+suffix("", branch))
	}
	labels[LabelDataBranch] = branch
	labels[LabelDataVolume] = base
	labels[LabelDataPath] = m.Destination
	return labels
}

// holdsData reports whether an infra keeps data a branch could fork: a
// named volume of the manifest's, or a VOLUME of its image's that crispify
// makes a volume for.
func holdsData(project string, in *manifest.Infra, img Image, s ContainerSpec) bool {
	for _, m := range s.Mounts {
		if m.Type == "volume" {
			return true
		}
	}
	return len(imageVolumes(project, in.Name, img, s)) > 0
}
