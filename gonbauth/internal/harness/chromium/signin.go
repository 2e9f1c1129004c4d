package chromium

// The sign-in pages of the development server (gonbauth/devserver,
// oidc-provider's devInteractions), and the browser example of the
// WebAssembly module (wasm/example/web):
//
//   - login: input[name=login], input[name=password], button[type=submit]
//   - consent: a form with input[name=prompt][value=consent] and
//     button[type=submit]
//   - refusal: the "[ Cancel ]" link a[href$="/abort"] on either page, which
//     ends at the redirect URI with error=access_denied

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// maxPages bounds the pages SignIn walks through before giving up; a sign-in
// with devInteractions takes two (login, consent).
const maxPages = 8

// pollInterval is how often page state is polled while waiting for a
// navigation to finish.
const pollInterval = 25 * time.Millisecond

// SignInOptions, Result and PageResult are those of
// gonbauth/internal/browsertest, which documents them, as they travel
// between it and cmd/browser.
type SignInOptions struct {
	Login       string `json:"login,omitempty"`
	Password    string `json:"password,omitempty"`
	Deny        bool   `json:"deny,omitempty"`
	Unreachable bool   `json:"unreachable,omitempty"`
}

// withDefaults fills in the default user name and password.
func (o SignInOptions) withDefaults() SignInOptions {
	if o.Login == "" {
		o.Login = "alice"
	}
	if o.Password == "" {
		o.Password = "secret"
	}
	return o
}

// logIn fills the development server's login form and submits it.
func logIn(page *rod.Page, st pageState, opts SignInOptions) (pageState, error) {
	return act(page, st, "signing in", func() error {
		if err := fill(page, `input[name=login]`, opts.Login); err != nil {
			return err
		}
		if err := fill(page, `input[name=password]`, opts.Password); err != nil {
			return err
		}
		return click(page, `button[type=submit]`)
	})
}

type Result struct {
	FinalURL string `json:"finalURL"`
	Text     string `json:"text"`
}

// SignIn opens authURL, an authorization request, in a fresh incognito
// context (no cookies shared with other calls), signs in, approves or
// refuses consent, and returns once the browser has loaded the request's
// redirect_uri. The server at redirect_uri must answer for this to happen.
//
// ctx bounds it, as it bounds every method here: cmd/browser gives each
// request a deadline.
func (b *Browser) SignIn(ctx context.Context, authURL string, opts SignInOptions) (*Result, error) {
	au, err := url.Parse(authURL)
	if err != nil {
		return nil, fmt.Errorf("browsertest: parsing the authorization URL: %w", err)
	}
	redirectURI := au.Query().Get("redirect_uri")
	if redirectURI == "" {
		return nil, fmt.Errorf("browsertest: authorization URL %s has no redirect_uri", redact(authURL))
	}
	opts = opts.withDefaults()

	var prepare func(*rod.Page) (func(), error)
	if opts.Unreachable {
		prepare = func(page *rod.Page) (func(), error) { return failRequests(page, redirectURI) }
	}
	page, st, done, err := b.open(ctx, authURL, prepare)
	if err != nil {
		return nil, err
	}
	defer done()
	for pages := 0; ; pages++ {
		if isAt(st.Href, redirectURI) {
			return &Result{FinalURL: st.Href, Text: st.Text}, nil
		}
		if opts.Unreachable && strings.HasPrefix(st.Href, "chrome-error:") && isAt(st.target, redirectURI) {
			return &Result{FinalURL: st.target, Text: st.Text}, nil
		}
		if pages == maxPages {
			return nil, st.errorf(nil, "still not at the redirect_uri %s after %d pages", redirectURI, maxPages)
		}
		switch {
		case st.Login:
			st, err = logIn(page, st, opts)
		case st.Consent && opts.Deny:
			st, err = act(page, st, "refusing consent", func() error {
				return click(page, `a[href$="/abort"]`)
			})
		case st.Consent:
			st, err = act(page, st, "approving consent", func() error {
				return click(page, `button[type=submit]`)
			})
		default:
			return nil, st.errorf(nil, "not a login or consent page, and not the redirect_uri %s", redirectURI)
		}
		if err != nil {
			return nil, err
		}
	}
}

