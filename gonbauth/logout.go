package gonbauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/surface"
)

// SignIn describes a saved sign-in. It never holds a token, and its text
// is made printable and bounded: safe to print on a terminal.
type SignIn struct {
	Issuer, ClientID, Account string
	Scopes                    []string // as granted, or as sent when the server did not say
	Who                       string
	Expiry                    time.Time // of the access token; zero if none was stated
	Renewable                 bool      // a refresh token is saved
	SavedAt                   time.Time
}

// SignIns lists the sign-ins saved in cfg's store (Config.ConfigDir,
// GONBAUTH_CONFIG_DIR or the default). Only the store settings of cfg are
// used; it may be nil.
func SignIns(cfg *Config) ([]SignIn, error) {
	s, err := cfg.resolveStore(source{getenv: os.Getenv}, whereTerminal)
	if err != nil {
		return nil, err
	}
	st, err := storeFor(s)
	if err != nil {
		return nil, err
	}
	entries, err := st.list()
	if err != nil {
		return nil, err
	}
	out := make([]SignIn, 0, len(entries))
	for _, e := range entries {
		who := (&Session{Name: e.Name, Email: e.Email, Subject: claimString(e.Claims, "sub")}).Who()
		out = append(out, SignIn{
			Issuer: printable(e.Issuer), ClientID: printable(e.ClientID), Account: printable(e.Account), Scopes: printableScopes(e.shownScopes()),
			Who: printable(who), Expiry: e.Token.Expiry, Renewable: e.Token.RefreshToken != "", SavedAt: e.SavedAt,
		})
	}
	return out, nil
}

// Logout forgets the saved sign-in for cfg's settings (issuer, client,
// scopes, account) and revokes its refresh token at the server (RFC 7009)
// when the server's metadata listed a revocation endpoint. The sign-in is
// forgotten even when the revocation fails; the error then says so. It
// returns ErrNotSignedIn when nothing is saved for these settings.
func Logout(ctx context.Context, cfg *Config) error {
	s, err := cfg.resolveIn(sourceFor(ctx, os.Getenv), whereFor(ctx))
	if err != nil {
		return err
	}
	st, err := storeFor(s)
	if err != nil {
		return err
	}
	return st.logout(ctx, newEntryKey(s), s)
}

// LogoutAll forgets every saved sign-in in cfg's store and revokes their
// refresh tokens. cfg may be nil; its ClientSecret is sent only for the
// sign-ins of its own issuer and ClientID, the ones it was configured for,
// never to the other servers in the store.
func LogoutAll(ctx context.Context, cfg *Config) error {
	s, err := cfg.resolveStore(sourceFor(ctx, os.Getenv), whereFor(ctx))
	if err != nil {
		return err
	}
	st, err := storeFor(s)
	if err != nil {
		return err
	}
	entries, err := st.list()
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if err := st.logout(ctx, e.entryKey, s); err != nil && !errors.Is(err, ErrNotSignedIn) {
			errs = append(errs, err)
		}
	}
	st.cleanTemps("", false) // those of saves killed before a first sign-in was saved
	return errors.Join(errs...)
}

func (st *store) logout(ctx context.Context, k entryKey, s *settings) error {
	unlock, err := st.lock(ctx, k)
	if err != nil {
		return err
	}
	defer unlock()
	st.cleanTemps(k.fileName(), true) // a killed save's, which hold tokens
	e := st.load(k)                   // and the others that can be had
	if e == nil {
		return ErrNotSignedIn
	}
	if err := st.remove(k); err != nil {
		return err
	}
	// The settings' secret and revocation endpoint belong to one issuer
	// and client: used for no other sign-in (LogoutAll signs out all).
	own := false
	if k := newEntryKey(s); k.ClientID == e.ClientID && k.Issuer == e.Issuer && k.Issuer != "" {
		own = true
	}
	if own && s.revocationURL != "" {
		e.RevocationURL = s.revocationURL
	}
	if e.RevocationURL == "" {
		// Forgotten here, as asked; that the server cannot revoke it is
		// said, not returned: there is nothing to retry.
		st.signedOut(s, e, false)
		return nil
	}
	secret := ""
	if own {
		secret = s.clientSecret
	}
	if err := revoke(ctx, s.httpClient, e, secret); err != nil {
		return notRevoked(s, e, err)
	}
	st.signedOut(s, e, true)
	return nil
}

// signedOut tells the user what was signed out: the command in one line;
// a program that imports the library only when something needs its
// attention, a token that stays valid.
func (st *store) signedOut(s *settings, e *entry, revoked bool) {
	switch {
	case s.where == whereCLI && s.output != nil:
		line := signedOutText(e, revoked, time.Now())
		if help := providerOf(s, e).revocationHelp; !revoked && help != "" {
			line += " " + help + "."
		}
		fmt.Fprintln(s.output, "gonbauth: "+line)
	case !revoked:
		warner(pickWriter(s.output))(strings.TrimPrefix(notRevoked(s, e, nil).Error(), "gonbauth: "))
	}
}

// revoke asks the server to revoke the refresh token (which, RFC 7009
// §2.1 says, should also end its access tokens), or the access token when
// there is none.
func revoke(ctx context.Context, client *http.Client, e *entry, secret string) error {
	form := url.Values{"token": {e.Token.RefreshToken}, "token_type_hint": {"refresh_token"}}
	if e.Token.RefreshToken == "" {
		form = url.Values{"token": {e.Token.AccessToken}, "token_type_hint": {"access_token"}}
	}
	if secret == "" {
		form.Set("client_id", e.ClientID)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.RevocationURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(e.ClientID), url.QueryEscape(secret))
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	te := &TokenError{Op: "revoke", StatusCode: resp.StatusCode}
	var oe struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if jsonErr := json.Unmarshal(body, &oe); jsonErr == nil {
		te.Code, te.Description = printable(oe.Error), printable(oe.ErrorDescription)
	}
	return te
}

// notRevoked says why a token could not be revoked (no endpoint when
// cause is nil) and until when it stays valid.
func notRevoked(s *settings, e *entry, cause error) error {
	p := providerOf(s, e)
	var why string
	var te *TokenError
	switch {
	case cause == nil:
		why = p.title + " lists no revocation endpoint"
		if p.revocationHelp != "" {
			why = p.revocationHelp
		}
	case errors.As(cause, &te) && (te.Code == "invalid_client" || te.Code == "unauthorized_client" || te.StatusCode == 401) && s.clientSecret == "":
		why = fmt.Sprintf("%s lets only clients with a secret revoke tokens: set %s to revoke", p.title, s.where.setting("ClientSecret"))
	default:
		why = "the revocation request failed"
	}
	valid := "the access token stays valid until it expires"
	if !e.Token.Expiry.IsZero() {
		valid = "the access token stays valid until it " + expiryText(e.Token.Expiry, time.Now())
	}
	if e.Token.RefreshToken != "" {
		valid += ", and the refresh token until the server expires it"
	}
	if cause != nil {
		return fmt.Errorf("%w: %s; %s (%w)", ErrNotRevoked, why, valid, cause)
	}
	return fmt.Errorf("%w: %s; %s", ErrNotRevoked, why, valid)
}

// pickWriter is out, or os.Stderr when there is none.
func pickWriter(out io.Writer) io.Writer {
	if out == nil {
		return os.Stderr
	}
	return out
}

// whereFor is where a sign-out's messages are read: the command's user
// reads flags.
func whereFor(ctx context.Context) where {
	if surface.Command(ctx) != "" {
		return whereCLI
	}
	return whereTerminal
}
