package gonbauth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
)

// callbackCheck validates authorization responses for one flow. It is a
// pure function of the query so that every way a response can arrive
// (the loopback listener today) is checked the same way.
type callbackCheck struct {
	issuer      string // "" when only explicit endpoints were configured
	issRequired bool   // the metadata advertises RFC 9207 support
	state       string
	where       where // where refusals are read, for naming settings
}

// verdict is the outcome of checking one response.
type verdict struct {
	// final is true when the response ends the flow: with code on success,
	// or with err (an *AuthError or a malformed success). A non-final
	// verdict refuses this response (err says why) and keeps waiting,
	// since it may be a forgery or a stale tab and must not end the real
	// sign-in.
	final bool
	code  string
	err   error
}

// singleParams must appear at most once (RFC 6749 §3.1).
var singleParams = []string{"iss", "state", "code", "error", "error_description", "error_uri"}

// check applies, in order: duplicates, iss (RFC 9207), state (constant
// time), error, code. iss comes before state because a response from the
// wrong issuer must not be interpreted at all (mix-up attacks).
func (c *callbackCheck) check(q url.Values) verdict {
	for _, p := range singleParams {
		if len(q[p]) > 1 {
			return refuse("the parameter %q appears more than once", p)
		}
	}
	if iss, ok := q["iss"]; ok {
		if c.issuer == "" {
			return refuse("it names the issuer %s, but no issuer is set to check it against: set %s", quoted(iss[0]), c.where.setting("Issuer"))
		}
		if iss[0] != c.issuer {
			return refuseMixUp("it comes from the issuer %s, not %q (a possible mix-up attack)", quoted(iss[0]), c.issuer)
		}
	} else if c.issRequired {
		return refuseMixUp("it has no iss parameter, although the server promises one (RFC 9207): it may not come from %s", c.issuer)
	}
	state, ok := q["state"]
	if !ok || state[0] == "" {
		return refuse("it has no state parameter")
	}
	if subtle.ConstantTimeCompare([]byte(state[0]), []byte(c.state)) != 1 {
		return refuse("its state does not match this sign-in (it may come from another tab or an older link)")
	}
	if code := q.Get("error"); code != "" {
		return verdict{final: true, err: &AuthError{
			Code:        printable(code),
			Description: printable(q.Get("error_description")),
			URI:         printable(q.Get("error_uri")),
		}}
	}
	code := q.Get("code")
	if code == "" {
		return verdict{final: true, err: errors.New("gonbauth: the server's redirect has neither a code nor an error: this is a server bug; try again")}
	}
	return verdict{final: true, code: code}
}

func refuse(format string, args ...any) verdict {
	return verdict{err: &refusalError{reason: fmt.Sprintf(format, args...)}}
}

// refuseMixUp refuses a response that may be a mix-up attack.
func refuseMixUp(format string, args ...any) verdict {
	return verdict{err: &refusalError{reason: fmt.Sprintf(format, args...), mixUp: true}}
}

// refusalReason is the reason a refusal gives; other errors (a pasted
// address that is not this sign-in's) speak for themselves.
func refusalReason(err error) string {
	var re *refusalError
	if errors.As(err, &re) {
		return re.reason
	}
	return err.Error()
}
