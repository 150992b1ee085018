package docker

import "context"

// HasBranchData is BranchData for a plan: it says whether the named
// infra's volumes of data branch branch all exist, and changes nothing
// (a half copy left by a killed copy counts as there: the switch itself
// finds and removes it first).
func (p *Project) HasBranchData(ctx context.Context, branch string, names []string) (bool, error) {
	for _, name := range names {
		in, err := p.infra(name)
		if err != nil {
			return false, err
		}
		vols, _, err := p.dataVolumes(ctx, in, branch)
		if err != nil {
			return false, err
		}
		have, err := p.existing(ctx, vols)
		if err != nil {
			return false, err
		}
		if len(have) < len(vols) {
			return false, nil
		}
	}
	return true, nil
}
