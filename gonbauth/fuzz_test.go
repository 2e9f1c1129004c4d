package gonbauth

// Fuzz targets for every parser of outside input (the saved sign-in file
// has its own, FuzzDecodeEntry in store_fuzz_test.go). Each asserts what
// gonbauth promises of what it accepts and of what it says when it
// refuses: no panic, no secret of the request in the message, a message
// that is printable, one "gonbauth:" error and bounded. Seed corpora are
// committed under testdata/fuzz/<target>/, named for what they try.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gonbauth/gonbauth/gonbauth/internal/hostileserver"
)

// Secrets of the fuzzed requests: never to be repeated, unless the answer
// being parsed holds them itself.
const (
	fuzzState    = "st4te-RANDOM-k9Qz1vX8pL3mN7wY2tB5"
	fuzzCode     = "c0de-SECRET-a8Jd2kL9qW4eR7tY1uI3"
	fuzzVerifier = "ver1fier-SECRET-Zx8Cv7Bn6Mm5Ll4Kk3Jj2Hh1Gg0Ff9Dd8Ss7Aa6Qq5"
	fuzzIssuer   = "https://login.example.com"
)

// checkMessage checks an error message made from outside input.
func checkMessage(t *testing.T, what, msg string, source string, secrets ...string) {
	t.Helper()
	if i, c := hostileserver.FirstControl(msg); i >= 0 {
		t.Fatalf("%s holds the control character %U: %q", what, c, msg)
	}
	if len(msg) > maxErrBytes {
		t.Fatalf("%s is %d bytes: %.200q", what, len(msg), msg)
	}
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(msg, s) && !strings.Contains(source, s) {
			t.Fatalf("%s repeats the secret %q: %q", what, s, msg)
		}
	}
}

func checkGonbauthError(t *testing.T, what string, err error, source string, secrets ...string) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "gonbauth:") {
		t.Fatalf("%s %q does not start with gonbauth:", what, err)
	}
	checkMessage(t, what, err.Error(), source, secrets...)
}

// FuzzCallbackQuery: the redirect's query, as the loopback listener and
// the pasted address hand it to the check.
func FuzzCallbackQuery(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw string, issRequired bool) {
		if len(raw) > maxQueryBytes {
			return // the listener refuses it before parsing
		}
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // refused as malformed, without repeating it
		}
		c := &callbackCheck{issuer: fuzzIssuer, issRequired: issRequired, state: fuzzState}
		v := c.check(q)
		switch {
		case v.final && v.err == nil:
			if q.Get("state") != fuzzState || len(q["state"]) != 1 {
				t.Fatalf("accepted a response whose state is %q", q["state"])
			}
			if iss, ok := q["iss"]; ok && iss[0] != fuzzIssuer || !ok && issRequired {
				t.Fatalf("accepted a response from the issuer %q", q["iss"])
			}
			if v.code == "" || v.code != q.Get("code") || len(q["code"]) != 1 || q.Get("error") != "" {
				t.Fatalf("accepted the code %q of %q", v.code, raw)
			}
		case v.err != nil:
			if !v.final && !strings.HasPrefix(v.err.Error(), errRefused.Error()) {
				t.Fatalf("a refusal %q does not say it refused", v.err)
			}
			if v.final && q.Get("state") != fuzzState {
				t.Fatalf("a response with the state %q ended the sign-in: %v", q.Get("state"), v.err)
			}
			// The state is this sign-in's secret; the code must not be
			// repeated unless the response's own text holds it.
			said := strings.Join(append(append(append(q["error"], q["error_description"]...), q["error_uri"]...), q["iss"]...), " ")
			checkGonbauthError(t, "the verdict", v.err, said, fuzzState, q.Get("code"))
		default:
			t.Fatalf("a verdict that is neither a code nor an error: %+v", v)
		}
	})
}

