package gonbauth

import (
	"context"
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

// modeRules are a mode's rules: what it needs, when the automatic choice
// may take it, and how it signs in. Each mode is one entry of modes, with
// its sign-in in a file of its own (redirect.go, device.go); its words are
// in messages.go.
type modeRules struct {
	mode Mode
	// needs says what the settings lack for this mode, nil when nothing.
	// Config.resolve checks it, before any request.
	needs func(s *settings) error
	// metadata: the mode uses an endpoint that only the server's metadata
	// gives, so the metadata is fetched even when AuthURL and TokenURL
	// are set.
	metadata bool
	// needsServer says what the server lacks for this mode (an endpoint
	// its metadata does not list), nil when nothing.
	needsServer func(f *flow, ep *endpoints) error
	// remote: the automatic choice takes it only for a kernel the browser
	// may not reach (chooseMode), and then explains why.
	remote bool
	// fallback is the mode the automatic choice continues in when the
	// server refuses this one for the client (errDeviceRefused).
	fallback Mode
	// signIn shows the user what to do, waits for the answer and finishes
	// the sign-in.
	signIn func(f *flow, ctx context.Context, m Mode, ep *endpoints, scopes []string, st *store, key entryKey) (*Session, error)
	// Of the modes whose answer is a redirect to the loopback listener:
	// the user may also paste the address the browser ended on (pastes),
	// the redirect URI is Config.RedirectURL, which forwards to the
	// listener (public).
	pastes, public bool
}

// modes are the rules of every mode but ModeAuto.
func modes() []modeRules {
	return []modeRules{
		{mode: ModeLoopback, signIn: (*flow).redirectFlow},
		{mode: ModePaste, remote: true, signIn: (*flow).redirectFlow, pastes: true},
		{mode: ModeDevice, metadata: true, needsServer: (*flow).deviceOffered, remote: true, fallback: ModePaste, signIn: (*flow).device},
		{mode: ModeHosted, needs: (*settings).hasRedirectURL, signIn: (*flow).redirectFlow, public: true},
	}
}

// rules are m's rules; zero for ModeAuto and for a name that is no mode.
func (m Mode) rules() modeRules {
	for _, r := range modes() {
		if r.mode == m {
			return r
		}
	}
	return modeRules{}
}

// hasRedirectURL: the hosted mode needs the public URL.
func (s *settings) hasRedirectURL() error {
	if s.redirectURL == "" {
		return fmt.Errorf("gonbauth: the hosted mode needs %s: the public URL that forwards to the listener", s.where.setting("RedirectURL"))
	}
	return nil
}

// needsMetadata tells whether the sign-in may take a mode that uses an
// endpoint only the metadata gives: the mode set, or one the automatic
// choice may take (any but hosted, unless a redirect URL is set).
func (s *settings) needsMetadata() bool {
	for _, r := range modes() {
		if r.metadata && (s.mode == r.mode || s.mode == ModeAuto && s.redirectURL == "") {
			return true
		}
	}
	return false
}

func parseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); {
	case m == ModeAuto, m == "auto":
		return ModeAuto, nil
	case m.rules().signIn != nil:
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
	if s.mode != ModeAuto || s.redirectURL != "" || !mode.rules().remote {
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
