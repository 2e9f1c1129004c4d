package gonbauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestMetadataURLs(t *testing.T) {
	tests := []struct{ issuer, oidc, oauth string }{
		{"https://a.example", "https://a.example/.well-known/openid-configuration", "https://a.example/.well-known/oauth-authorization-server"},
		{"https://a.example/", "https://a.example/.well-known/openid-configuration", "https://a.example/.well-known/oauth-authorization-server"},
		{"https://a.example/realms/x", "https://a.example/realms/x/.well-known/openid-configuration", "https://a.example/.well-known/oauth-authorization-server/realms/x"},
	}
	for _, tt := range tests {
		got := metadataURLs(tt.issuer)
		if !slices.Equal(got, []string{tt.oidc, tt.oauth}) {
			t.Errorf("metadataURLs(%q) = %q", tt.issuer, got)
		}
	}
}

// metadataServer serves a metadata document at one path only.
func metadataServer(t *testing.T, path string, doc func(base string) map[string]any) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(doc(srv.URL))
	}))
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestDiscoverFallsBackToRFC8414(t *testing.T) {
	srv := metadataServer(t, "/.well-known/oauth-authorization-server/tenant", func(base string) map[string]any {
		return map[string]any{"issuer": base + "/tenant", "authorization_endpoint": base + "/a", "token_endpoint": base + "/t"}
	})
	md, err := discover(context.Background(), srv.Client(), srv.URL+"/tenant")
	if err != nil {
		t.Fatal(err)
	}
	if md.TokenEndpoint != srv.URL+"/t" {
		t.Fatalf("token endpoint %q", md.TokenEndpoint)
	}
}

func TestDiscoverErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  func(base string) map[string]any
		want []string
	}{
		{"other issuer", func(b string) map[string]any {
			return map[string]any{"issuer": "https://evil.example", "authorization_endpoint": b + "/a", "token_endpoint": b + "/t"}
		}, []string{"names the issuer", "evil.example", `set Config.Issuer (GONBAUTH_ISSUER) to exactly "https://evil.example"`}},
		{"no endpoints", func(b string) map[string]any { return map[string]any{"issuer": b} }, []string{"lacks authorization_endpoint", "Config.AuthURL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := metadataServer(t, "/.well-known/openid-configuration", tt.doc)
			_, err := discover(context.Background(), srv.Client(), srv.URL)
			err = withNextStep(err, whereTerminal) // as Login returns it
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("err = %v, want it to mention %q", err, w)
				}
			}
		})
	}
	t.Run("nothing there", func(t *testing.T) {
		srv := metadataServer(t, "/nowhere", nil)
		_, err := discover(context.Background(), srv.Client(), srv.URL)
		if err == nil || !strings.Contains(err.Error(), "no authorization server metadata") || !strings.Contains(err.Error(), "HTTP 404") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestEndpointsFromMetadataMustBeHTTPS(t *testing.T) {
	srv := metadataServer(t, "/.well-known/openid-configuration", func(b string) map[string]any {
		return map[string]any{"issuer": b, "authorization_endpoint": b + "/a", "token_endpoint": "http://tokens.example.com/t"}
	})
	s, err := (&Config{Issuer: srv.URL, ClientID: "c"}).resolve(envFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = resolveEndpoints(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("err = %v", err)
	}
}

func TestBrowserOpener(t *testing.T) {
	display := envFrom(map[string]string{"DISPLAY": ":0"})
	if browserOpener(true, display) != nil {
		t.Error("NoBrowser still opens a browser")
	}
	headless := browserOpener(false, envFrom(nil)) == nil
	if desktop := runtime.GOOS == "darwin" || runtime.GOOS == "windows"; headless == desktop {
		t.Errorf("on %s with no DISPLAY: opens a browser = %v", runtime.GOOS, !headless)
	}
	if browserOpener(false, display) == nil {
		t.Error("no browser opened with a graphical session")
	}
}

// Metadata is outside text: an endpoint with controls, bidi or a huge
// length is refused (the authorization endpoint becomes the link shown),
// and what the errors repeat of it is printable and bounded.
func TestMetadataHostileText(t *testing.T) {
	for _, tt := range []struct {
		name string
		doc  func(b string) map[string]any
		want string
	}{
		{"bidi in the authorization endpoint", func(b string) map[string]any {
			return map[string]any{"authorization_endpoint": b + "/\u202eexe.a"}
		}, "printable ASCII"},
		{"C1 in the authorization endpoint", func(b string) map[string]any {
			return map[string]any{"authorization_endpoint": b + "/\u009b31ma"}
		}, "printable ASCII"},
		{"huge jwks_uri", func(b string) map[string]any {
			return map[string]any{"jwks_uri": b + "/" + strings.Repeat("k", 100000)}
		}, "bytes long"},
		{"60 000 PKCE methods", func(b string) map[string]any {
			m := make([]string, 60000)
			for i := range m {
				m[i] = "plain\x1b[2J"
			}
			return map[string]any{"code_challenge_methods_supported": m}
		}, "59990 more"},
		{"escape in the issuer", func(b string) map[string]any {
			return map[string]any{"issuer": b + "\x1b]52;c;ZXZpbA==\x07" + strings.Repeat("x", 100000)}
		}, "names the issuer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := metadataServer(t, "/.well-known/openid-configuration", func(b string) map[string]any {
				doc := map[string]any{"issuer": b, "authorization_endpoint": b + "/a", "token_endpoint": b + "/t"}
				for k, v := range tt.doc(b) {
					doc[k] = v
				}
				return doc
			})
			s, err := (&Config{Issuer: srv.URL, ClientID: "c"}).resolve(envFrom(nil))
			if err != nil {
				t.Fatal(err)
			}
			_, err = resolveEndpoints(context.Background(), s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %.300v, want one about %q", err, tt.want)
			}
			checkPrintable(t, "error", err.Error())
			if len(err.Error()) > 2000 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
		})
	}
}
