// Command oauth2cell is what a notebook cell that signs in with
// golang.org/x/oauth2 alone (a code it already has, no PKCE listener, no
// ID token check, no store, no display) and calls an API compiles to: the
// reference issue 13 measures the gonbauth cell against. sizereport builds
// it; BenchmarkCellInit runs it without settings, for its package
// initialisation only (its exchange then fails at once).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"golang.org/x/oauth2"
)

func main() {
	ctx := context.Background()
	conf := &oauth2.Config{ClientID: os.Getenv("CLIENT_ID"),
		Endpoint: oauth2.Endpoint{AuthURL: os.Getenv("AUTH_URL"), TokenURL: os.Getenv("TOKEN_URL")}}
	verifier := oauth2.GenerateVerifier()
	fmt.Println(conf.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier)))
	tok, err := conf.Exchange(ctx, os.Getenv("CODE"), oauth2.VerifierOption(verifier))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	resp, err := conf.Client(ctx, tok).Get(os.Getenv("API_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
}
