// Package build reports what binary this is: its version, set by the release
// build through ldflags, else read from the module's build information.
package build

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set by the release build:
//
//	-ldflags "-X github.com/crispify/crispify/internal/build.version=v1.2.3"
var version string

// Version returns the release version, the module version of a `go install`
// build, or "dev" with the commit it was built from.
func Version() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}

// String is the line `crispify version` prints.
func String(program string) string {
	return fmt.Sprintf("%s %s (%s, %s/%s)", program, Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
