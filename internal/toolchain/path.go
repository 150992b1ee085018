package toolchain

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// getenv reads a variable of an environment list, the last one winning as
// in a process; on windows names ignore case (Path is PATH).
func getenv(env []string, key string) string {
	val := ""
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && (k == key || runtime.GOOS == "windows" && strings.EqualFold(k, key)) {
			val = v
		}
	}
	return val
}

// lookPath finds a program on the PATH of env, as the worker's shell would:
// a relative PATH entry (./node_modules/.bin) is relative to dir, where the
// worker runs. It returns "" when no entry holds it.
func lookPath(name string, env []string, dir string) string {
	exts := []string{""}
	if runtime.GOOS == "windows" {
		exts = strings.Split(strings.ToLower(getenv(env, "PATHEXT")), ";")
		if len(exts) == 1 && exts[0] == "" {
			exts = []string{".com", ".exe", ".bat", ".cmd"}
		}
	}
	for _, entry := range filepath.SplitList(getenv(env, "PATH")) {
		if entry == "" {
			entry = "." // an empty entry is the current folder, as in sh
		}
		if !filepath.IsAbs(entry) {
			entry = filepath.Join(dir, entry)
		}
		for _, ext := range exts {
			p := filepath.Join(entry, name+ext)
			if executable(p) {
				return p
			}
		}
	}
	return ""
}

func executable(path string) bool {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return false
	}
	return runtime.GOOS == "windows" || st.Mode().Perm()&0o111 != 0
}