// failRequests makes every request to prefix fail with "connection
// refused", through the DevTools Fetch domain.
func failRequests(page *rod.Page, prefix string) (stop func(), err error) {
	router := page.HijackRequests()
	if err := router.Add(prefix+"*", "", func(h *rod.Hijack) {
		h.Response.Fail(proto.NetworkErrorReasonConnectionRefused)
	}); err != nil {
		return nil, fmt.Errorf("browsertest: intercepting %s: %w", redact(prefix), err)
	}
	go router.Run()
	return func() { _ = router.Stop() }, nil
}

// DeviceSignIn completes a device authorization (RFC 8628) on the
// development server's pages: it opens verificationURL (the
// verification_uri_complete, which carries the user code), confirms the
// device, signs in and approves (or, with opts.Deny, aborts), and returns
// on the success page.
func (b *Browser) DeviceSignIn(ctx context.Context, verificationURL string, opts SignInOptions) (*Result, error) {
	opts = opts.withDefaults()
	page, st, done, err := b.open(ctx, verificationURL, nil)
	if err != nil {
		return nil, err
	}
	defer done()
	for pages := 0; ; pages++ {
		if st.DeviceDone || pages == maxPages {
			if st.DeviceDone {
				return &Result{FinalURL: st.Href, Text: st.Text}, nil
			}
			return nil, st.errorf(nil, "no device sign-in success page after %d pages", maxPages)
		}
		switch {
		case st.AutoSubmit:
			// A page that submits itself on load: wait for where it goes
			// (it may be there already, so no stamp-and-wait).
			st, err = waitPast(page, st, "following a self-submitting form", func(s pageState) bool { return !s.AutoSubmit })
		case st.DeviceConfirm && opts.Deny:
			st, err = act(page, st, "aborting the device confirmation", func() error { return click(page, `button[name=abort]`) })
		case st.DeviceConfirm:
			st, err = act(page, st, "confirming the device", func() error { return click(page, `button[autofocus][type=submit]`) })
		case st.Login:
			st, err = logIn(page, st, opts)
		case st.Consent:
			st, err = act(page, st, "approving consent", func() error { return click(page, `button[type=submit]`) })
		default:
			if opts.Deny {
				return &Result{FinalURL: st.Href, Text: st.Text}, nil
			}
			return nil, st.errorf(nil, "not a device confirmation, login, consent or success page")
		}
		if err != nil {
			return nil, err
		}
	}
}

// Visit opens rawURL in a fresh incognito context and returns where the browser
// ended up once the page has loaded. Tests use it to send forged or replayed
// callbacks the way a browser would.
func (b *Browser) Visit(ctx context.Context, rawURL string) (*Result, error) {
	_, st, done, err := b.open(ctx, rawURL, nil)
	if err != nil {
		return nil, err
	}
	defer done()
	return &Result{FinalURL: st.Href, Text: st.Text}, nil
}

// open opens a blank page in a fresh incognito context, runs prepare on it
// (unless nil), and navigates to rawURL. done undoes prepare and disposes
// of the context.
func (b *Browser) open(ctx context.Context, rawURL string, prepare func(*rod.Page) (undo func(), err error)) (page *rod.Page, st pageState, done func(), err error) {
	page, dispose, err := b.NewPage(ctx)
	if err != nil {
		return nil, st, nil, err
	}
	undo := func() {}
	if prepare != nil {
		if undo, err = prepare(page); err != nil {
			dispose()
			return nil, st, nil, err
		}
	}
	done = func() {
		undo()
		dispose()
	}
	if st, err = navigate(page, rawURL); err != nil {
		done()
		return nil, st, nil, err
	}
	return page, st, done, nil
}

