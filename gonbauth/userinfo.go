package gonbauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// userinfo is the part of an OpenID Connect UserInfo response used to say
// who signed in.
type userinfo struct {
	Subject           string `json:"sub"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	Email             string `json:"email"`
}

// fetchUserinfo asks the userinfo endpoint who the token belongs to. It is
// best effort and bounded: a slow endpoint must not hold up a sign-in.
func fetchUserinfo(ctx context.Context, client *http.Client, endpoint string) (*userinfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("gonbauth: userinfo: HTTP %d", resp.StatusCode)
	}
	var u userinfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&u); err != nil {
		return nil, fmt.Errorf("gonbauth: userinfo: %w", err)
	}
	if u.Name == "" {
		u.Name = u.PreferredUsername
	}
	return &u, nil
}

// addUserinfo fills in the name and e-mail from the userinfo endpoint,
// where OpenID providers may keep them instead of the ID token (OpenID
// Connect Core §5.4). Best effort; its sub must be the ID token's (§5.3.2).
func (f *flow) addUserinfo(ctx context.Context, e *entry, tok *oauth2.Token, endpoint string) {
	client := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(tok), Base: f.s.httpClient.Transport}, Timeout: f.s.httpClient.Timeout}
	u, err := fetchUserinfo(ctx, client, endpoint)
	if err != nil || u.Subject != claimString(e.Claims, "sub") {
		return
	}
	e.Name, e.Email = u.Name, u.Email
}

// githubUser is the part of GitHub's GET /user answer that says who
// signed in.
type githubUser struct {
	Login string `json:"login"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// addUserAPI fills in who signed in from the provider's user API, for
// providers without ID tokens (GitHub). Best effort and bounded.
func (f *flow) addUserAPI(ctx context.Context, e *entry, tok *oauth2.Token) {
	endpoint := f.s.userAPIURL()
	if endpoint == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return
	}
	// https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api:
	// a User-Agent is required, and the media type is GitHub's.
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("User-Agent", "gonbauth")
	tok.SetAuthHeader(req)
	resp, err := f.s.httpClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var u githubUser
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&u) != nil {
		return
	}
	e.Name, e.Email = printable(pick(u.Name, u.Login)), printable(u.Email)
}
