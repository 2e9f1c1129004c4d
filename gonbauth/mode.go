package gonbauth

import (
	"fmt"
	"os"
	"strings"
)

// Mode is how the browser's answer reaches the program.
type Mode string

const (
	// ModeAuto picks a mode from the environment (see Config.Mode).
	ModeAuto Mode = ""
	// ModeLoopback: the browser is redirected to a listener on this
	// machine's loopback interface (RFC 8252). For local kernels.
	ModeLoopback Mode = "loopback"
	// ModePaste: as loopback, but the browser may not reach the listener,
	// so the user can paste the address the browser ended on. The
	// listener still runs: whichever arrives first wins.
	ModePaste Mode = "paste"
	// ModeDevice: the device authorization grant (RFC 8628). The user
	// enters a code, or scans a QR code, on any device.
	ModeDevice Mode = "device"
	// ModeHosted: the redirect goes to Config.RedirectURL, a public URL
	// (such as a JupyterHub or jupyter-server-proxy path) that forwards to
	// the loopback listener.
	ModeHosted Mode = "hosted"
)

func parseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case ModeAuto, "auto":
		return ModeAuto, nil
	case ModeLoopback, ModePaste, ModeDevice, ModeHosted:
		return m, nil
	}
	return "", fmt.Errorf("gonbauth: %s=%q is not a mode: use loopback, paste, device, hosted or auto", EnvMode, s)
}

// host describes where the program runs, for detection. Its functions
// are the real ones outside tests.
type host struct {
	getenv   func(string) string
	exists   func(string) bool
	readFile func(string) ([]byte, error)
}

func realHost() host {
	return host{
		getenv:   os.Getenv,
		exists:   func(p string) bool { _, err := os.Stat(p); return err == nil },
		readFile: os.ReadFile,
	}
}

// remoteReason says why the user's browser may not reach this machine's
// loopback interface, as a predicate ("runs in a container") that the
// message table gives a subject, or "" when nothing suggests so. Each signal is a
// common setup where notebook sign-ins dead-end on "this site can't be
// reached".
func remoteReason(h host) string {
	switch {
	case h.getenv("COLAB_RELEASE_TAG") != "":
		return "runs in Google Colab"
	case h.getenv("JUPYTERHUB_API_URL") != "" || h.getenv("JUPYTERHUB_SERVICE_PREFIX") != "" || h.getenv("JUPYTERHUB_USER") != "":
		return "runs under JupyterHub"
	case h.getenv("CODESPACES") == "true":
		return "runs in a GitHub Codespace"
	case h.getenv("REMOTE_CONTAINERS") == "true" || h.getenv("VSCODE_REMOTE_CONTAINERS_SESSION") != "":
		return "runs in a VS Code remote container"
	case h.getenv("SSH_CONNECTION") != "" || h.getenv("SSH_CLIENT") != "":
		return "was started over SSH"
	case h.getenv("WSL_DISTRO_NAME") != "" || h.getenv("WSL_INTEROP") != "":
		return "runs under WSL"
	case h.exists("/.dockerenv") || h.exists("/run/.containerenv"):
		return "runs in a container"
	case h.getenv("KUBERNETES_SERVICE_HOST") != "":
		return "runs in a Kubernetes pod"
	}
	if b, err := h.readFile("/proc/1/cgroup"); err == nil {
		for _, sig := range []string{"docker", "kubepods", "containerd", "lxc"} {
			if strings.Contains(string(b), sig) {
				return "runs in a container"
			}
		}
	}
	if b, err := h.readFile("/proc/sys/kernel/osrelease"); err == nil && strings.Contains(strings.ToLower(string(b)), "microsoft") {
		return "runs under WSL"
	}
	return ""
}

// chooseMode settles the mode and says why. hasDevice tells whether the
// server offers the device grant.
func chooseMode(s *settings, h host, hasDevice bool) (Mode, string) {
	switch {
	case s.mode != ModeAuto:
		return s.mode, "chosen in the settings"
	case s.redirectURL != "":
		return ModeHosted, "a public redirect URL is set"
	}
	why := remoteReason(h)
	switch {
	case why == "":
		return ModeLoopback, "the kernel runs on this machine"
	case hasDevice:
		return ModeDevice, "the kernel " + why + ", which your browser may not reach"
	default:
		return ModePaste, "the kernel " + why + ", which your browser may not reach, and the server offers no device sign-in"
	}
}

// autoReason is why mode was chosen automatically for a remote machine,
// for the user to read; "" when the settings chose it or nothing is remote.
func autoReason(s *settings, h host, mode Mode) string {
	if s.mode != ModeAuto || s.redirectURL != "" || (mode != ModeDevice && mode != ModePaste) {
		return ""
	}
	return remoteReason(h)
}

// pickMode is chooseMode with the provider's limits: a provider whose
// device grant does not serve this kind of client (Google's Desktop
// apps) is never put in the device mode automatically. The note says so
// ("" when the choice needs no more words than the display's own).
func (f *flow) pickMode(ep *endpoints) (Mode, string) {
	noAuto := ep.device != "" && f.s.prov.noAutoDevice
	m, _ := chooseMode(f.s, f.host, ep.device != "" && !noAuto)
	if noAuto && m == ModePaste && f.s.mode == ModeAuto {
		return m, f.s.prov.title + "'s device sign-in does not accept Desktop app clients, so it is not used (for a client of type TVs and Limited Input devices, set " +
			f.s.where.setting("Mode") + " to device)."
	}
	return m, ""
}

// needsSecret explains a missing client secret that the provider's token
// endpoint requires in mode, before the user signs in for nothing.
func (s *settings) needsSecret(m Mode) error {
	p := s.prov
	if s.clientSecret != "" || !p.secretRequired || m == ModeDevice && p.deviceWithoutSecret {
		return nil
	}
	return fmt.Errorf("gonbauth: %s is not set: %s", s.where.setting("ClientSecret"), p.secretHelp)
}