// pageState is what the driver needs to know about the current document.
type pageState struct {
	Href    string `json:"href"`    // location.href
	Ready   string `json:"ready"`   // document.readyState
	Stamped bool   `json:"stamped"` // the document predates the last action
	Login   bool   `json:"login"`   // has the devInteractions login form
	Consent bool   `json:"consent"` // has the devInteractions consent form
	// DeviceConfirm and DeviceDone are the device flow's confirmation and
	// success pages.
	DeviceConfirm bool `json:"deviceConfirm"`
	DeviceDone    bool `json:"deviceDone"`
	// AutoSubmit is oidc-provider\'s page that posts a form on load (as
	// the device verification link does).
	AutoSubmit bool   `json:"autoSubmit"`
	Text       string `json:"text"` // body's innerText

	target string // the tab's URL from the browser, for error pages
}

// stateJS reads pageState in one round trip.
const stateJS = `() => ({
	href: location.href,
	ready: document.readyState,
	stamped: window.__gonbauthStamp === true,
	login: !!document.querySelector('input[name=login]'),
	consent: !!document.querySelector('form input[name=prompt][value=consent]'),
	deviceConfirm: !!document.querySelector('button[autofocus][form="op.deviceConfirmForm"]'),
	deviceDone: document.title === 'Sign-in Success',
	autoSubmit: document.title === 'Submitting Callback',
	text: document.body ? document.body.innerText : '',
})`

func readState(page *rod.Page) (pageState, error) {
	var st pageState
	res, err := page.Eval(stateJS)
	if err != nil {
		return st, err
	}
	if err := res.Value.Unmarshal(&st); err != nil {
		return st, err
	}
	// For a navigation error Chromium shows chrome-error://chromewebdata/;
	// the tab's own URL still says where it tried to go.
	if info, err := page.Info(); err == nil {
		st.target = info.URL
	}
	return st, nil
}

// errorf describes a failure on this page: its URL and the start of its
// text, with codes and tokens redacted.
func (st pageState) errorf(err error, format string, args ...any) error {
	where := st.Href
	if where == "" || strings.HasPrefix(where, "chrome-error:") {
		where = st.target
	}
	text := strings.Join(strings.Fields(redact(st.Text)), " ")
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	msg := fmt.Sprintf(format, args...)
	if err != nil {
		return fmt.Errorf("browsertest: %s (page %s, text %q): %w", msg, redact(where), text, err)
	}
	return fmt.Errorf("browsertest: %s (page %s, text %q)", msg, redact(where), text)
}

// navigate opens rawURL in page and waits for the resulting document to load.
func navigate(page *rod.Page, rawURL string) (pageState, error) {
	st, _ := readState(page)
	return act(page, st, "opening "+redact(rawURL), func() error {
		return page.Navigate(rawURL)
	})
}

// act marks the current document, runs action (which must start a
// navigation), and waits until a new document has replaced the marked one
// and finished loading. Marking the document, rather than waiting for
// navigation events, also copes with redirect chains and with events that
// fired before anyone listened.
func act(page *rod.Page, before pageState, what string, action func() error) (pageState, error) {
	if _, err := page.Eval(`() => { window.__gonbauthStamp = true }`); err != nil {
		return before, before.errorf(err, "%s: marking the page", what)
	}
	if err := action(); err != nil {
		st, _ := readState(page)
		if st.Href == "" {
			st = before
		}
		return st, st.errorf(err, "%s", what)
	}
	return waitLoaded(page, before, what)
}

// waitLoaded polls until the page shows a new, completely loaded document.
func waitLoaded(page *rod.Page, before pageState, what string) (pageState, error) {
	return waitPast(page, before, what, func(st pageState) bool { return !st.Stamped })
}

