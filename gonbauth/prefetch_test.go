package gonbauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/gonbauth/gonbauth/gonbauth/internal/jwttest"
)

// keyServer serves a JWKS with one ES256 key, which rotate replaces, and
// counts the requests.
type keyServer struct {
	*httptest.Server
	mu       sync.Mutex
	key      *ecdsa.PrivateKey
	kid      string
	requests int
	failNext bool
}

func newKeyServer(t *testing.T) *keyServer {
	ks := &keyServer{}
	ks.rotate(t, "k1")
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		ks.requests++
		if ks.failNext {
			ks.failNext = false
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &ks.key.PublicKey, KeyID: ks.kid, Algorithm: "ES256", Use: "sig"}}})
	}))
	t.Cleanup(ks.Close)
	return ks
}

func (ks *keyServer) rotate(t *testing.T, kid string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ks.mu.Lock()
	ks.key, ks.kid = k, kid
	ks.mu.Unlock()
}

func (ks *keyServer) count() int {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.requests
}

// token is a token response whose ID token the current key signs.
func (ks *keyServer) token(nonce string) *oauth2.Token {
	ks.mu.Lock()
	key, kid := ks.key, ks.kid
	ks.mu.Unlock()
	payload, _ := json.Marshal(map[string]any{"iss": "https://issuer.test", "aud": "test-client", "sub": "alice",
		"nonce": nonce, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	raw := jwttest.Sign(jose.ES256, key, kid, payload)
	return (&oauth2.Token{AccessToken: "a"}).WithExtra(map[string]any{"id_token": raw})
}

func (ks *keyServer) check() *idTokenCheck {
	return &idTokenCheck{idTokenVerifier: newIDTokenVerifier("https://issuer.test", "test-client", ks.URL, []string{"ES256"}, ks.Client()), nonce: "n1"}
}

// waitRequests waits until the key server has had n requests.
func (ks *keyServer) waitRequests(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ks.count() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d key set requests, want %d", ks.count(), n)
		}
	}
}

func TestIDTokenPrefetch(t *testing.T) {
	for _, tc := range []struct {
		name string
		// between runs after the prefetch's request, before verify.
		between      func(t *testing.T, ks *keyServer)
		failPrefetch bool
		wantRequests int
	}{
		{name: "keys ready before the redirect", wantRequests: 1},
		{name: "key rotated after the prefetch", between: func(t *testing.T, ks *keyServer) { ks.rotate(t, "k2") }, wantRequests: 2},
		{name: "prefetch failed", failPrefetch: true, wantRequests: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := newKeyServer(t)
			ks.failNext = tc.failPrefetch
			c := ks.check()
			c.prefetch(context.Background())
			ks.waitRequests(t, 1)
			time.Sleep(10 * time.Millisecond) // let the key set store what it got
			if tc.between != nil {
				tc.between(t, ks)
			}
			if _, err := c.verify(context.Background(), ks.token("n1")); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if got := ks.count(); got != tc.wantRequests {
				t.Errorf("%d key set requests, want %d", got, tc.wantRequests)
			}
		})
	}
}

// TestIDTokenPrefetchStillChecks: keys fetched early do not loosen the
// check: a token signed by another key, or with another nonce, fails.
func TestIDTokenPrefetchStillChecks(t *testing.T) {
	ks := newKeyServer(t)
	c := ks.check()
	c.prefetch(context.Background())
	ks.waitRequests(t, 1)
	other := newKeyServer(t) // same kid, another key
	if _, err := c.verify(context.Background(), other.token("n1")); err == nil {
		t.Error("a token signed by a key not in the key set was accepted")
	}
	if _, err := c.verify(context.Background(), ks.token("n2")); err == nil {
		t.Error("a token with another nonce was accepted")
	}
}

// TestLoginFetchesKeysBeforeRedirect: the key set is requested while the
// link is shown, not after the user comes back.
func TestLoginFetchesKeysBeforeRedirect(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := newWrappedFakeServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			paths = append(paths, r.URL.Path)
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	})
	_, link, done := startLogin(t, context.Background(), testConfig(srv))
	jwksSeen := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range paths {
			if p == "/jwks" {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); !jwksSeen(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no key set request while the link is shown: %v", paths)
		}
	}
	browse(t, link)
	if r := wait(t, done); r.err != nil {
		t.Fatal(r.err)
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, p := range paths {
		if p == "/jwks" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d key set requests, want 1: %v", n, paths)
	}
}
