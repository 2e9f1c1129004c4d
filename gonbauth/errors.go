package gonbauth

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/oauth2"
)

var (
	// ErrCancelled is wrapped by the error of a sign-in that was cancelled:
	// its context ended or the program got SIGINT (a notebook interrupt).
	ErrCancelled = errors.New("gonbauth: sign-in cancelled")

	// ErrTimeout is wrapped by the error of a sign-in that did not complete
	// within Config.Timeout.
	ErrTimeout = errors.New("gonbauth: sign-in timed out")

	// ErrInteractionRequired is wrapped by the error of a Login with
	// NoInteractive that would need the user to sign in.
	ErrInteractionRequired = errors.New("gonbauth: a sign-in in the browser is needed")

	// ErrNoRefreshToken is returned when an access token has expired and
	// there is no refresh token to renew it with.
	ErrNoRefreshToken = errors.New("gonbauth: the access token expired and the server issued no refresh token: sign in again (request the offline_access scope to stay signed in)")

	// ErrNotSignedIn is returned by Logout when no sign-in is saved for the
	// settings.
	ErrNotSignedIn = errors.New("gonbauth: no saved sign-in for these settings")

	// ErrNotRevoked is wrapped by Logout's error when the sign-in was
	// forgotten here but its token could not be revoked at the server: it
	// stays valid until it expires.
	ErrNotRevoked = errors.New("gonbauth: signed out here, but the token was not revoked at the server")

	// ErrIDToken is wrapped by every reason an ID token is refused.
	ErrIDToken = errors.New("gonbauth: the ID token is not valid")
)

// AuthError is an error response from the authorization endpoint (RFC 6749
// §4.1.2.1), such as access_denied when the user refuses consent. Its
// fields are what the server sent, stripped of control characters.
type AuthError struct {
	Code        string // error, e.g. "access_denied"
	Description string // error_description, may be empty
	URI         string // error_uri, may be empty
}

func (e *AuthError) Error() string {
	return "gonbauth: the authorization server refused the sign-in: " + describe(e.Code, e.Description, e.URI)
}

// TokenError is a failed token request: the server's OAuth error (RFC 6749
// §5.2) when it sent one, else the HTTP status. It never includes the code,
// verifier or tokens of the request, nor the raw response body.
type TokenError struct {
	Op          string // "exchange", "refresh", "revoke" or "device"
	StatusCode  int    // HTTP status, 0 when no response arrived
	Code        string // error, e.g. "invalid_grant"
	Description string // error_description
	URI         string // error_uri
	Err         error  // the transport error when no response arrived
}

func (e *TokenError) Error() string {
	what := "the token request failed"
	switch e.Op {
	case "refresh":
		what = "refreshing the token failed"
	case "revoke":
		what = "the revocation request failed"
	case "device":
		what = "the device sign-in failed"
	}
	switch {
	case e.Code != "":
		return fmt.Sprintf("gonbauth: %s: %s", what, describe(e.Code, e.Description, e.URI))
	case e.Err != nil:
		return fmt.Sprintf("gonbauth: %s: %s", what, printableN(e.Err.Error(), maxMessage))
	default:
		return fmt.Sprintf("gonbauth: %s: HTTP %d with no OAuth error in the response", what, e.StatusCode)
	}
}

func (e *TokenError) Unwrap() error { return e.Err }

// tokenError turns an x/oauth2 error into a TokenError that carries the
// server's OAuth error but not the response body.
func tokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := &TokenError{Op: op, Code: printable(re.ErrorCode), Description: printable(re.ErrorDescription), URI: printable(re.ErrorURI)}
		if re.Response != nil {
			te.StatusCode = re.Response.StatusCode
		}
		return te
	}
	return &TokenError{Op: op, Err: err}
}

// describe names an OAuth error; every part is outside text.
func describe(code, desc, uri string) string {
	s := printable(code)
	if desc != "" {
		s += ": " + printable(desc)
	}
	if uri != "" {
		s += " (see " + printable(uri) + ")"
	}
	return s
}

// The typed refusals: a redirect, an ID token or a device sign-in refused,
// each with its reason in words for the user.

// errRefused is wrapped by the reasons a response was refused.
var errRefused = errors.New("gonbauth: refused a redirect")

