// Package browsertest drives a headless Chromium through real sign-in pages,
// for gonbauth's end-to-end tests and demos, and reads QR codes the way a
// phone does.
//
// It knows the login and consent pages of the bundled development server
// (gonbauth/devserver, oidc-provider's devInteractions), the device flow's
// pages, and the browser example of the WebAssembly module (wasm/example).
//
// The work is done by the commands of the harness module
// (gonbauth/internal/harness, a Go module of its own that holds go-rod and
// gozxing, so that the library's module never requires them): this package
// builds them with the go command, once per process, and talks to them.
// Each Browser is one cmd/browser process driving one Chromium.
//
// Chromium comes from the system (/usr/bin/chromium, or $CHROMIUM_BIN): this
// package never downloads a browser.
package browsertest

import (
	"context"
	"errors"
	"strings"
)

// Browser is a headless Chromium process. Its methods may be called from
// several goroutines; each SignIn and Visit uses its own incognito context.
type Browser struct {
	d *driver
}

// Options configure LaunchWith.
type Options struct {
	// MapToLoopback lists host names that resolve to 127.0.0.1 in the
	// browser, e.g. "pkce-insecure.test": a page at
	// http://pkce-insecure.test:PORT/ is served by a loopback server but is
	// not a secure context. Every other name but localhost is unresolvable.
	MapToLoopback []string
}

// Launch starts a headless Chromium with a fresh, temporary profile.
// The browser is $CHROMIUM_BIN, or /usr/bin/chromium if that is unset.
// ctx bounds the start only; the browser runs until Close.
func Launch(ctx context.Context) (*Browser, error) { return LaunchWith(ctx, Options{}) }

// LaunchWith is Launch with options.
func LaunchWith(ctx context.Context, opts Options) (*Browser, error) {
	var args []string
	if len(opts.MapToLoopback) > 0 {
		args = []string{"-map-to-loopback", strings.Join(opts.MapToLoopback, ",")}
	}
	d, err := startDriver(ctx, args...)
	if err != nil {
		return nil, err
	}
	return &Browser{d: d}, nil
}

// Close stops the browser and removes its temporary profile. Calling Close
// more than once returns the first result.
func (b *Browser) Close() error { return b.d.closeOnce() }

// SignInOptions configure SignIn. Zero values mean defaults.
type SignInOptions struct {
	// Login and Password are typed into the login page. The development
	// server accepts any values and uses Login as the account id (sub).
	// Defaults: "alice", "secret".
	Login    string `json:"login,omitempty"`
	Password string `json:"password,omitempty"`

	// Deny refuses on the consent page (its cancel link) instead of approving.
	Deny bool `json:"deny,omitempty"`

	// Unreachable makes the redirect URI fail as if nothing listened there
	// (as when the kernel runs in a container the browser cannot reach),
	// even if something does. SignIn then returns the address the browser
	// tried, which is what a user would copy from the address bar.
	Unreachable bool `json:"unreachable,omitempty"`
}

// Result is where a browser ended up.
type Result struct {
	// FinalURL is the URL the browser ended on: for SignIn, the redirect URI
	// with code, state and iss, or with an error. It holds the authorization
	// code: do not log it.
	FinalURL string `json:"finalURL"`
	// Text is the visible text (innerText) of the final page.
	Text string `json:"text"`
}

// SignIn opens authURL, an authorization request, in a fresh incognito
// context (no cookies shared with other calls), signs in, approves or
// refuses consent, and returns once the browser has loaded the request's
// redirect_uri. The server at redirect_uri must answer for this to happen.
//
// If ctx has no deadline, SignIn gives up after 60 s.
func (b *Browser) SignIn(ctx context.Context, authURL string, opts SignInOptions) (*Result, error) {
	var res Result
	if err := b.d.call(ctx, "signIn", map[string]any{"url": authURL, "opts": opts}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// DeviceSignIn completes a device authorization (RFC 8628) on the
// development server's pages: it opens verificationURL (the
// verification_uri_complete, which carries the user code), confirms the
// device, signs in and approves (or, with opts.Deny, aborts), and returns
// on the success page.
//
// If ctx has no deadline, DeviceSignIn gives up after 60 s.
func (b *Browser) DeviceSignIn(ctx context.Context, verificationURL string, opts SignInOptions) (*Result, error) {
	var res Result
	if err := b.d.call(ctx, "deviceSignIn", map[string]any{"url": verificationURL, "opts": opts}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Visit opens rawURL in a fresh incognito context and returns where the browser
// ended up once the page has loaded. Tests use it to send forged or replayed
// callbacks the way a browser would.
//
// If ctx has no deadline, Visit gives up after 60 s.
func (b *Browser) Visit(ctx context.Context, rawURL string) (*Result, error) {
	var res Result
	if err := b.d.call(ctx, "visit", map[string]any{"url": rawURL}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// PageResult is what PageSignIn saw.
type PageResult struct {
	// Mode is the page's sign-in mode: "popup" or "redirect".
	Mode string `json:"mode"`
	// Status is the page's final status line, e.g. "Signed in as alice.".
	Status string `json:"status"`
	// Text is the page's result (its #result element).
	Text string `json:"text"`
	// URL is where the page ended: in redirect mode, the callback page,
	// which takes the code out of its address.
	URL string `json:"url"`
	// Tokens holds what the page received from token endpoints, by field
	// (access_token, refresh_token, id_token): every value seen, in order.
	// They are live credentials that stay in the page; callers use them only
	// to check that they appear nowhere else.
	Tokens map[string][]string `json:"tokens"`
}

// PageSignIn plays the person at a web page that signs in by itself: the
// browser example of the PKCE WebAssembly module (wasm/example/web). It opens
// pageURL in a fresh incognito context, waits until the page's button
// #sign-in is enabled, clicks it (a real click: pop-ups need a user gesture),
// signs in and approves consent on the development server's pages, in the
// pop-up the page opens or, in the page's redirect mode (?mode=redirect), in
// the same tab, and waits until the page's #status element has
// data-kind "ok" (returned) or "error" (an error with its text).
//
// The page's own fetch responses that carry tokens are read through the
// DevTools Network domain (PageResult.Tokens), so that a caller can look for
// them elsewhere. If ctx has no deadline, PageSignIn gives up after 60 s.
func (b *Browser) PageSignIn(ctx context.Context, pageURL string, opts SignInOptions) (*PageResult, error) {
	if opts.Deny || opts.Unreachable {
		return nil, errors.New("browsertest: PageSignIn does not refuse consent or fail redirects")
	}
	var res PageResult
	if err := b.d.call(ctx, "pageSignIn", map[string]any{"url": pageURL, "opts": opts}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Eval opens pageURL in a fresh incognito context, waits for it to load,
// runs js, a JavaScript function expression (it may be async), with args
// (passed as JSON), and decodes its result into out (unless out is nil).
// A JavaScript exception is returned as an error with its message.
//
// If ctx has no deadline, Eval gives up after 60 s.
func (b *Browser) Eval(ctx context.Context, pageURL string, out any, js string, args ...any) error {
	return b.d.call(ctx, "eval", map[string]any{"url": pageURL, "js": js, "args": args}, out)
}
