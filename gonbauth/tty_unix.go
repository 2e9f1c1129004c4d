//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package gonbauth

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether w is a terminal, where the countdown can be
// rewritten in place. It is x/term's IsTerminal: x/sys is already linked
// (for file locks) while x/term would be one more module for GoNB's go
// get to fetch before every cell.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlReadTermios)
	return err == nil
}
