package gonbauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxClientFileBytes bounds a client file; Google's are under 1 KiB.
const maxClientFileBytes = 64 << 10

// clientFile is the client JSON the Google Cloud console downloads
// ("Download JSON" on an OAuth client), the format google-auth-oauthlib's
// InstalledAppFlow.from_client_secrets_file reads: one top-level key,
// "installed" (Desktop app) or "web" (Web application).
// https://github.com/googleapis/google-api-python-client/blob/main/docs/client-secrets.md
type clientFile struct {
	Installed *clientFileEntry `json:"installed"`
	Web       *clientFileEntry `json:"web"`
}

type clientFileEntry struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	AuthURI      string   `json:"auth_uri"`
	TokenURI     string   `json:"token_uri"`
	RedirectURIs []string `json:"redirect_uris"`
}

// readClientFile reads and checks a client file; its errors say what is
// wrong and where to get a good one, naming the file by setting.
func readClientFile(path, setting string) (*clientFileEntry, error) {
	const where = "download it again from the Google Cloud console (APIs & Services > Credentials > your OAuth client > Download JSON)"
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gonbauth: %s: %w: %s", setting, err, where)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxClientFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("gonbauth: %s: %w", setting, err)
	}
	if len(data) > maxClientFileBytes {
		return nil, fmt.Errorf("gonbauth: %s %s is larger than %d bytes, too large for a client file: %s", setting, path, maxClientFileBytes, where)
	}
	var cf clientFile
	if err := json.Unmarshal(data, &cf); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("gonbauth: %s %s is not valid JSON (at byte %d): %s", setting, path, se.Offset, where)
		}
		return nil, fmt.Errorf("gonbauth: %s %s is not a client file: %s", setting, path, where)
	}
	e := cf.Installed
	if e == nil {
		e = cf.Web
	}
	switch {
	case cf.Installed != nil && cf.Web != nil:
		return nil, fmt.Errorf("gonbauth: %s %s has both \"installed\" and \"web\" clients: use the file of one OAuth client", setting, path)
	case e == nil:
		return nil, fmt.Errorf("gonbauth: %s %s has neither an \"installed\" nor a \"web\" client: is it a service account key? Use an OAuth client ID of type Desktop app: %s", setting, path, where)
	case e.ClientID == "":
		return nil, fmt.Errorf("gonbauth: %s %s has no client_id: %s", setting, path, where)
	}
	for _, u := range []string{e.AuthURI, e.TokenURI} {
		if u != "" {
			if err := checkEndpoint(u); err != nil {
				return nil, fmt.Errorf("gonbauth: %s %s gives an endpoint that %w", setting, path, err)
			}
		}
	}
	return e, nil
}

// applyClientFile fills in the client ID, secret and, when no issuer is
// set, the endpoints from Config.ClientFile. Explicit settings win.
func (s *settings) applyClientFile() error {
	if s.clientFile == "" {
		return nil
	}
	e, err := readClientFile(s.clientFile, s.where.setting("ClientFile"))
	if err != nil {
		return err
	}
	s.clientID = pick(s.clientID, e.ClientID)
	s.clientSecret = pick(s.clientSecret, e.ClientSecret)
	if s.issuer == "" && s.authURL == "" && s.tokenURL == "" {
		if inferProvider(e.TokenURI, e.AuthURI) == ProviderGoogle {
			// Google's own endpoints: its metadata gives them, and the keys
			// and device endpoint besides.
			s.issuer = profiles[ProviderGoogle].issuer
		} else {
			s.authURL, s.tokenURL = e.AuthURI, e.TokenURI
		}
	}
	return nil
}
