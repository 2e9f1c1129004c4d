package gonbauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/oauth2"
)

// maxUserCode bounds a device grant's user code; real ones are 8 or 9
// characters (RFC 8628 §6.1).
const maxUserCode = 64

// device signs in with the device authorization grant (RFC 8628): the
// user opens the verification URI on any device (typing the code, or
// scanning the QR code of verification_uri_complete) while we poll.
func (f *flow) device(ctx context.Context, m Mode, ep *endpoints, scopes []string, st *store, key entryKey) (*Session, error) {
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
		return nil, errNoDeviceCode
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
	f.view.waitingCode(printable(link), printable(da.UserCode), deadline, m, autoReason(f.s, f.host, m))
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

// deviceOffered: the device mode needs a server that offers the grant.
func (f *flow) deviceOffered(ep *endpoints) error {
	if ep.device == "" {
		return fmt.Errorf("gonbauth: the device mode needs a server that offers the device grant, and %s's metadata lists no device_authorization_endpoint: %s", f.view.hostName(), lowerFirst(modeHelpText(f.s.where)))
	}
	return nil
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

// deviceRefusedCodes are the answers that mean the device grant will not
// work for this client or scope, whatever the user does: RFC 6749 §5.2's,
// and Google's for a client type without the device grant
// (https://developers.google.com/identity/protocols/oauth2/limited-input-device#step-2:-handle-the-authorization-server-response).
var deviceRefusedCodes = []string{"invalid_client", "unauthorized_client", "invalid_scope", "unsupported_grant_type", "restricted_client"}

// deviceRefusal turns a device authorization failure into an error
// wrapping errDeviceRefused when another mode may still work, else nil.
func deviceRefusal(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && slices.Contains(deviceRefusedCodes, re.ErrorCode) {
		return &deviceRefusedError{reason: describe(printable(re.ErrorCode), printable(re.ErrorDescription), "")}
	}
	return nil
}

// errNoDeviceCode is a device authorization answer without a device
// code: GitHub answers so, with HTTP 200 and an error x/oauth2 does not
// read, when the app has not enabled the device flow
// (https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#error-codes-for-the-device-flow).
var errNoDeviceCode error = &deviceRefusedError{reason: "its answer has no device code; on GitHub, enable the device flow in the app's settings"}

// deviceParams are the extra parameters a device authorization request
// carries: audience (Auth0, https://auth0.com/docs/get-started/authentication-and-authorization-flow/device-authorization-flow/call-your-api-using-the-device-authorization-flow)
// and resource (RFC 8707), when AuthParams set them.
func (f *flow) deviceParams() []oauth2.AuthCodeOption {
	var opts []oauth2.AuthCodeOption
	for _, k := range []string{"audience", "resource"} {
		for _, v := range f.s.authParams[k] {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	return opts
}
