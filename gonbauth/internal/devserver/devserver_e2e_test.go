//go:build e2e

package devserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDiscovery(t *testing.T) {
	s := StartT(t, Options{Log: testLog(t)})
	if !strings.HasPrefix(s.Issuer, "http://127.0.0.1:") {
		t.Errorf("Issuer = %q, want http://127.0.0.1:PORT", s.Issuer)
	}
	if s.ClientID != "gonbauth-dev" {
		t.Errorf("ClientID = %q, want gonbauth-dev", s.ClientID)
	}

	var d struct {
		Issuer                      string   `json:"issuer"`
		ISSParameterSupported       bool     `json:"authorization_response_iss_parameter_supported"`
		CodeChallengeMethods        []string `json:"code_challenge_methods_supported"`
		AuthorizationEndpoint       string   `json:"authorization_endpoint"`
		TokenEndpoint               string   `json:"token_endpoint"`
		DeviceAuthorizationEndpoint string   `json:"device_authorization_endpoint"`
		RevocationEndpoint          string   `json:"revocation_endpoint"`
		IntrospectionEndpoint       string   `json:"introspection_endpoint"`
		UserinfoEndpoint            string   `json:"userinfo_endpoint"`
		ScopesSupported             []string `json:"scopes_supported"`
		GrantTypesSupported         []string `json:"grant_types_supported"`
		TokenEndpointAuthMethods    []string `json:"token_endpoint_auth_methods_supported"`
	}
	getJSON(t, s.Issuer+"/.well-known/openid-configuration", &d)

	if d.Issuer != s.Issuer {
		t.Errorf("discovery issuer = %q, want %q", d.Issuer, s.Issuer)
	}
	if !d.ISSParameterSupported {
		t.Error("authorization_response_iss_parameter_supported is not true")
	}
	if !reflect.DeepEqual(d.CodeChallengeMethods, []string{"S256"}) {
		t.Errorf("code_challenge_methods_supported = %q, want [S256]", d.CodeChallengeMethods)
	}
	for name, v := range map[string]string{
		"authorization_endpoint":        d.AuthorizationEndpoint,
		"token_endpoint":                d.TokenEndpoint,
		"device_authorization_endpoint": d.DeviceAuthorizationEndpoint,
		"revocation_endpoint":           d.RevocationEndpoint,
		"introspection_endpoint":        d.IntrospectionEndpoint,
		"userinfo_endpoint":             d.UserinfoEndpoint,
	} {
		if !strings.HasPrefix(v, s.Issuer+"/") {
			t.Errorf("%s = %q, want an URL under the issuer", name, v)
		}
	}
	for _, scope := range []string{"openid", "offline_access", "profile", "email"} {
		if !contains(d.ScopesSupported, scope) {
			t.Errorf("scopes_supported = %q, missing %q", d.ScopesSupported, scope)
		}
	}
	for _, g := range []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"} {
		if !contains(d.GrantTypesSupported, g) {
			t.Errorf("grant_types_supported = %q, missing %q", d.GrantTypesSupported, g)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestPKCERequired checks that both clients must send a code challenge; the
// default of oidc-provider only requires it for public clients.
func TestPKCERequired(t *testing.T) {
	s := StartT(t, Options{Log: testLog(t)})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	for _, tc := range []struct {
		clientID, challengeMethod, wantError string
	}{
		{s.ClientID, "", "invalid_request"},
		{ConfidentialClientID, "", "invalid_request"},
		{s.ClientID, "plain", "invalid_request"},
		{ConfidentialClientID, "plain", "invalid_request"},
		{s.ClientID, "S256", ""},
		{ConfidentialClientID, "S256", ""},
	} {
		q := url.Values{
			"client_id":     {tc.clientID},
			"response_type": {"code"},
			"scope":         {"openid"},
			// Any port: native clients' loopback redirect URIs match on any port.
			"redirect_uri": {"http://127.0.0.1:1/callback"},
			"state":        {"st"},
		}
		switch tc.challengeMethod {
		case "S256":
			q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
			q.Set("code_challenge_method", "S256")
		case "plain":
			q.Set("code_challenge", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
			q.Set("code_challenge_method", "plain")
		}
		resp, err := noRedirect.Get(s.Issuer + "/auth?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("%s %q: %s without Location: %v", tc.clientID, tc.challengeMethod, resp.Status, err)
		}
		var gotError string
		if strings.HasPrefix(loc.String(), "http://127.0.0.1:1/callback?") {
			gotError = loc.Query().Get("error")
			if loc.Query().Get("iss") != s.Issuer {
				t.Errorf("%s %q: error response %v has no iss=%s", tc.clientID, tc.challengeMethod, loc, s.Issuer)
			}
		} else if !strings.HasPrefix(loc.Path, "/interaction/") {
			t.Errorf("%s %q: redirected to %v, want the redirect_uri or a login page", tc.clientID, tc.challengeMethod, loc)
		}
		if gotError != tc.wantError {
			t.Errorf("%s with code_challenge_method %q: error = %q, want %q (Location %v)",
				tc.clientID, tc.challengeMethod, gotError, tc.wantError, loc)
		}
	}
}

func TestStats(t *testing.T) {
	s := StartT(t, Options{Log: testLog(t)})
	ctx := context.Background()

	// Whatever happened at start, begin from zero.
	if err := s.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 0 || len(st.ByPath) != 0 || len(st.Grants) != 0 {
		t.Fatalf("after reset: %+v, want all zero", st)
	}

	var discard map[string]any
	getJSON(t, s.Issuer+"/.well-known/openid-configuration", &discard)
	for _, form := range []url.Values{
		{"grant_type": {"refresh_token"}, "refresh_token": {"not-a-token"}, "client_id": {s.ClientID}},
		{"grant_type": {"refresh_token"}, "refresh_token": {"not-a-token"}, "client_id": {s.ClientID}},
		{"grant_type": {"authorization_code"}, "code": {"not-a-code"}, "client_id": {s.ClientID},
			"redirect_uri": {"http://127.0.0.1:1/callback"}, "code_verifier": {strings.Repeat("a", 43)}},
	} {
		resp, err := http.PostForm(s.Issuer+"/token", form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Invalid grants are refused, but must be counted all the same.
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /token %v: %s %s, want 400", form.Get("grant_type"), resp.Status, body)
		}
	}

	st, err = s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{
		Requests: 4, // the stats requests themselves are not counted
		ByPath:   map[string]int{"/.well-known/openid-configuration": 1, "/token": 3},
		Grants:   map[string]int{"refresh_token": 2, "authorization_code": 1},
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}

	if err := s.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	st, err = s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 0 || len(st.ByPath) != 0 || len(st.Grants) != 0 {
		t.Errorf("after reset: %+v, want all zero", st)
	}
}

// TestServerDiesWithParent checks that the server does not outlive a test
// binary that dies without running its cleanups (killed, or a go test
// -timeout panic): the test re-runs itself as a child that starts a server,
// kills the child with SIGKILL, and waits for the server's port to close.
func TestServerDiesWithParent(t *testing.T) {
	if os.Getenv("DEVSERVER_TEST_CHILD") == "1" {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		fmt.Println("ISSUER", s.Issuer)
		select {} // wait to be killed
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithParent$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DEVSERVER_TEST_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()

	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the child's output: %v", err)
	}
	issuer, ok := strings.CutPrefix(strings.TrimSpace(line), "ISSUER ")
	if !ok {
		t.Fatalf("child: %s", line)
	}
	host := strings.TrimPrefix(issuer, "http://")
	if c, err := net.DialTimeout("tcp", host, time.Second); err != nil {
		t.Fatalf("the child's server is not up: %v", err)
	} else {
		c.Close()
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			break // closed: the server went away with its parent
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the server at %s still runs 5 s after its parent was killed", issuer)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStartFailureShowsStderr checks that when node exits early, Start says
// so at once and shows why. An invalid setting inherited from the
// environment makes server.mjs exit with a message.
func TestStartFailureShowsStderr(t *testing.T) {
	t.Setenv("DEVSERVER_ACCESS_TOKEN_TTL", "soon")
	start := time.Now()
	s, err := Start(context.Background(), Options{})
	if err == nil {
		s.Close()
		t.Fatal("Start succeeded with DEVSERVER_ACCESS_TOKEN_TTL=soon")
	}
	for _, want := range []string{"devserver: node server.mjs exited before it was ready", `DEVSERVER_ACCESS_TOKEN_TTL="soon"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Start took %v to notice that node exited", d)
	}
}

// testLog sends the server's stderr to the test log while the test runs.
// t.Log must not be called after the test ends, and the server can still
// write while closing, so writes after the cleanup are dropped.
func testLog(t *testing.T) io.Writer {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.t = nil
		w.mu.Unlock()
	})
	return w
}

type testWriter struct {
	mu sync.Mutex
	t  *testing.T
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.t != nil {
		w.t.Logf("devserver: %s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s: %s", u, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decoding: %v", u, err)
	}
}
