package gonbauth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// fallback follows the server's refusal of mode m for this client: with
// m chosen in the settings, the refusal is the error, and says to choose
// next; with m chosen automatically, the sign-in continues in next, and
// the note says why.
func (f *flow) fallback(m, next Mode, refused *deviceRefusedError) (note string, _ error) {
	if f.s.mode == m {
		err := fmt.Errorf("%w: use the %s mode: set %s to %s", refused, next, f.s.where.setting("Mode"), next)
		f.fail(err)
		return "", err
	}
	return upperFirst(refused.sentence()) + ", so you sign in with the browser instead.", nil
}

// portHint adds to a timeout's next step, when the system chose the
// port, that the server may refuse a redirect URI whose port it has not
// registered.
func (f *flow) portHint(err error, rcv *receiver, mode Mode) error {
	var ns *nextStepError
	if !slices.Equal(f.s.ports, []int{0}) || mode.rules().public || !errors.As(err, &ns) {
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
