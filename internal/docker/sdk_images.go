package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/docker/docker/api/types/image"
)

func (s *sdk) ImageInspect(ctx context.Context, ref string) (Image, error) {
	img, err := s.c.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, notFound(err)
	}
	out := Image{ID: img.ID, RepoDigests: img.RepoDigests}
	if img.Config != nil {
		out.Volumes = slices.Sorted(maps.Keys(img.Config.Volumes))
	}
	return out, nil
}

// ImagePull follows the pull's JSON stream, summing the bytes of every layer
// so that progress is one fraction for the image, not one per layer.
func (s *sdk) ImagePull(ctx context.Context, ref string, progress func(float64, string)) error {
	rc, err := s.c.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return err
	}
	defer rc.Close()
	return followPull(rc, progress)
}

// pullMessage is one line of the engine's pull stream.
type pullMessage struct {
	Status         string `json:"status"`
	ID             string `json:"id"`
	ProgressDetail struct {
		Current int64 `json:"current"`
		Total   int64 `json:"total"`
	} `json:"progressDetail"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// followPull reads a pull stream to its end, reporting aggregated progress.
func followPull(r io.Reader, progress func(float64, string)) error {
	type layer struct{ current, total int64 }
	layers := map[string]*layer{}
	dec := json.NewDecoder(r)
	for {
		var m pullMessage
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read pull progress: %w", err)
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return fmt.Errorf("%s", m.ErrorDetail.Message)
		}
		if m.Error != "" {
			return fmt.Errorf("%s", m.Error)
		}
		if m.ID == "" {
			continue
		}
		l := layers[m.ID]
		if l == nil {
			l = &layer{}
			layers[m.ID] = l
		}
		switch {
		case m.Status == "Downloading" && m.ProgressDetail.Total > 0:
			l.current, l.total = m.ProgressDetail.Current, m.ProgressDetail.Total
		case m.Status == "Download complete" || m.Status == "Pull complete" || m.Status == "Already exists":
			if l.total == 0 {
				l.total = 1
			}
			l.current = l.total
		default:
			continue
		}
		var cur, tot int64
		for _, l := range layers {
			cur += l.current
			tot += l.total
		}
		if tot > 0 && progress != nil {
			progress(float64(cur)/float64(tot), m.Status)
		}
	}
}
