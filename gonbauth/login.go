package gonbauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/surface"
	"github.com/gonbauth/gonbauth/gonbauth/pkce"
	"golang.org/x/oauth2"
)

// tickEvery is how often the countdown is moved: a terminal rewrites it
// every second, a notebook only when its words change.
const tickEvery = time.Second

// Login signs the user in and returns the session. cfg may be nil: every
// setting then comes from GONBAUTH_* environment variables.
//
// A saved sign-in for the same settings is reused (refreshed first if it
// has expired) without the browser; see Config.ConfigDir. Otherwise, in a
// GoNB notebook, Login shows a sign-in link that updates in place as the
// flow goes; elsewhere it prints the link on Config.Output and tries to
// open a browser. When the browser cannot reach this program, another
// Config.Mode (paste, device, hosted) completes the sign-in.
//
// It returns when the user has signed in, when the server refuses (an
// *AuthError), when Config.Timeout passes (ErrTimeout), or when ctx ends
// or the program gets SIGINT (ErrCancelled). The loopback listener is
// closed before Login returns, whatever the outcome.
func Login(ctx context.Context, cfg *Config) (*Session, error) {
	out := io.Writer(os.Stderr)
	if cfg != nil && cfg.Output != nil {
		out = cfg.Output
	}
	f := &flow{view: newDisplay(out, time.Now, surface.Command(ctx)), now: time.Now, warn: warner(out), host: realHost()}
	defer f.view.done()
	s, err := cfg.resolveIn(sourceFor(ctx, os.Getenv), f.view.place())
	if err != nil {
		f.fail(err) // a notebook shows it too, not only the cell's error
		return nil, err
	}
	f.s, f.openBrowser = s, browserOpener(s.noBrowser, os.Getenv)
	// Known before any request, so that every status names the server.
	f.view.server(displayHost(s.issuer, s.authURL))

	// GoNB interrupts a cell with SIGINT and kills it 5 s later: catching
	// it for the whole sign-in lets requests stop, the listener close and
	// the display say "cancelled".
	sigCtx, stopSignals := signal.NotifyContext(ctx, os.Interrupt)
	defer stopSignals()
	sess, err := f.login(sigCtx)
	switch {
	case err == nil || f.ended:
	case sigCtx.Err() != nil:
		err = f.cancel(sigCtx)
	default:
		f.fail(err) // such as a discovery error, before any link was shown
	}
	return sess, withNextStep(err, s.where)
}

// flow is one call to Login.
type flow struct {
	s    *settings
	view *display
	now  func() time.Time
	warn func(string)
	host host // where the program runs, for choosing the mode
	// openBrowser opens the link outside notebooks; nil means do not.
	openBrowser func(string) error
	notice      string // why the saved sign-in could not be used
	ended       bool   // a final status (failed, cancelled) has been shown
	// style is the client authentication settled for ClientAuth "auto"
	// (clientauth.go); sent are the scopes of the authorization request.
	style oauth2.AuthStyle
	sent  []string
}

// login reuses the saved sign-in when it can, else signs in interactively.
func (f *flow) login(ctx context.Context) (*Session, error) {
	st := f.openStore()
	key := newEntryKey(f.s)
	if st != nil && !f.s.force {
		if sess, err := f.resume(ctx, st, key); sess != nil || err != nil {
			return sess, err
		}
	}
	if f.s.noInteractive {
		why := "there is no saved sign-in for these settings"
		if f.notice != "" {
			why = renewText(f.notice)
		}
		return nil, interactionNeeded(f.s.where, why)
	}
	return f.interactive(ctx, st, key)
}

// openStore returns the sign-in store, or nil (with a warning) when there
// is no place for one: the sign-in then lasts for this process only.
func (f *flow) openStore() *store {
	st, err := storeFor(f.s)
	if err != nil {
		f.warn(err.Error() + "; sign-ins will not be saved")
		return nil
	}
	return st
}

