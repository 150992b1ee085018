//go:build unix && !(darwin || dragonfly || freebsd || netbsd || openbsd)

package tui

import "golang.org/x/sys/unix"

const ioctlReadTermios = unix.TCGETS
