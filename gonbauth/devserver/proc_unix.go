//go:build unix

package devserver

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes the server the leader of a new process group, so
// that Close can signal it and anything it started, and so that a Ctrl-C in
// the terminal running the tests reaches only the test binary (which then
// closes the server itself).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalProcessGroup sends SIGTERM (or SIGKILL if kill) to cmd's process group.
func signalProcessGroup(cmd *exec.Cmd, kill bool) error {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	// With Setpgid the group id is the leader's pid; -pid addresses the group.
	return syscall.Kill(-cmd.Process.Pid, sig)
}
