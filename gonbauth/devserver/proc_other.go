//go:build !unix

package devserver

import "os/exec"

// setProcessGroup does nothing where there are no Unix process groups.
func setProcessGroup(cmd *exec.Cmd) {}

// signalProcessGroup kills the server process alone: without process groups
// that is the best available, and Windows cannot deliver an interrupt to
// another process, so there is no graceful stop to try first.
func signalProcessGroup(cmd *exec.Cmd, kill bool) error {
	return cmd.Process.Kill()
}