// resume returns a session from the saved sign-in, refreshing it first if
// it has expired. It returns (nil, nil) when an interactive sign-in is
// needed, with the reason in f.notice, and an error only when the
// server could not be asked (the saved sign-in is then kept).
func (f *flow) resume(ctx context.Context, st *store, key entryKey) (*Session, error) {
	e := st.load(key)
	if e == nil {
		return nil, nil
	}
	src := f.newSource(&oauth2.Config{
		ClientID:     f.s.clientID,
		ClientSecret: f.s.clientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: e.TokenURL, AuthStyle: f.savedAuthStyle(e)},
	}, e.Token.oauth2(), st, e)
	if err := f.s.needsSecret(ModeDevice); err != nil && src.expired(e.Token.oauth2()) {
		// Without the secret the provider refuses the refresh, which
		// would cost the saved sign-in, and no new sign-in could work
		// either: say so, and keep it for a program that has the secret.
		return nil, fmt.Errorf("%w; the saved sign-in is kept", err)
	}
	tok, err := src.token(ctx)
	var te *TokenError
	switch {
	case errors.As(err, &te) && te.Code != "", errors.Is(err, ErrNoRefreshToken):
		// Revoked, expired or never renewable: forget it and sign in.
		if rmErr := st.remove(key); rmErr != nil {
			f.warn(rmErr.Error())
		}
		f.notice = refusal(err)
		f.view.renewRefused(f.notice)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%w; the saved sign-in is kept: try again when the server can be reached", err)
	}
	sess := f.newSession(e, src, tok, splitScopes(e.Token.Scope))
	sess.FromStore = true
	f.signedIn(sess, tok)
	return sess, nil
}

// refusal says briefly why a refresh was refused.
func refusal(err error) string {
	var te *TokenError
	if errors.As(err, &te) && te.Code != "" {
		return describe(te.Code, te.Description, "")
	}
	return "the server issued no refresh token"
}

// interactive runs the authorization code flow and saves the result.
func (f *flow) interactive(ctx context.Context, st *store, key entryKey) (*Session, error) {
	ep, err := resolveEndpoints(ctx, f.s)
	if err != nil {
		return nil, err
	}
	f.view.server(displayHost(f.s.issuer, ep.auth))
	scopes := f.scopes(ep)
	f.sent = scopes
	f.settleAuthStyle(ep)
	mode, note := f.pickMode(ep)
	if mode == ModeDevice && f.s.needsSecret(ModeDevice) == nil {
		sess, err := f.device(ctx, ep, scopes, st, key)
		if mode, note, err = f.deviceFallback(err); sess != nil || err != nil {
			return sess, err
		}
	}
	if err := f.s.needsSecret(mode); err != nil {
		return nil, err
	}
	f.view.modeExplained(note)

	verifier, err := pkce.NewVerifier()
	if err != nil {
		return nil, fmt.Errorf("gonbauth: %w", err)
	}
	state := randomString()
	idCheck := f.idTokenCheck(ep, scopes, true)
	check := &callbackCheck{issuer: ep.issuer, issRequired: ep.issRequired, state: state}
	rcv, err := startReceiverFor(f.s.redirectHost, f.s.ports, f.s.callbackPath, check.check)
	if err != nil {
		return nil, err
	}
	defer rcv.close()
	rcv.setBack(f.s.where)

	redirectURI := rcv.redirectURI
	if mode == ModeHosted {
		// The public URL forwards to the listener, still on loopback.
		redirectURI = strings.ReplaceAll(f.s.redirectURL, "{port}", rcv.port())
	}
	conf := f.oauthConfig(ep, redirectURI, scopes)
	authURL, err := f.authURL(conf, state, verifier, idCheck, scopes)
	if err != nil {
		return nil, err
	}
	idCheck.prefetch(ctx) // the key set arrives while the user signs in
	code, err := f.wait(ctx, rcv, authURL, mode)
	rcv.stop() // the port is free before the token request (Login waits for the rest on return)
	if err != nil {
		return nil, err
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, f.s.httpClient)
	// redirect_uri goes out exactly as in the authorization request
	// (conf.RedirectURL), as RFC 6749 §4.1.3 requires.
	tok, err := f.exchange(hctx, conf, code, verifier)
	if err != nil {
		return nil, f.tokenFailure(ctx, "exchange", err)
	}
	conf.RedirectURL = "" // refreshes need no redirect URI
	return f.finish(ctx, conf, ep, tok, idCheck, st, key)
}

