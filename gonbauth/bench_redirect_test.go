package gonbauth

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/pkce"
	"golang.org/x/oauth2"
)

// BenchmarkAfterRedirect splits the client's work after the redirect into
// the steps finish and interactive take, each timed alone against the
// in-process fake (BenchmarkCallbackToReturn times them together):
//
//	token-request       conf.Exchange of a code with PKCE (includes the
//	                    fake's token handler, reported as token-endpoint-ms/op;
//	                    client-ms/op is the difference)
//	verify/prefetched   the ID token check with the key set already fetched,
//	                    as Login does since it fetches it while the link is shown
//	verify/cold         the same check fetching the key set first (before)
//	save                store.saveLocked of a first sign-in: lock, write,
//	                    fsync of the file, rename, fsync of the directory
//
// Every metric named ...-ms/op except ms/op (the mean) is the median of
// the iterations. Nothing is asserted about times.
func BenchmarkAfterRedirect(b *testing.B) {
	benchHermetic(b)
	fake, times := newBenchFakeServer(b)
	client := fake.Client()
	ctx := context.Background()

	b.Run("token-request", func(b *testing.B) {
		conf := &oauth2.Config{ClientID: "test-client", RedirectURL: "http://127.0.0.1:1/callback",
			Endpoint: oauth2.Endpoint{TokenURL: fake.URL + "/token", AuthStyle: oauth2.AuthStyleInParams}}
		hctx := context.WithValue(ctx, oauth2.HTTPClient, client)
		var each, handler []time.Duration
		benchSteps(b, func(i int) time.Duration {
			verifier, _ := pkce.NewVerifier()
			challenge, _ := pkce.Challenge(verifier)
			code := randomString()
			fake.mu.Lock()
			fake.codes[code] = codeGrant{challenge: challenge, redirectURI: conf.RedirectURL, nonce: "n"}
			fake.mu.Unlock()
			_, t0 := times.snapshot()
			start := time.Now()
			if _, err := conf.Exchange(hctx, code, oauth2.VerifierOption(verifier)); err != nil {
				b.Fatal(err)
			}
			d := time.Since(start)
			_, t1 := times.snapshot()
			each, handler = append(each, d), append(handler, t1["/token"]-t0["/token"])
			return d
		})
		b.ReportMetric(benchMedianMS(each), "token-request-ms/op")
		b.ReportMetric(benchMedianMS(handler), "token-endpoint-ms/op")
		b.ReportMetric(benchMedianMS(each)-benchMedianMS(handler), "client-ms/op")
	})

	tok := (&oauth2.Token{AccessToken: "a"}).WithExtra(map[string]any{"id_token": fake.idToken("n1")})
	check := func() *idTokenCheck {
		return &idTokenCheck{idTokenVerifier: newIDTokenVerifier(fake.URL, "test-client", fake.URL+"/jwks", []string{"RS256"}, client), nonce: "n1"}
	}
	for _, prefetched := range []bool{true, false} {
		name := map[bool]string{true: "verify/prefetched", false: "verify/cold"}[prefetched]
		b.Run(name, func(b *testing.B) {
			var each []time.Duration
			benchSteps(b, func(i int) time.Duration {
				c := check()
				if prefetched {
					calls, _ := times.snapshot()
					c.prefetch(ctx)
					for deadline := time.Now().Add(benchWait); ; time.Sleep(100 * time.Microsecond) {
						now, _ := times.snapshot()
						if now["/jwks"] > calls["/jwks"] {
							break
						}
						if time.Now().After(deadline) {
							b.Fatal("the prefetch sent no request")
						}
					}
					time.Sleep(time.Millisecond) // the key set stores the response
				}
				start := time.Now()
				if _, err := c.verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
				d := time.Since(start)
				each = append(each, d)
				return d
			})
			b.ReportMetric(benchMedianMS(each), "verify-ms/op")
		})
	}

	b.Run("save", func(b *testing.B) {
		cfg := &Config{Issuer: fake.URL, ClientID: "test-client"}
		var each []time.Duration
		benchSteps(b, func(i int) time.Duration {
			cfg.ConfigDir = filepath.Join(b.TempDir(), "gonbauth")
			s, err := cfg.resolve(func(string) string { return "" })
			if err != nil {
				b.Fatal(err)
			}
			st := &store{dir: s.configDir, warn: func(m string) { b.Log("store warning:", m) }}
			e := &entry{entryKey: newEntryKey(s), TokenURL: fake.URL + "/token",
				Token:  toStored(&oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: time.Now().Add(time.Hour)}),
				Claims: map[string]any{"sub": "alice", "name": "Alice"}, Name: "Alice"}
			start := time.Now()
			if err := st.saveLocked(ctx, e); err != nil {
				b.Fatal(err)
			}
			d := time.Since(start)
			each = append(each, d)
			return d
		})
		b.ReportMetric(benchMedianMS(each), "save-ms/op")
	})
}

// benchSteps runs one warm-up call of step and then b.N timed ones; step
// returns the time of its measured span, which ns/op averages.
func benchSteps(b *testing.B, step func(i int) time.Duration) {
	b.StopTimer()
	step(-1)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		total += step(i)
	}
	b.ReportMetric(benchMS(total)/float64(b.N), "ms/op")
}
