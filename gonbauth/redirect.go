package gonbauth

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/pkce"
	"golang.org/x/oauth2"
)

// redirectFlow signs in with the authorization code flow, whose answer
// comes back as a redirect to the loopback listener: straight from the
// browser (loopback), pasted by the user (paste) or through a public URL
// that forwards to it (hosted).
func (f *flow) redirectFlow(ctx context.Context, mode Mode, ep *endpoints, scopes []string, st *store, key entryKey) (*Session, error) {
	verifier, err := pkce.NewVerifier()
	if err != nil {
		return nil, fmt.Errorf("gonbauth: %w", err)
	}
	state := randomString()
	idCheck := f.idTokenCheck(ep, scopes, true)
	check := &callbackCheck{issuer: ep.issuer, issRequired: ep.issRequired, state: state, where: f.s.where}
	rcv, err := startReceiverFor(f.s.redirectHost, f.s.ports, f.s.callbackPath, check.check)
	if err != nil {
		return nil, err
	}
	defer rcv.close()
	rcv.setBack(f.s.where)

	redirectURI := rcv.redirectURI
	if mode.rules().public {
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

func (f *flow) oauthConfig(ep *endpoints, redirectURI string, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     f.s.clientID,
		ClientSecret: f.s.clientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: ep.auth, TokenURL: ep.token, AuthStyle: f.authStyle()},
		RedirectURL:  redirectURI,
		Scopes:       scopes,
	}
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
	paste := mode.rules().pastes
	prompt := pastePrompt(rcv.redirectURI)
	pasteTo := ""
	if paste {
		pasteTo = rcv.redirectURI
		if f.view.canAsk() {
			done := make(chan struct{})
			defer close(done)
			in := f.s.input
			if f.s.where == whereNotebook {
				in = os.Stdin // where GoNB delivers the reply to an input box
			}
			lines = readLines(in, done)
		} else {
			f.view.inputClosed()
		}
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
	if lines != nil {
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