// idTokenCheck prepares the ID token check when openid is requested; the
// nonce goes in the authorization request (there is none in the device
// grant).
func (f *flow) idTokenCheck(ep *endpoints, scopes []string, withNonce bool) *idTokenCheck {
	if !slices.Contains(scopes, "openid") {
		return nil
	}
	c := &idTokenCheck{idTokenVerifier: newIDTokenVerifier(ep.issuer, f.s.clientID, ep.jwks, ep.idTokenAlgs, f.s.httpClient)}
	if withNonce {
		c.nonce = randomString()
	}
	return c
}

// tokenFailure reports a failed token request: cancelled if ctx ended,
// else the server's error.
func (f *flow) tokenFailure(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return f.cancel(ctx)
	}
	err = tokenError(op, err)
	f.fail(err)
	return err
}

// scopes are the configured scopes, or the defaults the server supports.
func (f *flow) scopes(ep *endpoints) []string {
	if !f.s.scopesSet && !ep.metadata {
		return nil // no metadata to tell whether the defaults are understood
	}
	if f.s.scopesSet || len(ep.scopesSupported) == 0 {
		return f.s.scopes
	}
	var kept []string
	for _, sc := range f.s.scopes {
		if slices.Contains(ep.scopesSupported, sc) {
			kept = append(kept, sc)
		}
	}
	return kept
}

func (f *flow) oauthConfig(ep *endpoints, redirectURI string, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     f.s.clientID,
		ClientSecret: f.s.clientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: ep.auth, TokenURL: ep.token, AuthStyle: f.authStyle()},
		RedirectURL:  redirectURI,
		Scopes:       scopes,
	}
}