// pasteKnown are the messages pasteAddress gives for plain mistakes: a
// query value they happen to contain is not a repeated one.
func pasteKnown(redirectURI string) string {
	var b strings.Builder
	b.WriteString(redirectURI)
	for _, in := range []string{"", "x", "https://elsewhere.example/callback?code=x", redirectURI, redirectURI + "?%zz", redirectURI + "?" + strings.Repeat("a", maxPasteBytes)} {
		if _, err := pasteAddress(in, redirectURI); err != nil {
			b.WriteString(err.Error())
		}
	}
	return b.String()
}

// FuzzPasteAddress: the address a user pastes in paste mode.
func FuzzPasteAddress(f *testing.F) {
	const redirectURI = "http://127.0.0.1:8085/callback"
	known := pasteKnown(redirectURI)
	want, _ := url.Parse(redirectURI)
	f.Fuzz(func(t *testing.T, line string) {
		q, err := pasteAddress(line, redirectURI)
		if err != nil {
			// Never repeats the address or any value in it: it may hold a code.
			var secrets []string
			if u, perr := url.Parse(strings.TrimSpace(line)); perr == nil {
				for _, vs := range u.Query() {
					for _, v := range vs {
						if len(v) >= 12 && !strings.Contains(known, v) {
							secrets = append(secrets, v)
						}
					}
				}
			}
			if t := strings.TrimSpace(line); len(t) >= 12 && !strings.Contains(known, t) {
				secrets = append(secrets, t)
			}
			checkMessage(t, "the refusal", err.Error(), "", secrets...)
			return
		}
		u, perr := url.Parse(strings.TrimSpace(line))
		if perr != nil || u.Scheme != want.Scheme || u.Host != want.Host || u.Path != want.Path {
			t.Fatalf("accepted %q, which is not %s", line, redirectURI)
		}
		if len(u.RawQuery) > maxQueryBytes || len(line) > maxPasteBytes+1 {
			t.Fatalf("accepted %d bytes", len(line))
		}
		if pq, _ := url.ParseQuery(u.RawQuery); !equalValues(pq, q) {
			t.Fatalf("the query %v is not the address's %v", q, pq)
		}
	})
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i] != vb[i] {
				return false
			}
		}
	}
	return true
}

// FuzzPasteInput: what paste mode reads from stdin, line by line.
func FuzzPasteInput(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		defer close(done)
		n := 0
		for line := range readLines(bytes.NewReader(data), done) {
			n++
			if len(line) > maxPasteBytes+1 {
				t.Fatalf("a line of %d bytes, more than maxPasteBytes+1", len(line))
			}
			if strings.TrimSpace(line) == "" {
				t.Fatal("a blank line was handed over")
			}
		}
		if want := countLines(data); n != want {
			t.Fatalf("%d lines handed over, want %d", n, want)
		}
	})
}

// countLines counts the non-blank lines of data, as a person reading it
// would.
func countLines(data []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			n++
		}
	}
	return n
}

// answer is a transport that answers every request with one response.
type answer struct {
	status      int
	contentType string
	body        []byte
	path        string // only this path; others get 404 (empty: all)
}

func (a answer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	status, body := a.status, a.body
	if a.path != "" && req.URL.Path != a.path {
		status, body = http.StatusNotFound, nil
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {a.contentType}}, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: req}, nil
}

// fuzzStatus maps any number onto an HTTP status a server could send.
func fuzzStatus(n uint16) int { return 200 + int(n)%400 }

// FuzzMetadata: the issuer's metadata document.
func FuzzMetadata(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		cfg := &Config{Issuer: fuzzIssuer, ClientID: "c", Mode: ModeLoopback, Output: io.Discard,
			HTTPClient: &http.Client{Transport: answer{status: 200, contentType: "application/json", body: body, path: "/.well-known/openid-configuration"}}}
		s, err := cfg.resolve(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		ep, err := resolveEndpoints(context.Background(), s)
		if err != nil {
			checkGonbauthError(t, "the metadata error", err, "")
			return
		}
		if ep.auth == "" || ep.token == "" {
			t.Fatalf("no authorization or token endpoint: %+v", ep)
		}
		for _, e := range []string{ep.auth, ep.token, ep.revocation, ep.jwks, ep.userinfo, ep.device} {
			if e != "" && checkEndpoint(e) != nil {
				t.Fatalf("accepted the endpoint %q: %v", e, checkEndpoint(e))
			}
		}
		var md struct {
			Methods []string `json:"code_challenge_methods_supported"`
		}
		if jsonErr := jsonUnmarshalLoose(body, &md); jsonErr == nil && len(md.Methods) > 0 {
			found := false
			for _, m := range md.Methods {
				found = found || m == "S256"
			}
			if !found {
				t.Fatalf("accepted a server without S256: %q", md.Methods)
			}
		}
	})
}

