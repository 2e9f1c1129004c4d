package gonbauth

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// pickMode is chooseMode with the provider's limits: a provider whose
// device grant does not serve this kind of client (Google's Desktop
// apps) is never put in the device mode automatically. The note says so
// ("" when the choice needs no more words than the display's own).
func (f *flow) pickMode(ep *endpoints) (Mode, string) {
	noAuto := ep.device != "" && f.s.prov.noAutoDevice
	m, _ := chooseMode(f.s, f.host, ep.device != "" && !noAuto)
	if noAuto && m == ModePaste && f.s.mode == ModeAuto {
		return m, f.s.prov.title + "'s device sign-in does not accept Desktop app clients, so it is not used (for a client of type TVs and Limited Input devices, set " +
			f.s.where.setting("Mode") + " to device)."
	}
	return m, ""
}

// needsSecret explains a missing client secret that the provider's token
// endpoint requires in mode, before the user signs in for nothing.
func (s *settings) needsSecret(m Mode) error {
	p := s.prov
	if s.clientSecret != "" || !p.secretRequired || m == ModeDevice && p.deviceWithoutSecret {
		return nil
	}
	return fmt.Errorf("gonbauth: %s is not set: %s", s.where.setting("ClientSecret"), p.secretHelp)
}

// errDeviceRefused is wrapped by a device authorization request refused
// for this client or its scopes.
var errDeviceRefused = errors.New("gonbauth: the server refused the device sign-in")

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
		return fmt.Errorf("%w (%s)", errDeviceRefused, describe(printable(re.ErrorCode), printable(re.ErrorDescription), ""))
	}
	return nil
}

// errNoDeviceCode is a device authorization answer without a device
// code: GitHub answers so, with HTTP 200 and an error x/oauth2 does not
// read, when the app has not enabled the device flow
// (https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#error-codes-for-the-device-flow).
var errNoDeviceCode = fmt.Errorf("%w (its answer has no device code; on GitHub, enable the device flow in the app's settings)", errDeviceRefused)

// deviceFallback continues in paste mode after a refused device grant
// that the automatic mode chose, with a note saying why. With the device
// mode chosen in the settings, the refusal is the error.
func (f *flow) deviceFallback(err error) (Mode, string, error) {
	if !errors.Is(err, errDeviceRefused) {
		return ModeDevice, "", err
	}
	if f.s.mode == ModeDevice {
		err = fmt.Errorf("%w: use the paste mode: set %s to paste", err, f.s.where.setting("Mode"))
		f.fail(err)
		return ModeDevice, "", err
	}
	return ModePaste, upperFirst(strings.TrimPrefix(err.Error(), "gonbauth: ")) + ", so you sign in with the browser instead.", nil
}

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

// portHint adds to a timeout's next step, when the system chose the
// port, that the server may refuse a redirect URI whose port it has not
// registered.
func (f *flow) portHint(err error, rcv *receiver, mode Mode) error {
	var ns *nextStepError
	if !slices.Equal(f.s.ports, []int{0}) || mode == ModeHosted || !errors.As(err, &ns) {
		return err
	}
	who := "the server"
	if f.s.prov.exactPorts {
		who = f.s.prov.title + ", which matches redirect URIs exactly, port included,"
	}
	hinted := *ns
	hinted.next += fmt.Sprintf(". If the browser showed an error about the redirect URI, %s may require a registered port: this one (%s) was chosen by the system, so register a redirect URI with a fixed port (such as http://%s:8085%s) and set %s to it",
		who, rcv.port(), f.s.redirectHost, f.s.callbackPath, f.s.where.setting("Ports"))
	return &hinted
}

// scopeHint explains invalid_scope after the default scopes: which were
// sent and how to choose others.
func (f *flow) scopeHint(err error) error {
	var ae *AuthError
	if f.s.scopesSet || !errors.As(err, &ae) || ae.Code != "invalid_scope" {
		return err
	}
	return fmt.Errorf("%w: gonbauth sent its default scopes %q: set %s to scopes your server accepts", err, strings.Join(f.sent, " "), f.s.where.setting("Scopes"))
}
