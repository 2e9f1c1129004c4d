package gonbauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the one policy for outside text: everything a server, a
// callback, a saved file or a setting sends is made printable and bounded
// here before it reaches a terminal, an error or a notebook, and only
// links that pass linkProblem are ever shown as links.

// maxPrintable caps how much of a server-supplied string is repeated.
const maxPrintable = 300

// maxMessage caps a whole message (an error shown as a status), which is
// mostly our own words around a few bounded outside values.
const maxMessage = 2000

// maxListed caps how many items of an outside list (scopes, PKCE methods)
// are repeated; the rest are counted.
const maxListed = 10

// maxLink is the longest link shown: longer ones break in terminals, QR
// codes and some browsers, and are never cut (a cut link is a broken one).
const maxLink = 4096

// maxResponseBytes bounds every response body read from an authorization
// server (metadata, token, key set, userinfo, device, revocation).
const maxResponseBytes = 1 << 20 // errResponseTooLarge names it

// printable makes a string from outside safe to print on a terminal and
// bounded: see printableN.
func printable(s string) string { return printableN(s, maxPrintable) }

// printableN replaces everything that could drive a terminal or disguise
// text (C0 and C1 controls, so escape sequences too; format characters,
// bidi controls and zero-width ones among them; line and paragraph
// separators; private use characters; invalid UTF-8) with U+FFFD, and
// keeps at most max runes, ending a cut string with "…". HTML escaping is
// separate, at render time. It is idempotent.
func printableN(s string, max int) string {
	if isPrintable(s) && utf8.RuneCountInString(s) <= max {
		return s
	}
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == max-1 && utf8.RuneCountInString(s[i:]) > 1 {
			b.WriteString("…")
			break
		}
		if !printableRune(r) || r == utf8.RuneError {
			r = unicode.ReplacementChar
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func printableRune(r rune) bool {
	return !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs) && r != utf8.RuneError
}

func isPrintable(s string) bool {
	for _, r := range s {
		if !printableRune(r) {
			return false
		}
	}
	return true
}

// quoted is printable(s) in Go quotes, for naming an outside value.
func quoted(s string) string { return strconv.Quote(printable(s)) }

// printableList names at most maxListed items of an outside list, each
// printable, and counts the rest.
func printableList(items []string) string {
	shown := items
	if len(shown) > maxListed {
		shown = shown[:maxListed]
	}
	parts := make([]string, len(shown))
	for i, it := range shown {
		parts[i] = quoted(it)
	}
	s := "[" + strings.Join(parts, " ") + "]"
	if more := len(items) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// printableScopes are granted scopes for display: each printable, at most
// maxListed, then a count.
func printableScopes(scopes []string) []string {
	out := make([]string, 0, min(len(scopes), maxListed+1))
	for i, s := range scopes {
		if i == maxListed {
			out = append(out, fmt.Sprintf("(and %d more)", len(scopes)-maxListed))
			break
		}
		out = append(out, printable(s))
	}
	return out
}

// outsideError wraps an error whose text holds outside input (go-oidc's
// errors repeat a key set response's body, an ID token's issuer or
// audience): its text is printable and bounded, and errors.Is and
// errors.As still see the cause.
type outsideError struct{ err error }

func (e outsideError) Error() string { return printable(e.err.Error()) }
func (e outsideError) Unwrap() error { return e.err }

// fromOutside wraps err (nil stays nil) so that its text is safe to show.
func fromOutside(err error) error {
	if err == nil {
		return nil
	}
	return outsideError{err}
}

// linkProblem is the one policy for links: a link is shown (and opened,
// and encoded as a QR code) only when it is an absolute https URL, or
// http on a loopback host, with no user name or password, only printable
// ASCII (no controls, spaces, bidi or look-alike characters) and at most
// maxLink bytes. A link that fails is refused, never cut. The error
// completes "the link ...".
func linkProblem(raw string) error {
	if len(raw) > maxLink {
		return fmt.Errorf("is %d bytes long, more than the %d a link may be", len(raw), maxLink)
	}
	if !visibleASCII(raw) {
		return errors.New("holds characters other than printable ASCII (percent-encode them)")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return errors.New("is not an absolute http(s) URL")
	case u.User != nil:
		return errors.New("carries a user name or password")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return errors.New("uses plain http on a host other than loopback (https is required)")
	}
	return errors.New("is not an http(s) URL")
}

// safeLink reports whether raw may be shown as a link.
func safeLink(raw string) bool { return linkProblem(raw) == nil }

// safeState is a copy of st with every outside text made printable and
// bounded and the link dropped unless safe: what a view receives, whatever
// it does with it. (A failure's text is bounded where it is composed,
// failureText.)
func safeState(st *viewState) *viewState {
	s := *st
	s.host = printable(s.host)
	if !safeLink(s.link) {
		s.link = ""
	}
	s.who = printable(s.who)
	s.renew = printableN(s.renew, maxMessage)
	s.autoWhy = printable(s.autoWhy)
	s.modeExtra = printableN(s.modeExtra, maxMessage)
	s.pasteTo = printable(s.pasteTo)
	s.pasteErr = printableN(s.pasteErr, maxMessage)
	s.userCode = printableN(s.userCode, maxUserCode)
	s.scopes = printableScopes(s.scopes)
	s.cause = printableN(s.cause, maxMessage)
	s.refused = make([]string, len(st.refused))
	for i, r := range st.refused {
		s.refused[i] = printableN(r, maxMessage)
	}
	return &s
}

// boundedClient returns a copy of c whose responses' bodies fail once they
// pass maxResponseBytes: for every request to the authorization server,
// including those made by x/oauth2 and go-oidc (which reads a key set
// without a limit and repeats it in its errors). The session's API client
// keeps the caller's own.
func boundedClient(c *http.Client) *http.Client {
	if _, ok := c.Transport.(boundedTransport); ok {
		return c
	}
	b := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	b.Transport = boundedTransport{base}
	return &b
}

type boundedTransport struct{ base http.RoundTripper }

func (t boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil && resp.Body != nil {
		resp.Body = &boundedBody{rc: resp.Body, left: maxResponseBytes}
	}
	return resp, err
}

// errResponseTooLarge ends the reading of a body larger than the limit
// (errors.New, not fmt.Errorf: package variables are made in every cell).
var errResponseTooLarge = errors.New("gonbauth: the server's response is larger than 1 MiB")

type boundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a larger one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }

// boundTo returns a copy of c whose requests end when ctx does: for
// libraries that make requests without it (x/oauth2's DeviceAuth, go-oidc's
// key set fetch, which runs in the background WithoutCancel).
func boundTo(ctx context.Context, c *http.Client) *http.Client {
	b := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	b.Transport = roundTripper(func(r *http.Request) (*http.Response, error) {
		return base.RoundTrip(r.WithContext(ctx))
	})
	return &b
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
