package gonbauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestCheckBearer(t *testing.T) {
	for _, tt := range []struct {
		typ string
		ok  bool
	}{
		{"Bearer", true}, {"bearer", true}, {"BEARER", true}, {"", true},
		{"N_A", false}, {"Basic", false}, {"DPoP", false}, {"mac", false}, {"Bearer ", false},
		{"\x1b[2Jevil", false},
	} {
		err := checkBearer(tt.typ)
		if (err == nil) != tt.ok {
			t.Errorf("checkBearer(%q) = %v, want ok=%v", tt.typ, err, tt.ok)
		}
		if err != nil {
			checkPrintable(t, "bearer error", err.Error())
			if !strings.Contains(err.Error(), "Bearer") || !strings.Contains(err.Error(), printable(tt.typ)) {
				t.Errorf("the error does not name the type: %v", err)
			}
		}
	}
}

func TestClampExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		in, out time.Time
	}{
		{"none", time.Time{}, time.Time{}},
		{"normal", now.Add(time.Hour), now.Add(time.Hour)},
		{"negative", now.Add(-time.Hour), now.Add(minTokenLifetime)},
		{"now", now, now.Add(minTokenLifetime)},
		{"a second", now.Add(time.Second), now.Add(time.Second)},
		{"twelve seconds", now.Add(12 * time.Second), now.Add(12 * time.Second)},
		{"decades", now.Add(68 * 365 * 24 * time.Hour), now.Add(maxTokenLifetime)},
	} {
		if got := clampExpiry(tt.in, now); !got.Equal(tt.out) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.out)
		}
	}
}

func TestClampDevice(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		interval, want int64
		expiry         time.Time
		keepExpiry     bool
	}{
		{0, 5, now.Add(10 * time.Minute), true},
		{-1, 5, now.Add(-time.Hour), false},
		{math.MinInt64, 5, time.Time{}, true},
		{3, 3, now.Add(time.Second), false},
		{math.MaxInt64, maxPollInterval, now.Add(100 * 365 * 24 * time.Hour), false},
		{1 << 40, maxPollInterval, now.Add(time.Hour), true},
	} {
		da := &oauth2.DeviceAuthResponse{Interval: tt.interval, Expiry: tt.expiry}
		clampDevice(da, now)
		if da.Interval != tt.want {
			t.Errorf("interval %d became %d, want %d", tt.interval, da.Interval, tt.want)
		}
		if got := !da.Expiry.IsZero() || tt.expiry.IsZero(); got != tt.keepExpiry && !tt.expiry.IsZero() {
			t.Errorf("expiry %v kept=%v, want %v", tt.expiry.Sub(now), got, tt.keepExpiry)
		}
	}
}

// deviceServer is a minimal device grant server whose device answer has
// the fields given for its URL; its token endpoint always says pending.
func deviceServer(t *testing.T, fields func(base string) map[string]any) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]any{
				"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token",
				"device_authorization_endpoint": srv.URL + "/device",
			})
		case "/device":
			resp := map[string]any{"device_code": "dc", "user_code": "ABCD-EFGH", "verification_uri": srv.URL + "/activate", "expires_in": 600}
			for k, v := range fields(srv.URL) {
				resp[k] = v
			}
			json.NewEncoder(w).Encode(resp)
		case "/token":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"authorization_pending"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A device answer's interval and expires_in reach x/oauth2's ticker: a
// negative or overflowing one panicked in its goroutine, killing the
// program. Now polling simply goes on until the context ends.
func TestDeviceHostileNumbersDoNotCrash(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	for _, fields := range []map[string]any{
		{"interval": -1},
		{"interval": int64(math.MaxInt64)},
		{"interval": int64(1) << 40},
		{"expires_in": -5},
		{"expires_in": int64(math.MaxInt64)},
	} {
		t.Run(fmt.Sprint(fields), func(t *testing.T) {
			t.Parallel()
			srv := deviceServer(t, func(string) map[string]any { return fields })
			out := newURLWriter()
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			_, err := Login(ctx, &Config{Issuer: srv.URL, ClientID: "c", Scopes: []string{"api"}, Mode: ModeDevice,
				ConfigDir: t.TempDir(), Output: out, NoBrowser: true})
			cancel()
			if !errors.Is(err, ErrCancelled) {
				t.Errorf("%v: %v, want a cancelled sign-in still polling\n%s", fields, err, out)
			}
		})
	}
}