// authStyle: a public client sends client_id in the body; a secret goes in
// HTTP Basic, which RFC 6749 §2.3.1 obliges servers to support.
// Auto-detection would send a failing request first.
func (f *flow) authStyle() oauth2.AuthStyle {
	if style, ok := f.configuredAuthStyle(); ok {
		return style
	}
	if f.s.clientSecret != "" {
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleInParams
}

func (f *flow) authURL(conf *oauth2.Config, state, verifier string, idCheck *idTokenCheck, scopes []string) (string, error) {
	challenge, err := pkce.Challenge(verifier)
	if err != nil {
		return "", fmt.Errorf("gonbauth: %w", err)
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("code_challenge", challenge),
		oauth2.SetAuthURLParam("code_challenge_method", pkce.Method),
	}
	if idCheck != nil {
		opts = append(opts, oauth2.SetAuthURLParam("nonce", idCheck.nonce))
	}
	params := f.s.authParams
	if slices.Contains(scopes, "offline_access") && !params.Has("prompt") && f.s.prov.consentForOffline {
		// OpenID Connect Core §11: offline_access needs prompt=consent.
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "consent"))
	}
	for k, vs := range params {
		for _, v := range vs {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	return conf.AuthCodeURL(state, opts...), nil
}

// wait shows the link and waits for the redirect (or, in paste mode, a
// pasted address), the deadline, ctx or SIGINT, keeping the status up to
// date.
func (f *flow) wait(ctx context.Context, rcv *receiver, authURL string, mode Mode) (string, error) {
	timer := time.NewTimer(f.s.timeout)
	defer timer.Stop()
	ticker := time.NewTicker(tickEvery)
	defer ticker.Stop()

	var lines <-chan string
	paste := mode == ModePaste
	prompt := pastePrompt(rcv.redirectURI)
	pasteTo := ""
	if paste {
		done := make(chan struct{})
		defer close(done)
		in := f.s.input
		if f.s.where == whereNotebook {
			in = os.Stdin // where GoNB delivers the reply to an input box
		}
		lines = readLines(in, done)
		pasteTo = rcv.redirectURI
	}
	if err := linkProblem(authURL); err != nil {
		err = fmt.Errorf("gonbauth: the sign-in link %w: check %s and %s", err, f.s.where.setting("AuthURL"), f.s.where.setting("AuthParams"))
		f.fail(err)
		return "", err
	}
	f.view.waitingLink(authURL, f.now().Add(f.s.timeout), mode, autoReason(f.s, f.host, mode), pasteTo)
	if f.openBrowser != nil {
		_ = f.openBrowser(authURL) // best effort: the link is printed anyway
	}
	if paste {
		f.view.askPaste(prompt)
	}
	for {
		select {
		case v := <-rcv.result:
			// Refusals noted just before (a mix-up warning) still show.
			if listed, more := rcv.refusals(); len(listed)+more > 0 {
				f.view.refused(listed, more)
			}
			return f.verdict(v)
		case line, ok := <-lines:
			if !ok {
				lines = nil // no input: only the redirect can finish now
				f.view.pasteClosed()
				continue
			}
			q, err := pasteAddress(line, rcv.redirectURI)
			if err == nil {
				v, over := rcv.claim(q)
				if over {
					continue // the redirect won; its verdict is on its way
				}
				if v.final {
					return f.verdict(v)
				}
				err = v.err
			}
			f.view.pasteRefused(printable(refusalReason(err)))
			f.view.askPaste(prompt)
		case <-rcv.noted:
			// Bounded by the receiver: the first few, every mix-up, a count.
			f.view.refused(rcv.refusals())
		case <-ticker.C:
			f.view.tick()
		case <-timer.C:
			err := f.portHint(timeoutError(f.s.where, "no sign-in arrived", f.s.timeout), rcv, mode)
			f.fail(err)
			return "", err
		case <-ctx.Done():
			return "", f.cancel(ctx)
		}
	}
}

// verdict ends the wait with a final verdict: a code, or the error.
func (f *flow) verdict(v verdict) (string, error) {
	if v.err != nil {
		v.err = f.scopeHint(v.err)
		f.fail(v.err)
		return "", v.err
	}
	f.view.exchanging()
	return v.code, nil
}

// finish verifies the ID token, saves the sign-in and makes the session.
func (f *flow) finish(ctx context.Context, conf *oauth2.Config, ep *endpoints, tok *oauth2.Token, idCheck *idTokenCheck, st *store, key entryKey) (*Session, error) {
	if err := checkToken(tok, f.now()); err != nil {
		f.fail(err)
		return nil, err
	}
	var claims map[string]any
	if idCheck != nil {
		var err error
		if claims, err = idCheck.verify(ctx, tok); err != nil {
			f.fail(err)
			return nil, err
		}
	} else {
		tok = withIDToken(tok, "") // unasked for, so never verified: dropped
	}
	e := &entry{entryKey: key, TokenURL: ep.token, RevocationURL: ep.revocation, Token: toStored(tok), Claims: claims,
		Name: claimString(claims, "name"), Email: claimString(claims, "email")}
	if idCheck != nil {
		// To verify the ID tokens of later refreshes, in later processes too.
		e.JWKSURL, e.IDTokenAlgs = ep.jwks, ep.idTokenAlgs
		if ep.issuer != f.s.issuer {
			e.IDTokenIssuer = ep.issuer
		}
	}
	if claims != nil && e.Name == "" && e.Email == "" && ep.userinfo != "" {
		f.addUserinfo(ctx, e, tok, ep.userinfo)
	}
	if claims == nil {
		f.addUserAPI(ctx, e, tok)
	}
	e.ClientAuth = f.savedAuthName(conf)
	if e.Token.Scope == "" {
		e.Token.Scope = strings.Join(conf.Scopes, " ") // RFC 6749 §5.1: as requested
	}
	if st != nil {
		// Saved before it is handed out, under the lock other processes
		// refresh under.
		if err := st.saveLocked(ctx, e); err != nil {
			f.warn(err.Error() + "; this sign-in lasts for this process only")
		}
	}
	sess := f.newSession(e, f.newSource(conf, tok, st, e), tok, conf.Scopes)
	f.signedIn(sess, tok)
	return sess, nil
}

// newSource is the session's token source; st may be nil (no store).
func (f *flow) newSource(conf *oauth2.Config, tok *oauth2.Token, st *store, e *entry) *refreshingSource {
	delta := f.s.expiryDelta
	src := newRefreshingSource(conf, f.s.httpClient, tok, func(t *oauth2.Token) bool {
		return t.AccessToken == "" || !t.Expiry.IsZero() && time.Now().Add(delta).After(t.Expiry)
	})
	src.warn, src.claims = f.warn, e.Claims
	if e.Claims != nil && e.JWKSURL != "" {
		issuer := f.s.issuer
		if e.IDTokenIssuer != "" {
			issuer = e.IDTokenIssuer
		}
		src.idv = newIDTokenVerifier(issuer, f.s.clientID, e.JWKSURL, e.IDTokenAlgs, f.s.httpClient)
	}
	if st != nil {
		src.store, src.entry = st, e
	}
	return src
}

// addUserinfo fills in the name and e-mail from the userinfo endpoint,
// where OpenID providers may keep them instead of the ID token (OpenID
// Connect Core §5.4). Best effort; its sub must be the ID token's (§5.3.2).
func (f *flow) addUserinfo(ctx context.Context, e *entry, tok *oauth2.Token, endpoint string) {
	client := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(tok), Base: f.s.httpClient.Transport}, Timeout: f.s.httpClient.Timeout}
	u, err := fetchUserinfo(ctx, client, endpoint)
	if err != nil || u.Subject != claimString(e.Claims, "sub") {
		return
	}
	e.Name, e.Email = u.Name, u.Email
}

