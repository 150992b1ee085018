//go:build unix

package stack

import (
	"fmt"
	"os"
	"syscall"
)

// ownPrivateDir checks that dir is this user's and nobody else may write to
// it: a socket there is only as private as its folder.
func ownPrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || (ok && int(st.Uid) != os.Getuid()) || fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("the folder %s for crispify's sockets is not this user's own, or others may use it (%v): remove it, crispify makes it again", dir, fi.Mode())
	}
	return nil
}