// errMixUp is also wrapped by refusals that may be a mix-up attack (a
// response naming another issuer, or none when one is promised): they are
// always shown.
var errMixUp = errors.New("gonbauth: possibly a mix-up attack")

// refusalError is why a response was refused, in words for the user, and
// whether it may be a mix-up attack (those are always shown). It is
// errRefused, and errMixUp too when mixUp is set.
type refusalError struct {
	reason string
	mixUp  bool
}

func (e *refusalError) Error() string { return errRefused.Error() + ": " + e.reason }

func (e *refusalError) Is(target error) bool {
	return target == errRefused || e.mixUp && target == errMixUp
}

// idTokenError is an ID token refused: it is ErrIDToken, and its reason
// says why in words for the user.
type idTokenError struct{ reason error }

func (e *idTokenError) Error() string { return ErrIDToken.Error() + ": " + e.reason.Error() }

func (e *idTokenError) Is(target error) bool { return target == ErrIDToken }

func (e *idTokenError) Unwrap() error { return e.reason }

// idTokenRefused refuses an ID token for reason.
func idTokenRefused(reason error) error { return &idTokenError{reason: reason} }

// errDeviceRefused is a device authorization request refused for this
// client or its scopes (a deviceRefusedError).
var errDeviceRefused = errors.New("gonbauth: the server refused the device sign-in")

// deviceRefusedError is a device sign-in that the server refuses for
// this client or its scopes, whatever the user does: another mode may
// still work. It is errDeviceRefused, and its reason says why.
type deviceRefusedError struct{ reason string }

func (e *deviceRefusedError) Error() string { return errDeviceRefused.Error() + " (" + e.reason + ")" }

func (e *deviceRefusedError) Is(target error) bool { return target == errDeviceRefused }

// sentence is the refusal in words for the user.
func (e *deviceRefusedError) sentence() string {
	return "the server refused the device sign-in (" + e.reason + ")"
}

// Errors whose next step names a setting, added where the user is known
// (withNextStep).

// portsInUseError is every configured port taken.
type portsInUseError struct{ ports []string }

func (e *portsInUseError) Error() string {
	n := len(e.ports)
	return fmt.Sprintf("gonbauth: cannot listen for the redirect: %s %s on 127.0.0.1 %s in use",
		plural(n, "port", "ports"), strings.Join(e.ports, ", "), plural(n, "is", "are all"))
}

// loopbackError is a redirect listener that could bind no loopback
// address: the machine has no loopback interface, or a sandbox forbids
// listening. The server is not at fault, whatever the net error says.
type loopbackError struct{ err error }

func (e *loopbackError) Error() string {
	return "gonbauth: cannot listen on the loopback interface for the redirect: " + e.err.Error()
}

func (e *loopbackError) Unwrap() error { return e.err }

// guardTakenError is the other loopback address on a "localhost"
// redirect's port, held by another program that could receive the
// redirect there.
type guardTakenError struct{ addr string }

func (e *guardTakenError) Error() string {
	return "gonbauth: another program listens on " + e.addr + ", where a browser may send the redirect to localhost"
}

// incompleteMetadataError is metadata without the endpoints the flow needs.
type incompleteMetadataError struct{ loc string }

func (e *incompleteMetadataError) Error() string {
	return "gonbauth: the metadata at " + e.loc + " lacks authorization_endpoint or token_endpoint"
}

// issuerMismatchError is metadata that names another issuer.
type issuerMismatchError struct{ loc, got, want string }

func (e *issuerMismatchError) Error() string {
	return fmt.Sprintf("gonbauth: the metadata at %s names the issuer %q, not %q", e.loc, e.got, e.want)
}

// noMetadataError is an issuer with no metadata at either location.
type noMetadataError struct {
	issuer string
	err    error
}

func (e *noMetadataError) Error() string {
	return fmt.Sprintf("gonbauth: no authorization server metadata for %s (%v)", e.issuer, e.err)
}

func (e *noMetadataError) Unwrap() error { return e.err }

// warner returns how warnings are shown: one line each on out (stderr by
// default, which a notebook shows as the cell's error stream).
func warner(out io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(out, "gonbauth: warning: "+printableN(msg, maxMessage)) }
}