func (f *flow) newSession(e *entry, src *refreshingSource, tok *oauth2.Token, requested []string) *Session {
	return &Session{
		Issuer:   f.s.issuer,
		ClientID: f.s.clientID,
		Account:  e.Account,
		Scopes:   grantedScopes(tok, requested),
		Subject:  claimString(e.Claims, "sub"),
		Name:     e.Name,
		Email:    e.Email,
		Claims:   e.Claims,
		src:      src,
		base:     f.s.apiClient,
	}
}

func (f *flow) signedIn(sess *Session, tok *oauth2.Token) {
	if !f.view.knowsServer() {
		f.view.server(displayHost(f.s.issuer, f.s.tokenURL))
	}
	f.view.signedIn(printable(sess.Who()), tok.Expiry, sess.Scopes, sess.FromStore)
}

// cancel reports a sign-in stopped because ctx ended: its cause is the
// caller's, or "interrupt signal received" for SIGINT.
func (f *flow) cancel(ctx context.Context) error {
	cause := context.Cause(ctx)
	err := fmt.Errorf("%w: %w", ErrCancelled, cause)
	f.ended = true
	f.view.cancelled(printable(cause.Error()))
	return err
}

// fail shows err as the final status; the link is dropped so that a saved
// notebook does not keep a dead one.
func (f *flow) fail(err error) {
	f.ended = true
	f.view.failed(err)
}

// randomString returns 32 bytes from crypto/rand, base64url-encoded: for
// state and nonce. Since Go 1.24 rand.Read never returns an error (it
// crashes the program instead), so there is none to handle.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// displayHost names the server for people: the issuer's host, else the
// authorization endpoint's.
func displayHost(issuer, authURL string) string {
	for _, raw := range []string{issuer, authURL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return "the authorization server"
}
