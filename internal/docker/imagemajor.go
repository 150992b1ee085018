package docker

import (
	"fmt"
	"strings"
)

// majorOf is the major version an image reference's tag names: redis:7.2
// is 7, rabbitmq:3.13-management 3, mariadb:10.11 10. A tag that does not
// start with a number (latest, none, a digest) names none: "".
func majorOf(ref string) string {
	if at := strings.Index(ref, "@"); at >= 0 {
		ref = ref[:at]
	}
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")
	if colon <= slash {
		return ""
	}
	tag := strings.TrimPrefix(ref[colon+1:], "v")
	end := 0
	for end < len(tag) && tag[end] >= '0' && tag[end] <= '9' {
		end++
	}
	if end == 0 {
		return ""
	}
	if major := strings.TrimLeft(tag[:end], "0"); major != "" {
		return major
	}
	return "0"
}

// sameMajor refuses data saved by one image for an image of another major
// version: a database's files seldom read across one (MariaDB 10 to 11,
// Elasticsearch 7 to 8). Where either tag names no version, the data is
// let through: the images may well be the same.
func sameMajor(saved, now string) error {
	a, b := majorOf(saved), majorOf(now)
	if a == "" || b == "" || a == b {
		return nil
	}
	return fmt.Errorf("the snapshot was saved by %s (major version %s) and the manifest runs %s (major version %s): restore it with the manifest's image set back to %s, or save a new one", saved, a, now, b, saved)
}
