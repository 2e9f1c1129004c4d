package chromium

import (
	"context"
	"testing"
)

func TestLaunchMissingChromium(t *testing.T) {
	t.Setenv("CHROMIUM_BIN", "/nonexistent/chromium")
	b, err := Launch(context.Background(), Options{})
	if err == nil {
		b.Close()
		t.Fatal("Launch succeeded with a missing browser")
	}
	want := "browsertest: Chromium not found at /nonexistent/chromium: run `apt-get install chromium` (or set CHROMIUM_BIN)"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestIsAt(t *testing.T) {
	for _, tc := range []struct {
		href, redirectURI string
		want              bool
	}{
		{"http://127.0.0.1:5/callback?code=c&state=s", "http://127.0.0.1:5/callback", true},
		{"http://127.0.0.1:5/callback", "http://127.0.0.1:5/callback", true},
		{"http://127.0.0.1:5/callback#x", "http://127.0.0.1:5/callback", true},
		{"http://localhost/callback?x", "HTTP://LocalHost:80/callback", true},
		{"http://[::1]:5/callback?x", "http://[::1]:5/callback", true},
		{"http://127.0.0.1:5/callbackx?code=c", "http://127.0.0.1:5/callback", false},
		{"http://127.0.0.1:6/callback?code=c", "http://127.0.0.1:5/callback", false},
		{"http://127.0.0.1:5/auth?redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback", "http://127.0.0.1:5/callback", false},
		{"chrome-error://chromewebdata/", "http://127.0.0.1:5/callback", false},
	} {
		if got := isAt(tc.href, tc.redirectURI); got != tc.want {
			t.Errorf("isAt(%q, %q) = %v, want %v", tc.href, tc.redirectURI, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{
			"http://127.0.0.1:5/callback?code=abc&state=s&iss=http%3A%2F%2Fx",
			"http://127.0.0.1:5/callback?code=REDACTED&state=s&iss=http%3A%2F%2Fx",
		},
		{
			"http://h/cb?state=s&code=abc",
			"http://h/cb?state=s&code=REDACTED",
		},
		{
			"http://h/cb#access_token=a.b.c&id_token=x&token_type=Bearer&refresh_token=r",
			"http://h/cb#access_token=REDACTED&id_token=REDACTED&token_type=Bearer&refresh_token=REDACTED",
		},
		{
			"grant_type=authorization_code&code_verifier=v&code=c",
			"grant_type=authorization_code&code_verifier=REDACTED&code=REDACTED",
		},
		{
			// Look-alikes are left alone.
			"http://h/auth?code_challenge=E9M&code_challenge_method=S256&response_type=code&zipcode=1",
			"http://h/auth?code_challenge=E9M&code_challenge_method=S256&response_type=code&zipcode=1",
		},
		{
			`{"access_token": "at", "token_type":"Bearer","refresh_token":"rt"}`,
			`{"access_token": "REDACTED", "token_type":"Bearer","refresh_token":"REDACTED"}`,
		},
		{"page text code=abc here", "page text code=REDACTED here"},
	} {
		if got := redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
