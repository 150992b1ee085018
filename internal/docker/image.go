package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/crispify/crispify/internal/event"
)

// EnsureImage makes an image present, pulling it when missing (or always
// with Pull), and returns its ID. Image events are named by the reference:
// infra entries that share an image share one pull.
//
// With Pull, an image no registry gave (built or loaded here: it has no
// repo digest) is not asked for, and a present image whose pull fails is
// used as it is: an offline laptop keeps working. Such failures are said
// once for the run, with their count, on the event of the last image to
// settle (see ExpectImages), not once per image.
func (p *Project) EnsureImage(ctx context.Context, ref string) (string, error) {
	img, err := p.Engine.ImageInspect(ctx, ref)
	if err == nil && !p.Pull {
		p.emit(p.pullSettled(ref, nil, event.Event{Kind: event.Image, Name: ref, Phase: event.Present}))
		return img.ID, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", p.imageFailed(ref, fmt.Errorf("inspect image %s: %w", ref, err))
	}
	present := err == nil
	if present && len(img.RepoDigests) == 0 {
		p.emit(p.pullSettled(ref, nil, event.Event{Kind: event.Image, Name: ref, Phase: event.Present, Msg: "built here, not pulled: no registry has it"}))
		return img.ID, nil
	}
	p.emit(event.Event{Kind: event.Image, Name: ref, Phase: event.Pulling, Progress: event.Fraction(0)})
	pullErr := p.Engine.ImagePull(ctx, ref, func(f float64, status string) {
		p.emit(event.Event{Kind: event.Image, Name: ref, Phase: event.Pulling, Progress: event.Fraction(f), Msg: status})
	})
	if pullErr != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if present {
			p.emit(p.pullSettled(ref, pullErr, event.Event{Kind: event.Image, Name: ref, Phase: event.Present, Msg: "not pulled: using the local image"}))
			return img.ID, nil
		}
		return "", p.imageFailed(ref, fmt.Errorf("pull image %s: %w: check the image name and that the registry is reachable (docker login if it is private)", ref, pullErr))
	}
	img, err = p.Engine.ImageInspect(ctx, ref)
	if err != nil {
		return "", p.imageFailed(ref, fmt.Errorf("inspect image %s after pulling it: %w", ref, err))
	}
	p.emit(p.pullSettled(ref, nil, event.Event{Kind: event.Image, Name: ref, Phase: event.Pulled}))
	return img.ID, nil
}

func (p *Project) imageFailed(ref string, err error) error {
	p.emit(p.pullSettled(ref, nil, event.Event{Kind: event.Image, Name: ref, Phase: event.Failed, Error: err.Error()}))
	return err
}

// pulls counts the images of a run that asks the registry (Pull) and the
// pulls that failed with a local image to fall back on, so that a registry
// out of reach is said once, not once per image.
type pulls struct {
	expected int // images the run ensures; 0 when not told
	settled  int
	failed   []error
}

// ExpectImages tells the project how many distinct images the run will
// ensure, so that the last to settle can say what became of the pulls.
func (p *Project) ExpectImages(n int) {
	p.pullsMu.Lock()
	defer p.pullsMu.Unlock()
	p.pulls = pulls{expected: n}
}

// pullSettled records how an image's pull ended (failed is the error of a
// pull that fell back on the local image) and returns e, which carries the
// run's one word on failed pulls when it is the last image to settle, or
// the only one when the project was not told how many to expect.
func (p *Project) pullSettled(ref string, failed error, e event.Event) event.Event {
	p.pullsMu.Lock()
	defer p.pullsMu.Unlock()
	p.pulls.settled++
	if failed != nil {
		p.pulls.failed = append(p.pulls.failed, fmt.Errorf("%s: %w", ref, failed))
	}
	last := p.pulls.expected == 0 || p.pulls.settled == p.pulls.expected
	if !last || len(p.pulls.failed) == 0 {
		return e
	}
	note := pullsFailed(p.pulls.failed)
	if p.pulls.expected == 0 {
		p.pulls = pulls{}
	}
	if e.Msg == "" {
		e.Msg = note
	} else {
		e.Msg += "; " + note
	}
	return e
}

// pullsFailed says what became of the failed pulls of a run: "could not
// pull 6 images (no registry reachable); using the local ones".
func pullsFailed(errs []error) string {
	why := "no registry reachable"
	for _, err := range errs {
		if !unreachable(err) {
			why = errs[0].Error()
			break
		}
	}
	if len(errs) == 1 {
		return fmt.Sprintf("could not pull 1 image (%s); using the local one", why)
	}
	return fmt.Sprintf("could not pull %d images (%s); using the local ones", len(errs), why)
}

// unreachable reports whether a pull failed because no registry could be
// reached at all (offline, no DNS, a proxy that refuses), rather than for
// a reason of the image's own.
func unreachable(err error) bool {
	s := strings.ToLower(err.Error())
	for _, sign := range []string{"no such host", "dial tcp", "connection refused", "network is unreachable", "i/o timeout", "tls handshake timeout", "temporary failure in name resolution", "client.timeout exceeded", "server misbehaving"} {
		if strings.Contains(s, sign) {
			return true
		}
	}
	return false
}
