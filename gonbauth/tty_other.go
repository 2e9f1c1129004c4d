//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package gonbauth

import "io"

// isTerminal is false where termios is not available: the terminal view
// then prints plain lines.
func isTerminal(io.Writer) bool { return false }
