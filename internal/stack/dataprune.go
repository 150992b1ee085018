package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/repos"
)

// DataGone lists the data branches whose branch no clone of the stack has
// any more, locally or on origin as last fetched (nothing is fetched):
// what `crispify data prune` removes once asked. The manifest's branch and
// the one the infra run on are never among them. A clone not on disk
// refuses the listing: its branches are not known, and data is not
// removed on a guess.
func (st *Stack) DataGone(ctx context.Context) ([]DataBranch, error) {
	have, err := st.cloneBranches(ctx)
	if err != nil {
		return nil, err
	}
	var all []DataBranch
	err = st.locked(ctx, event.Discard, func(p *docker.Project) (err error) {
		all, err = p.DataBranches(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	var gone []DataBranch
	for _, b := range all {
		if !b.Current && !b.Default && !have[b.Name] && len(b.Volumes) > 0 {
			gone = append(gone, b)
		}
	}
	return gone, nil
}

// cloneBranches are the branches any clone of the stack has.
func (st *Stack) cloneBranches(ctx context.Context) (map[string]bool, error) {
	clones := st.Manifest.Clones(st.Manifest.ServiceNames())
	for _, c := range clones {
		if _, err := os.Stat(filepath.Join(c.Dir, ".git")); err != nil {
			return nil, fmt.Errorf("find the branches no repo has: %s is not cloned (%s), so its branches are not known: clone it with `crispify repos`, then prune again", c.Name, c.Dir)
		}
	}
	lists := make([]map[string]bool, len(clones))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, c := range clones {
		g.Go(func() (err error) {
			lists[i], err = repos.Branches(gctx, c.Dir)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("find the branches no repo has: %w", err)
	}
	have := map[string]bool{}
	for _, l := range lists {
		for b := range l {
			have[b] = true
		}
	}
	return have, nil
}

// DataPrune removes the data of the named branches (those DataGone
// listed, once the user agreed), between the stack's started and done
// events; it returns the volumes removed. A branch the infra run on, or
// the manifest's, is refused by the docker layer.
func (st *Stack) DataPrune(ctx context.Context, branches []string, sink event.Sink) ([]string, error) {
	var removed []string
	_, err := command(sink, fmt.Sprintf("remove the data of %d branches of project %s", len(branches), st.Manifest.Project), func(sink event.Sink) (string, error) {
		err := st.locked(ctx, sink, func(p *docker.Project) error {
			var errs []error
			for _, b := range branches {
				vols, err := p.RemoveDataBranch(ctx, b)
				removed = append(removed, vols...)
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		})
		return fmt.Sprintf("%d volumes of %d branches removed", len(removed), len(branches)), err
	})
	return removed, err
}