// waitPast polls until a fully loaded document satisfies done.
func waitPast(page *rod.Page, before pageState, what string, done func(pageState) bool) (pageState, error) {
	ctx := page.GetContext()
	last, lastErr := before, error(nil)
	for {
		st, err := readState(page)
		if err == nil {
			last, lastErr = st, nil
			if done(st) && st.Ready == "complete" {
				return st, nil
			}
		} else {
			// Evaluating while a navigation replaces the document fails
			// now and then; that is expected, so keep polling.
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil && !errors.Is(lastErr, ctx.Err()) {
				return last, last.errorf(fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr), "%s: waiting for the next page", what)
			}
			return last, last.errorf(ctx.Err(), "%s: waiting for the next page", what)
		case <-time.After(pollInterval):
		}
	}
}

func fill(page *rod.Page, selector, value string) error {
	el, err := page.Element(selector)
	if err != nil {
		return fmt.Errorf("finding %s: %w", selector, err)
	}
	// Clear first: the login field is prefilled when the request has a login_hint.
	if _, err := el.Eval(`() => { this.value = '' }`); err != nil {
		return fmt.Errorf("clearing %s: %w", selector, err)
	}
	if err := el.Input(value); err != nil {
		return fmt.Errorf("typing into %s: %w", selector, err)
	}
	return nil
}

func click(page *rod.Page, selector string) error {
	el, err := page.Element(selector)
	if err != nil {
		return fmt.Errorf("finding %s: %w", selector, err)
	}
	if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
		return fmt.Errorf("clicking %s: %w", selector, err)
	}
	return nil
}

