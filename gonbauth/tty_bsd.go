//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package gonbauth

import "golang.org/x/sys/unix"

const ioctlReadTermios = unix.TIOCGETA
