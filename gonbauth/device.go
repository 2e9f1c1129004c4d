package gonbauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// maxUserCode bounds a device grant's user code; real ones are 8 or 9
// characters (RFC 8628 §6.1).
const maxUserCode = 64

// device signs in with the device authorization grant (RFC 8628): the
// user opens the verification URI on any device (typing the code, or
// scanning the QR code of verification_uri_complete) while we poll.
func (f *flow) device(ctx context.Context, ep *endpoints, scopes []string, st *store, key entryKey) (*Session, error) {
	if ep.device == "" {
		return nil, fmt.Errorf("gonbauth: the device mode needs a server that offers the device grant, and %s's metadata lists no device_authorization_endpoint: %s", f.view.hostName(), lowerFirst(modeHelpText(f.s.where)))
	}
	conf := &oauth2.Config{
		ClientID:     f.s.clientID,
		ClientSecret: f.s.clientSecret,
		Endpoint:     oauth2.Endpoint{DeviceAuthURL: ep.device, TokenURL: ep.token, AuthStyle: f.authStyle()},
		Scopes:       scopes,
	}
	idCheck := f.idTokenCheck(ep, scopes, false)
	idCheck.prefetch(ctx) // the key set arrives while the user signs in
	hctx := context.WithValue(ctx, oauth2.HTTPClient, f.s.httpClient)
	// x/oauth2 builds the device authorization request without ctx: the
	// client binds it, so that a hung server cannot outlast an interrupt.
	da, err := conf.DeviceAuth(context.WithValue(ctx, oauth2.HTTPClient, boundTo(ctx, f.s.httpClient)), f.deviceParams()...)
	if refused := deviceRefusal(err); refused != nil && ctx.Err() == nil {
		return nil, refused // another mode may work: the caller decides
	}
	if err != nil {
		return nil, f.tokenFailure(ctx, "device", err)
	}
	if da.DeviceCode == "" {
		return nil, errNoDeviceCode()
	}
	clampDevice(da, f.now())
	// The complete address (with the code) when it may be shown as it is,
	// else the plain one: a link is never cut.
	link := da.VerificationURIComplete
	if !safeLink(link) {
		link = da.VerificationURI
	}
	if err := linkProblem(link); err != nil {
		err := fmt.Errorf("gonbauth: the server's device authorization gave no verification address that may be shown (the address %w): %s", err, lowerFirst(modeHelpText(f.s.where)))
		f.fail(err)
		return nil, err
	}
	if !isPrintable(da.UserCode) || len(da.UserCode) > maxUserCode {
		// Shown to be typed: bounding or replacing it would break it.
		err := fmt.Errorf("gonbauth: the server's device authorization gave a user code %s that is not a short printable code (%d bytes at most): %s", quoted(da.UserCode), maxUserCode, lowerFirst(modeHelpText(f.s.where)))
		f.fail(err)
		return nil, err
	}
	deadline := f.now().Add(f.s.timeout)
	if !da.Expiry.IsZero() && da.Expiry.Before(deadline) {
		deadline = da.Expiry
	}
	f.view.waitingCode(printable(link), printable(da.UserCode), deadline, ModeDevice, autoReason(f.s, f.host, ModeDevice))
	if f.openBrowser != nil {
		_ = f.openBrowser(link)
	}

	pollCtx, stop := context.WithDeadline(hctx, deadline)
	defer stop()
	type result struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		// Polls at the server's interval, 5 s when it gives none, 5 s
		// more after each slow_down (RFC 8628 §3.5).
		tok, err := conf.DeviceAccessToken(pollCtx, da)
		done <- result{tok, err}
	}()
	ticker := time.NewTicker(tickEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			f.view.tick()
		case r := <-done:
			if r.err != nil {
				return nil, f.deviceFailure(ctx, pollCtx, r.err)
			}
			f.view.exchanging()
			return f.finish(ctx, conf, ep, r.tok, idCheck, st, key)
		}
	}
}

// deviceFailure says why polling ended: cancelled, out of time, refused
// by the user, or another server error.
func (f *flow) deviceFailure(ctx, pollCtx context.Context, err error) error {
	if ctx.Err() != nil {
		return f.cancel(ctx)
	}
	var re *oauth2.RetrieveError
	switch {
	case errors.Is(pollCtx.Err(), context.DeadlineExceeded), errors.As(err, &re) && re.ErrorCode == "expired_token":
		err = timeoutError(f.s.where, "the code was not confirmed", f.s.timeout)
	case errors.As(err, &re) && re.ErrorCode == "access_denied":
		err = &AuthError{Code: "access_denied", Description: printable(re.ErrorDescription), URI: printable(re.ErrorURI)}
	default:
		err = tokenError("device", err)
	}
	f.fail(err)
	return err
}