// FuzzTokenResponse: the token endpoint's answer to a code exchange.
func FuzzTokenResponse(f *testing.F) {
	f.Fuzz(func(t *testing.T, status uint16, contentType string, body []byte) {
		client := &http.Client{Transport: answer{status: fuzzStatus(status), contentType: contentType, body: body}}
		conf := &oauth2.Config{ClientID: "c", RedirectURL: "http://127.0.0.1:1/callback",
			Endpoint: oauth2.Endpoint{TokenURL: fuzzIssuer + "/token", AuthStyle: oauth2.AuthStyleInParams}}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
		now := time.Now()
		tok, err := conf.Exchange(ctx, fuzzCode, oauth2.VerifierOption(fuzzVerifier))
		if err != nil {
			checkGonbauthError(t, "the token error", tokenError("exchange", err), string(body), fuzzCode, fuzzVerifier)
			return
		}
		if err := checkToken(tok, now); err != nil {
			checkGonbauthError(t, "the token check", err, string(body), fuzzCode, fuzzVerifier)
			return
		}
		if tok.AccessToken == "" {
			t.Fatal("accepted a response without an access token")
		}
		if tok.TokenType != "" && !strings.EqualFold(tok.TokenType, "bearer") {
			t.Fatalf("accepted the token type %q", tok.TokenType)
		}
		if !tok.Expiry.IsZero() && (tok.Expiry.Before(now) || tok.Expiry.After(now.Add(401*24*time.Hour))) {
			t.Fatalf("accepted the expiry %v", tok.Expiry)
		}
		for _, sc := range printableScopes(grantedScopes(tok, nil)) {
			checkMessage(t, "a granted scope as shown", sc, "")
		}
	})
}

// FuzzDeviceResponse: the device authorization endpoint's answer.
func FuzzDeviceResponse(f *testing.F) {
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		client := &http.Client{Transport: answer{status: fuzzStatus(status), contentType: "application/json", body: body}}
		conf := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{DeviceAuthURL: fuzzIssuer + "/device", TokenURL: fuzzIssuer + "/token"}}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
		now := time.Now()
		da, err := conf.DeviceAuth(ctx)
		if err != nil {
			checkGonbauthError(t, "the device error", tokenError("device", err), string(body))
			return
		}
		clampDevice(da, now)
		if da.Interval < 1 || da.Interval > 60 {
			t.Fatalf("polls every %d s", da.Interval)
		}
		if d := time.Duration(da.Interval) * time.Second; d <= 0 {
			t.Fatalf("an interval of %v would panic the poller", d)
		}
		if !da.Expiry.IsZero() && (da.Expiry.Before(now) || da.Expiry.After(now.Add(25*time.Hour))) {
			t.Fatalf("a device code that expires at %v", da.Expiry)
		}
		for _, link := range []string{da.VerificationURIComplete, da.VerificationURI} {
			if linkProblem(link) != nil {
				continue
			}
			u, perr := url.Parse(link)
			if perr != nil || u.User != nil || len(link) > maxLink || !(u.Scheme == "https" || u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
				t.Fatalf("the link %q may be shown", link)
			}
			checkMessage(t, "a link", link, "")
			for _, c := range link {
				if c <= ' ' || c >= 0x7f {
					t.Fatalf("the link %q holds %U", link, c)
				}
			}
		}
	})
}

// jsonUnmarshalLoose decodes data as encoding/json would for the metadata.
func jsonUnmarshalLoose(data []byte, v any) error { return json.Unmarshal(data, v) }
