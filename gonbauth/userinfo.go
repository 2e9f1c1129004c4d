package gonbauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
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
