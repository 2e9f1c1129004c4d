package gonbauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// revocationServer records the Authorization header and client_id of each
// revocation request.
type revocationServer struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newRevocationServer(t *testing.T) *revocationServer {
	rs := &revocationServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		rs.mu.Lock()
		rs.auth = append(rs.auth, r.Header.Get("Authorization")+"|"+r.PostForm.Get("client_id"))
		rs.mu.Unlock()
	}))
	t.Cleanup(rs.Close)
	return rs
}

// A client secret belongs to one issuer: LogoutAll sends it only to the
// revocation endpoint of that issuer's sign-ins, never to another server
// where the same client ID is saved.
func TestLogoutAllSendsTheSecretOnlyToItsIssuer(t *testing.T) {
	mine, other := newRevocationServer(t), newRevocationServer(t)
	st, _ := newStoreForTest(t)
	for _, srv := range []*revocationServer{mine, other} {
		e := storeTestEntry(storeTestKey(srv.URL, "shared-client", ""))
		e.TokenURL, e.RevocationURL = srv.URL+"/token", srv.URL+"/revoke"
		must(t, st.save(e))
	}
	cfg := &Config{ConfigDir: st.dir, Issuer: mine.URL, ClientID: "shared-client", ClientSecret: "s3cret", Output: &strings.Builder{}}
	if err := LogoutAll(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(mine.auth) != 1 || !strings.HasPrefix(mine.auth[0], "Basic ") {
		t.Errorf("the secret's own issuer got %q, want HTTP Basic", mine.auth)
	}
	if len(other.auth) != 1 || other.auth[0] != "|shared-client" {
		t.Errorf("another issuer got %q, want no secret, only client_id", other.auth)
	}
}

// A configured revocation endpoint belongs to its issuer too: LogoutAll
// sends only that issuer's token there, and every other sign-in's to its
// own endpoint (a token sent to another server's endpoint leaks it).
func TestLogoutAllUsesTheRevocationURLOnlyForItsIssuer(t *testing.T) {
	mine, other, configured := newRevocationServer(t), newRevocationServer(t), newRevocationServer(t)
	st, _ := newStoreForTest(t)
	for _, srv := range []*revocationServer{mine, other} {
		e := storeTestEntry(storeTestKey(srv.URL, "shared-client", ""))
		e.TokenURL, e.RevocationURL = srv.URL+"/token", srv.URL+"/revoke"
		must(t, st.save(e))
	}
	cfg := &Config{ConfigDir: st.dir, Issuer: mine.URL, ClientID: "shared-client", RevocationURL: configured.URL + "/revoke", Output: &strings.Builder{}}
	if err := LogoutAll(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(configured.auth) != 1 || len(mine.auth) != 0 || len(other.auth) != 1 {
		t.Errorf("revocations: configured endpoint %d, the issuer's own %d, another issuer's %d; want 1, 0, 1",
			len(configured.auth), len(mine.auth), len(other.auth))
	}
}

// SignIns' text is safe to print (gonbauth status prints it): a saved
// file's account, client ID, issuer or scopes cannot drive the terminal.
func TestSignInsPrintable(t *testing.T) {
	st, _ := newStoreForTest(t)
	k := entryKey{Issuer: "https://login.example.com/\u202e", ClientID: "c\x1b]52;c;ZXZpbA==\x07", Scopes: []string{"openid", "x\u0085y"}, Account: "w\x1b[2J"}
	e := storeTestEntry(k)
	e.Name = "Eve\x1b[31m"
	must(t, st.save(e))
	list, err := SignIns(&Config{ConfigDir: st.dir, Output: &strings.Builder{}})
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %v", list, err)
	}
	si := list[0]
	for _, s := range append([]string{si.Issuer, si.ClientID, si.Account, si.Who}, si.Scopes...) {
		checkPrintable(t, "SignIn", s)
	}
}
