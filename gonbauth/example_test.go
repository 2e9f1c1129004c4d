package gonbauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth"
)

// In a GoNB cell, with GONBAUTH_ISSUER and GONBAUTH_CLIENT_ID set in the
// kernel's environment, signing in takes one call. The link appears in the
// cell's output and updates in place until the sign-in completes.
func ExampleLogin() {
	sess, err := gonbauth.Login(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := sess.Client().Get("https://api.example.com/v1/me")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(sess.Who(), string(body))
}

// Settings can also be given in code; every zero field falls back to its
// GONBAUTH_* variable and then to its default.
func ExampleLogin_config() {
	sess, err := gonbauth.Login(context.Background(), &gonbauth.Config{
		Issuer:     "https://login.example.com",
		ClientID:   "notebook-client",
		Scopes:     []string{"openid", "email", "offline_access", "api:read"},
		AuthParams: url.Values{"audience": {"https://api.example.com"}},
		Ports:      []int{8085, 8086}, // for servers that register exact redirect URIs
		Timeout:    2 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", sess.Who())
}

// A refused sign-in is an *AuthError carrying the server's error code;
// an interrupted or timed-out one wraps ErrCancelled or ErrTimeout.
func ExampleAuthError() {
	err := fmt.Errorf("cell: %w", &gonbauth.AuthError{Code: "access_denied", Description: "End-User aborted interaction"})

	var ae *gonbauth.AuthError
	switch {
	case errors.As(err, &ae) && ae.Code == "access_denied":
		fmt.Println("the user declined:", ae.Description)
	case errors.Is(err, gonbauth.ErrCancelled), errors.Is(err, gonbauth.ErrTimeout):
		fmt.Println("run the cell again to sign in")
	}
	// Output: the user declined: End-User aborted interaction
}

// A provider needs only the client registered there: Google's downloaded
// client JSON (it holds the secret Google requires even for a Desktop
// app); Microsoft Entra ID's application ID and, for one organization's
// accounts only, its tenant; GitHub's OAuth App ID, with its device flow
// enabled (the web flow also needs the app's secret).
func ExampleLogin_providers() {
	ctx := context.Background()
	google, err := gonbauth.Login(ctx, &gonbauth.Config{Provider: gonbauth.ProviderGoogle, ClientFile: "client_secret.json",
		Scopes: []string{"openid", "email", "https://www.googleapis.com/auth/drive.readonly"}})
	if err != nil {
		log.Fatal(err)
	}
	entra, err := gonbauth.Login(ctx, &gonbauth.Config{Provider: gonbauth.ProviderMicrosoft, Tenant: "contoso.onmicrosoft.com",
		ClientID: "00000000-0000-0000-0000-000000000000", Scopes: []string{"openid", "offline_access", "User.Read"}})
	if err != nil {
		log.Fatal(err)
	}
	github, err := gonbauth.Login(ctx, &gonbauth.Config{Provider: gonbauth.ProviderGitHub, ClientID: "Ov23li00000000000000",
		Mode: gonbauth.ModeDevice})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(google.Who(), entra.Who(), github.Who())
}

// Logout forgets the sign-in; where the server cannot revoke the token
// (Microsoft Entra ID, GitHub), a warning on Config.Output says so and
// until when the token stays valid. A revocation the server refuses is an
// error wrapping ErrNotRevoked.
func ExampleLogout() {
	err := gonbauth.Logout(context.Background(), &gonbauth.Config{Provider: gonbauth.ProviderMicrosoft, ClientID: "00000000-0000-0000-0000-000000000000"})
	switch {
	case errors.Is(err, gonbauth.ErrNotSignedIn):
		fmt.Println("nothing to sign out of")
	case errors.Is(err, gonbauth.ErrNotRevoked):
		fmt.Println("signed out here only:", err)
	case err != nil:
		log.Fatal(err)
	}
}
