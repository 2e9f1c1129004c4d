//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package gonbauth

import "syscall"

const ioctlReadTermios = syscall.TIOCGETA
