//go:build windows

package stack

// ownPrivateDir: the user's temporary folder on windows is private already.
func ownPrivateDir(string) error { return nil }
