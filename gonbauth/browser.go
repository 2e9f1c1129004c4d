package gonbauth

import (
	"io"
	"runtime"
	"sync"

	"github.com/cli/browser"
)

// quietBrowser keeps the browser launcher's own output off our stdout,
// which `gonbauth token` reserves for the token.
var quietBrowser sync.Once

// browserOpener returns how to open the sign-in link, or nil when no
// browser should be opened: when disabled, inside a notebook (the link is
// in the output, and the kernel may not be on the user's machine), or on a
// Linux or BSD machine without a graphical session, where the fallback
// launchers are text browsers that would take over the terminal.
func browserOpener(noBrowser bool, getenv func(string) string) func(string) error {
	if noBrowser || notebook.isNotebook() {
		return nil
	}
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" &&
		getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return nil
	}
	return openURL
}

// openURL starts the user's browser without waiting for it: a launcher
// that blocks must not hold up the sign-in.
func openURL(u string) error {
	quietBrowser.Do(func() {
		browser.Stdout = io.Discard
		browser.Stderr = io.Discard
	})
	go browser.OpenURL(u)
	return nil
}
