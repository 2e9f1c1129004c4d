//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package gonbauth

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// isTerminal reports whether w is a terminal, where the countdown can be
// rewritten in place. It is x/term's IsTerminal (reading the terminal's
// attributes succeeds only on a terminal), written against syscall: x/term
// and x/sys would be two more modules for GoNB's `go get` to ask the module
// proxy about before every cell (BENCHMARKS.md, "What a cell's go get asks").
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), ioctlReadTermios, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}
