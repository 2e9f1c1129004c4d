// Package gonbauth signs a Go notebook in to an OAuth 2.0 protected API.
//
// A GoNB cell calls [Login]. It runs the OAuth 2.0 Authorization Code flow
// with PKCE (RFC 7636) and a loopback redirect (RFC 8252) inside the cell's
// own program:
//
//  1. It reads the settings from [Config] and GONBAUTH_* environment
//     variables, and the endpoints from the issuer's metadata (OpenID
//     discovery, falling back to RFC 8414).
//  2. It makes a fresh S256 code verifier from crypto/rand, a state and,
//     for OpenID Connect, a nonce.
//  3. It listens on 127.0.0.1 (or [::1]) on a free port, and shows the
//     sign-in link: as a live HTML block in a notebook, as a line on
//     stderr elsewhere, where it also tries to open a browser.
//  4. It checks the redirect that comes back (RFC 9207 iss, then state in
//     constant time, then error, then code), closes the listener at once,
//     and exchanges the code and verifier for tokens.
//
// The [Session] it returns holds the token and a [Session.Client] that
// attaches it to requests and refreshes it when it expires, without
// depending on the context of the cell that signed in. When openid is
// requested, the ID token is verified (signature, iss, aud, exp, nonce)
// before its claims say who signed in.
//
// Every GoNB cell is a new process, so sign-ins are saved on disk (see
// Config.ConfigDir): the next cell, a restarted kernel and the gonbauth
// command reuse a valid one without the browser or the network, and
// refresh an expired one once however many goroutines and processes ask,
// saving the new token set before handing it out. [Logout] forgets a
// sign-in and revokes it at the server; [SignIns] lists them.
//
// When the browser cannot reach the kernel (Docker, JupyterHub, SSH, WSL,
// Colab, a VS Code remote), other modes take over, chosen automatically
// or through Config.Mode: paste (the user pastes the address the browser
// ended on; the listener still runs, and whichever arrives first wins),
// device (RFC 8628: a code and a QR code to confirm on any device) and
// hosted (a public redirect URL that forwards to the loopback listener).
// The sign-in block explains a mode only when it was chosen automatically
// for a remote machine.
//
// What the user sees is worded once, in a table (messages.go), for where
// they are: a notebook block updated in place (HTML with a plain-text
// alternative, in the theme's colours, readable in an untrusted notebook),
// lines on a terminal (a countdown in place and a text QR code when stderr
// is a terminal), and the gonbauth command, whose messages name its flags.
// A notebook cell that also uses gonbui imports package gonbuidisplay, so
// that the block goes through gonbui's connection to the kernel: a cell
// program has one, and gonbauth does not open a second beside gonbui's.
// Nothing is printed when nothing needs attention: a program that reuses
// a saved sign-in in a terminal is silent, and every error says what to
// do next.
//
// Config.Provider (google, microsoft, github, gitlab, okta, auth0,
// keycloak, cognito, or generic) supplies what a provider's metadata does
// not say, so that a client ID (and the secret, where the provider insists)
// is enough: its issuer or endpoints (GitHub has no metadata; GitHub
// Enterprise Server and self-managed GitLab are given by their base URL
// in Config.Issuer), default scopes, the parameters that obtain a refresh
// token (Google's access_type=offline), how the client authenticates, the
// redirect host (http://localhost for Microsoft Entra ID and Cognito; the
// listener still binds loopback only), its device and revocation
// endpoints, who signed in (GitHub's user API), and which modes can work.
// Unset, it is inferred from the issuer's host. Every explicit setting
// overrides the provider's value. Microsoft's multi-tenant authorities are
// accepted: the ID token's issuer must be the {tenantid} template filled
// with the token's own tid. Google's downloaded client JSON can be given
// as Config.ClientFile.
//
// When a provider refuses something, the sign-in explains itself: a device
// grant refused for this client continues in paste mode and says why; a
// refused default scope names the scopes sent; a timeout on a port the
// system chose names GONBAUTH_PORT, for servers that register exact
// redirect URIs; and Logout says when a token could not be revoked and
// until when it stays valid.
//
// The flow ends, and the listener closes, on success, on an error from the
// server, when Config.Timeout passes, when the context ends, or on SIGINT,
// which is how a notebook interrupts a cell.
//
// Tokens, codes and verifiers never appear in what the package displays,
// logs or returns as errors. Anything a server, a callback or a saved file
// sends is escaped before it is shown as HTML, made printable and bounded
// before it is printed (text.go holds that policy, and the one for which
// links are shown), read through a size limit, and clamped when it drives
// a timer. ID tokens are verified wherever they enter, refreshes included.
package gonbauth

// Reading the code: login.go tells the flow top-down (Login, the saved
// sign-in, choosing the mode, finishing). mode.go holds each mode's rules
// in one table (what it needs, when the automatic choice takes it, its
// fallback), and each mode signs in in a file of its own: redirect.go for
// loopback, paste and hosted, device.go for the device grant. errors.go
// holds the error types, messages.go every word, display.go the view's
// state computed from the flow's events, text.go the sanitiser and the
// link policy; session.go and store.go are what outlasts the sign-in, and
// logout.go signs out and revokes. The README's Contributing section maps
// every file.
