package gonbauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/surface"
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

	if sess := f.savedNow(); sess != nil {
		return sess, nil
	}
	// GoNB interrupts a cell with SIGINT and kills it 5 s later: catching
	// it for the whole sign-in lets requests stop, the listener close and
	// the display say "cancelled". Only a sign-in that may wait needs it:
	// installing the handler is a fresh cell's largest cost in Login.
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
	// st is the sign-in store (nil: none), and saved the sign-in loaded
	// from it for these settings (nil: none, or Config.Force).
	st    *store
	saved *entry
	// style is the client authentication settled for ClientAuth "auto"
	// (clientauth.go); sent are the scopes of the authorization request.
	style oauth2.AuthStyle
	sent  []string
}

// savedNow opens the store and loads the saved sign-in, and returns it as
// the session when its access token serves without a request; otherwise
// nil, and login carries on from what it loaded.
func (f *flow) savedNow() *Session {
	f.st = f.openStore()
	if f.st == nil || f.s.force {
		return nil
	}
	if f.saved = f.st.load(newEntryKey(f.s)); f.saved == nil {
		return nil
	}
	src, tok := f.savedSource(f.saved), f.saved.Token.oauth2()
	if src.expired(tok) {
		return nil
	}
	return f.resumed(f.saved, src, tok)
}

// login reuses the saved sign-in when it can, else signs in interactively.
func (f *flow) login(ctx context.Context) (*Session, error) {
	st, key := f.st, newEntryKey(f.s)
	if f.saved != nil {
		if sess, err := f.resume(ctx, f.saved); sess != nil || err != nil {
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
func (f *flow) resume(ctx context.Context, e *entry) (*Session, error) {
	src := f.savedSource(e)
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
		if rmErr := f.st.remove(e.entryKey); rmErr != nil {
			f.warn(rmErr.Error())
		}
		f.notice = refreshRefusal(err)
		f.view.renewRefused(f.notice)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%w; the saved sign-in is kept: try again when the server can be reached", err)
	}
	return f.resumed(e, src, tok), nil
}

// savedSource is the token source of the saved sign-in e.
func (f *flow) savedSource(e *entry) *refreshingSource {
	return f.newSource(&oauth2.Config{
		ClientID:     f.s.clientID,
		ClientSecret: f.s.clientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: e.TokenURL, AuthStyle: f.savedAuthStyle(e)},
	}, e.Token.oauth2(), f.st, e)
}

// resumed is the session of the saved sign-in e, with its token tok.
func (f *flow) resumed(e *entry, src *refreshingSource, tok *oauth2.Token) *Session {
	sess := f.newSession(e, src, tok, splitScopes(e.Token.Scope))
	sess.FromStore = true
	f.signedIn(sess, tok)
	return sess
}

// refreshRefusal says briefly why a refresh was refused, from the
// server's typed error.
func refreshRefusal(err error) string {
	var te *TokenError
	if errors.As(err, &te) && te.Code != "" {
		return describe(te.Code, te.Description, "")
	}
	return "the server issued no refresh token"
}

// interactive signs the user in, in the mode chosen (and, when the server
// refuses it for this client, in its fallback), and saves the result.
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
	sess, err := f.signIn(ctx, mode, note, ep, scopes, st, key)
	var refused *deviceRefusedError
	if next := mode.rules().fallback; next != "" && errors.As(err, &refused) {
		if note, err = f.fallback(mode, next, refused); err == nil {
			sess, err = f.signIn(ctx, next, note, ep, scopes, st, key)
		}
	}
	return sess, err
}

// signIn signs the user in with mode m, once the settings and the server
// have what it needs; note adds to the explanation of an automatic choice.
func (f *flow) signIn(ctx context.Context, m Mode, note string, ep *endpoints, scopes []string, st *store, key entryKey) (*Session, error) {
	r := m.rules()
	if err := f.s.needsSecret(m); err != nil {
		return nil, err
	}
	if r.needsServer != nil {
		if err := r.needsServer(f, ep); err != nil {
			return nil, err
		}
	}
	f.view.modeExplained(note)
	return r.signIn(f, ctx, m, ep, scopes, st, key)
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
