package gonbauth

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCallbackCheck(t *testing.T) {
	const iss, state = "https://login.example.com", "the-state"
	tests := []struct {
		name        string
		issRequired bool
		issuer      string // defaults to iss
		query       string
		final       bool
		code        string
		errHas      string
		authErr     string
	}{
		{name: "success", query: "code=c1&state=the-state&iss=https%3A%2F%2Flogin.example.com", final: true, code: "c1"},
		{name: "success without iss when not required", query: "code=c1&state=the-state", final: true, code: "c1"},
		{name: "missing iss when required", issRequired: true, query: "code=c1&state=the-state", errHas: "no iss parameter"},
		{name: "wrong iss", query: "code=c1&state=the-state&iss=https%3A%2F%2Fevil.example", errHas: "evil.example"},
		{name: "wrong iss checked before state", query: "code=c1&state=wrong&iss=https%3A%2F%2Fevil.example", errHas: "mix-up"},
		{name: "iss without configured issuer", issuer: "-", query: "code=c1&state=the-state&iss=x", errHas: "no issuer is set to check it against: set --issuer"},
		{name: "missing state", query: "code=c1", errHas: "no state"},
		{name: "empty state", query: "code=c1&state=", errHas: "no state"},
		{name: "wrong state", query: "code=c1&state=the-statf", errHas: "does not match"},
		{name: "wrong state with error does not end the flow", query: "error=access_denied&state=x", errHas: "does not match"},
		{name: "duplicate state", query: "code=c1&state=the-state&state=the-state", errHas: `"state" appears more than once`},
		{name: "duplicate code", query: "code=c1&code=c2&state=the-state", errHas: `"code" appears more than once`},
		{name: "duplicate iss", query: "code=c1&state=the-state&iss=a&iss=b", errHas: `"iss" appears more than once`},
		{name: "error ends the flow", query: "error=access_denied&error_description=no+thanks&error_uri=https%3A%2F%2Fhelp&state=the-state", final: true, authErr: "access_denied"},
		{name: "error with control characters", query: "error=access_denied&error_description=a%1b%5B31mred&state=the-state", final: true, authErr: "access_denied"},
		{name: "neither code nor error", query: "state=the-state", final: true, errHas: "neither a code nor an error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issuer := iss
			if tt.issuer == "-" {
				issuer = ""
			}
			c := &callbackCheck{issuer: issuer, issRequired: tt.issRequired, state: state, where: whereCLI}
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			v := c.check(q)
			if v.final != tt.final {
				t.Fatalf("final = %v, want %v (err %v)", v.final, tt.final, v.err)
			}
			if v.code != tt.code {
				t.Fatalf("code = %q, want %q", v.code, tt.code)
			}
			if !tt.final && !errors.Is(v.err, errRefused) {
				t.Fatalf("a refused response must wrap errRefused, got %v", v.err)
			}
			if tt.errHas != "" && (v.err == nil || !strings.Contains(v.err.Error(), tt.errHas)) {
				t.Fatalf("err = %v, want it to contain %q", v.err, tt.errHas)
			}
			if tt.authErr != "" {
				var ae *AuthError
				if !errors.As(v.err, &ae) || ae.Code != tt.authErr {
					t.Fatalf("err = %#v, want AuthError %q", v.err, tt.authErr)
				}
				if strings.ContainsRune(ae.Description, 0x1b) {
					t.Fatal("control character survived in the description")
				}
			}
		})
	}
}

func TestAuthErrorMessage(t *testing.T) {
	err := &AuthError{Code: "access_denied", Description: "The user said no", URI: "https://help.example/denied"}
	want := "gonbauth: the authorization server refused the sign-in: access_denied: The user said no (see https://help.example/denied)"
	if err.Error() != want {
		t.Fatalf("got %q\nwant %q", err.Error(), want)
	}
}