// The verification address is shown only when the link policy allows it,
// and never cut: a long complete URI falls back to the plain one; a plain
// http address on a public host is refused with a clear error.
func TestDeviceVerificationLinks(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	long := strings.Repeat("x", maxLink)
	for _, tt := range []struct {
		name      string
		fields    func(base string) map[string]any
		wantLink  string // suffix of the printed link; "" for an error
		wantError string
	}{
		{"complete", func(b string) map[string]any {
			return map[string]any{"verification_uri_complete": b + "/activate?user_code=ABCD-EFGH"}
		}, "/activate?user_code=ABCD-EFGH", ""},
		{"long complete", func(b string) map[string]any {
			return map[string]any{"verification_uri_complete": b + "/activate?c=" + long}
		}, "/activate", ""},
		{"bidi complete", func(b string) map[string]any {
			return map[string]any{"verification_uri_complete": b + "/\u202eactivate"}
		}, "/activate", ""},
		{"public http", func(string) map[string]any {
			return map[string]any{"verification_uri": "http://login.example.com/activate"}
		}, "", "plain http"},
		{"long user code", func(string) map[string]any {
			return map[string]any{"user_code": strings.Repeat("A", 100)}
		}, "", "user code"},
		{"escape in user code", func(string) map[string]any {
			return map[string]any{"user_code": "AB\x1b[2JCD"}
		}, "", "user code"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := deviceServer(t, tt.fields)
			out := newURLWriter()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err := Login(ctx, &Config{Issuer: srv.URL, ClientID: "c", Scopes: []string{"api"}, Mode: ModeDevice,
				ConfigDir: t.TempDir(), Output: out, NoBrowser: true})
			text := out.String()
			for _, line := range strings.Split(text, "\n") {
				checkPrintable(t, "output", line)
			}
			if strings.Contains(text, "…") {
				t.Errorf("a cut link or code was shown:\n%s", text)
			}
			if tt.wantError != "" {
				if err == nil || errors.Is(err, ErrCancelled) || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("err %v, want one about %q", err, tt.wantError)
				}
				if strings.Contains(text, "http://login.example.com") {
					t.Fatalf("the refused address was shown:\n%s", text)
				}
				return
			}
			if !strings.Contains(text, "\n"+srv.URL+tt.wantLink+"\n") {
				t.Fatalf("the link %q is not shown alone on its line:\n%s", srv.URL+tt.wantLink, text)
			}
		})
	}
}

// x/oauth2 builds the device authorization request without a context: a
// server that never answers held Login past its context and SIGINT.
func TestDeviceAuthorizationHonoursContext(t *testing.T) {
	t.Parallel() // waits on timers: overlaps the other waiting tests
	release := make(chan struct{})
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]any{
				"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token",
				"device_authorization_endpoint": srv.URL + "/device",
			})
		default:
			select { // hung, until the client gives up
			case <-r.Context().Done():
			case <-release:
			}
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Login(ctx, &Config{Issuer: srv.URL, ClientID: "c", Scopes: []string{"api"}, Mode: ModeDevice,
			ConfigDir: t.TempDir(), Output: newURLWriter(), NoBrowser: true})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("err %v, want ErrCancelled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Login outlasted its context by 9 s on a hung device authorization")
	}
}

// An access token that could drive a terminal (`gonbauth token` prints
// it) or break a header is refused.
func TestAccessTokenVisibleASCII(t *testing.T) {
	for _, at := range []string{"\x1b]52;c;ZXZpbA==\x07", "a b", "tok\u202e", "tok\n"} {
		err := checkToken(&oauth2.Token{AccessToken: at, TokenType: "Bearer"}, time.Now())
		if err == nil {
			t.Errorf("access token %q accepted", at)
		} else if strings.Contains(err.Error(), at) {
			t.Errorf("the error repeats the token: %v", err)
		}
	}
	if err := checkToken(&oauth2.Token{AccessToken: "eyJhbGciOi.eyJzdWIi.sig-_~+/==", TokenType: "bearer"}, time.Now()); err != nil {
		t.Fatal(err)
	}
}
