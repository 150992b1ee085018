package docker

import (
	"context"
	"errors"
	"fmt"

	"github.com/crispify/crispify/internal/event"
)

// EnsureImage makes an image present, pulling it when missing (or always
// with Pull), and returns its ID. Image events are named by the reference:
// infra entries that share an image share one pull.
func (p *Project) EnsureImage(ctx context.Context, ref string) (string, error) {
	id, err := p.Engine.ImageID(ctx, ref)
	if err == nil && !p.Pull {
		p.emit(event.Event{Kind: event.Image, Name: ref, Phase: event.Present})
		return id, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", p.imageFailed(ref, fmt.Errorf("inspect image %s: %w", ref, err))
	}
	p.emit(event.Event{Kind: event.Image, Name: ref, Phase: event.Pulling, Progress: event.Fraction(0)})
	pullErr := p.Engine.ImagePull(ctx, ref, func(f float64, status string) {
		p.emit(event.Event{Kind: event.Image, Name: ref, Phase: event.Pulling, Progress: event.Fraction(f), Msg: status})
	})
	if pullErr != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		// With --pull, a present image still does: an offline laptop keeps working.
		if id != "" {
			p.emit(event.Event{Kind: event.Image, Name: ref, Phase: event.Present, Msg: "pull failed, using the local image: " + pullErr.Error()})
			return id, nil
		}
		return "", p.imageFailed(ref, fmt.Errorf("pull image %s: %w: check the image name and that the registry is reachable (docker login if it is private)", ref, pullErr))
	}
	id, err = p.Engine.ImageID(ctx, ref)
	if err != nil {
		return "", p.imageFailed(ref, fmt.Errorf("inspect image %s after pulling it: %w", ref, err))
	}
	p.emit(event.Event{Kind: event.Image, Name: ref, Phase: event.Pulled})
	return id, nil
}

func (p *Project) imageFailed(ref string, err error) error {
	p.emit(event.Event{Kind: event.Image, Name: ref, Phase: event.Failed, Error: err.Error()})
	return err
}