// isAt reports whether href is redirectURI, possibly with a query or
// fragment. It compares parsed URLs because the browser normalizes what it
// shows (case of scheme and host, an explicit default port).
func isAt(href, redirectURI string) bool {
	h, err1 := url.Parse(href)
	r, err2 := url.Parse(redirectURI)
	if err1 != nil || err2 != nil {
		return false
	}
	return h.Scheme == strings.ToLower(r.Scheme) &&
		strings.EqualFold(h.Hostname(), r.Hostname()) &&
		effectivePort(h) == effectivePort(r) &&
		h.EscapedPath() == r.EscapedPath()
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

var (
	// A parameter in a query, fragment or form body: code=..., access_token=...
	sensitiveParam = regexp.MustCompile(`(^|[?&#;\s"'])(code|code_verifier|access_token|refresh_token|id_token)=[^&#;\s"']*`)
	// A member of a JSON token response: "access_token": "...".
	sensitiveJSON = regexp.MustCompile(`"(code|code_verifier|access_token|refresh_token|id_token)"(\s*):(\s*)"[^"]*"`)
)

// redact replaces the values of parameters that carry secrets (code,
// code_verifier, access_token, refresh_token, id_token) with REDACTED in a
// URL or text, so that error messages and logs can show where a browser was
// without leaking what would let someone use it.
func redact(s string) string {
	s = sensitiveParam.ReplaceAllString(s, "${1}${2}=REDACTED")
	return sensitiveJSON.ReplaceAllString(s, `"${1}"${2}:${3}"REDACTED"`)
}

type PageResult struct {
	Mode   string              `json:"mode"`
	Status string              `json:"status"`
	Text   string              `json:"text"`
	URL    string              `json:"url"` // where the page ended (the callback page in redirect mode)
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
// them elsewhere.
func (b *Browser) PageSignIn(ctx context.Context, pageURL string, opts SignInOptions) (*PageResult, error) {
	if opts.Deny || opts.Unreachable {
		return nil, errors.New("browsertest: PageSignIn does not refuse consent or fail redirects")
	}
	opts = opts.withDefaults()
	var tokens *tokenWatch
	page, st, done, err := b.open(ctx, pageURL, func(page *rod.Page) (undo func(), err error) {
		tokens, err = watchTokens(page)
		return func() {}, err
	})
	if err != nil {
		return nil, err
	}
	defer done()
	var ps pageStatus
	for {
		if ps, err = readPageStatus(page); err == nil && (ps.Enabled || ps.Kind == "error") {
			break
		}
		select {
		case <-ctx.Done():
			st, _ = readState(page)
			return nil, st.errorf(ctx.Err(), "waiting for the page's #sign-in button to be enabled (status %q)", ps.Status)
		case <-time.After(pollInterval):
		}
	}
	if ps.Kind == "error" {
		return nil, st.errorf(nil, "the page could not start: %s", ps.Status)
	}

	var signInPage *rod.Page
	switch ps.Mode {
	case "popup":
		wait := page.WaitOpen()
		if err := click(page, "#sign-in"); err != nil {
			return nil, st.errorf(err, "clicking Sign in")
		}
		popup, err := wait()
		if err != nil {
			st, _ = readState(page)
			return nil, st.errorf(err, "waiting for the sign-in pop-up")
		}
		signInPage = popup.Context(ctx)
	case "redirect":
		if st, err = act(page, st, "clicking Sign in", func() error { return click(page, "#sign-in") }); err != nil {
			return nil, err
		}
		signInPage = page
	default:
		return nil, st.errorf(nil, "the page's mode is %q, not popup or redirect", ps.Mode)
	}
	if err := approve(signInPage, opts); err != nil {
		return nil, err
	}

	// The pop-up closes itself on the callback page; in redirect mode this
	// tab shows the callback page, which finishes the sign-in.
	for {
		if ps, err = readPageStatus(page); err == nil && (ps.Kind == "ok" || ps.Kind == "error") {
			break
		}
		select {
		case <-ctx.Done():
			st, _ = readState(page)
			if ps.Mode == "popup" {
				if pst, perr := readState(signInPage); perr == nil {
					return nil, pst.errorf(ctx.Err(), "waiting for the page to finish (its status %q; the pop-up is still open)", ps.Status)
				}
			}
			return nil, st.errorf(ctx.Err(), "waiting for the page to finish (its status %q)", ps.Status)
		case <-time.After(pollInterval):
		}
	}
	if ps.Kind == "error" {
		st, _ = readState(page)
		return nil, st.errorf(nil, "the page failed: %s", ps.Status)
	}
	got, err := tokens.wait(ctx)
	if err != nil {
		st, _ = readState(page)
		return nil, st.errorf(err, "reading the page's token responses")
	}
	st, _ = readState(page)
	return &PageResult{Mode: ps.Mode, Status: ps.Status, Text: ps.Result, URL: st.Href, Tokens: got}, nil
}

// pageStatus is the state of the example page (wasm/example/web/index.html
// and callback.html).
type pageStatus struct {
	Mode    string `json:"mode"`    // #mode
	Status  string `json:"status"`  // #status
	Kind    string `json:"kind"`    // #status[data-kind]: info, ok, error
	Result  string `json:"result"`  // #result
	Enabled bool   `json:"enabled"` // #sign-in is there and enabled
}

const pageStatusJS = `() => {
	const $ = (id) => document.getElementById(id);
	const b = $('sign-in');
	return {
		mode: $('mode')?.textContent ?? '',
		status: $('status')?.textContent ?? '',
		kind: $('status')?.dataset.kind ?? '',
		result: $('result')?.textContent ?? '',
		enabled: !!b && !b.disabled,
	};
}`

func readPageStatus(page *rod.Page) (pageStatus, error) {
	var ps pageStatus
	res, err := page.Eval(pageStatusJS)
	if err != nil {
		return ps, err
	}
	err = res.Value.Unmarshal(&ps)
	return ps, err
}

// approve waits for the development server's login page in page, signs in,
// and approves consent. It returns once consent's button is clicked: the
// page may then close itself (a pop-up on the callback page).
func approve(page *rod.Page, opts SignInOptions) error {
	st, err := waitPast(page, pageState{}, "waiting for the sign-in page", func(s pageState) bool {
		return !s.Stamped && s.Href != "" && s.Href != "about:blank"
	})
	if err != nil {
		return err
	}
	for pages := 0; pages < maxPages; pages++ {
		switch {
		case st.Login:
			st, err = logIn(page, st, opts)
			if err != nil {
				return err
			}
		case st.Consent:
			if err := click(page, `button[type=submit]`); err != nil {
				return st.errorf(err, "approving consent")
			}
			return nil
		default:
			return st.errorf(nil, "not the development server's login or consent page")
		}
	}
	return st.errorf(nil, "no consent page after %d pages", maxPages)
}

// tokenWatch collects the token fields of the JSON responses a page's
// fetches receive.
type tokenWatch struct {
	mu      sync.Mutex
	json    map[proto.NetworkRequestID]bool // JSON fetch responses not yet loaded
	reading int                             // bodies being read
	tokens  map[string][]string
	errs    []error
}

var tokenFields = []string{"access_token", "refresh_token", "id_token"}

// watchTokens enables the Network domain on page and reads the body of
// every fetch response with a JSON type once it has loaded.
func watchTokens(page *rod.Page) (*tokenWatch, error) {
	if err := (proto.NetworkEnable{}).Call(page); err != nil {
		return nil, fmt.Errorf("browsertest: enabling the Network domain: %w", err)
	}
	w := &tokenWatch{json: map[proto.NetworkRequestID]bool{}, tokens: map[string][]string{}}
	// The subscription starts here; the events are handled in order in the
	// goroutine.
	go page.EachEvent(func(e *proto.NetworkResponseReceived) {
		if (e.Type == proto.NetworkResourceTypeFetch || e.Type == proto.NetworkResourceTypeXHR) &&
			strings.Contains(e.Response.MIMEType, "json") {
			w.mu.Lock()
			w.json[e.RequestID] = true
			w.mu.Unlock()
		}
	}, func(e *proto.NetworkLoadingFinished) {
		w.loaded(page, e.RequestID, true)
	}, func(e *proto.NetworkLoadingFailed) {
		w.loaded(page, e.RequestID, false)
	})()
	return w, nil
}

func (w *tokenWatch) loaded(page *rod.Page, id proto.NetworkRequestID, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.json[id] {
		return
	}
	delete(w.json, id)
	if !ok {
		return
	}
	w.reading++
	// Not in the event loop: the call waits for a reply.
	go func() {
		body, err := proto.NetworkGetResponseBody{RequestID: id}.Call(page)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.reading--
		if err != nil {
			w.errs = append(w.errs, fmt.Errorf("browsertest: reading a response body: %w", err))
			return
		}
		var m map[string]any
		if json.Unmarshal([]byte(body.Body), &m) != nil {
			return
		}
		for _, f := range tokenFields {
			if v, ok := m[f].(string); ok && v != "" {
				w.tokens[f] = append(w.tokens[f], v)
			}
		}
	}()
}

// wait returns the tokens seen once no response body is pending and an
// access token was seen, or after a grace period of a few seconds without
// one (the events may lag behind the page): then the map may be empty.
func (w *tokenWatch) wait(ctx context.Context) (map[string][]string, error) {
	grace := time.Now().Add(3 * time.Second)
	for {
		w.mu.Lock()
		settled := len(w.json) == 0 && w.reading == 0
		if settled && (len(w.tokens["access_token"]) > 0 || time.Now().After(grace)) {
			defer w.mu.Unlock()
			// A body that could not be read matters only if no token came:
			// it may have been the token response.
			if len(w.tokens["access_token"]) == 0 && len(w.errs) > 0 {
				return nil, errors.Join(w.errs...)
			}
			out := make(map[string][]string, len(w.tokens))
			for k, v := range w.tokens {
				out[k] = append([]string(nil), v...)
			}
			return out, nil
		}
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}
