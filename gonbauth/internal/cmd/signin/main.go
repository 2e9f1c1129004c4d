// Command signin completes one sign-in in a headless Chromium: it opens an
// authorization URL, signs in on the bundled development server's login page,
// approves (or, with -deny, refuses) consent, and waits until the browser has
// loaded the request's redirect_uri.
//
//	signin [-deny] [-unreachable] [-login alice] [-timeout 60s] URL
//	signin -page [-login alice] [-timeout 60s] PAGE-URL
//
// With -unreachable the redirect fails in the browser as if nothing listened
// at the redirect_uri (a kernel in a container, over SSH...), even if the
// sign-in's listener runs: the code never reaches it, and the final URL is
// the address the browser tried, the one a user would copy from the address
// bar and paste (paste mode).
//
// It prints the final URL, the redirect_uri with code, state and iss (or
// with error=access_denied for -deny), alone on stdout. That URL holds the
// authorization code: the caller must treat it as a secret. notebooks/run.py
// uses it to act as the person at the browser while a notebook waits for a
// sign-in, and records the code so that it can check that no saved notebook
// contains it.
//
// With -page, URL is instead a page that signs in by itself in the browser:
// the example page of the PKCE WebAssembly module (wasm/example), which a
// notebook cell shows (notebooks/browser-pkce.ipynb). The helper opens it,
// clicks its Sign in button, signs in and approves consent in the pop-up the
// page opens (or in the same tab with the page's ?mode=redirect), and waits
// until the page says it signed in (and has told its server, which the cell
// waits on). It then prints one JSON line:
//
//	{"mode":"popup","status":"Signed in as alice.","tokens":{"access_token":["..."],"id_token":["..."]}}
//
// tokens are what the page received from the token endpoint, read from the
// browser's network events: secrets, which the caller uses only to check that
// no saved notebook holds them.
//
// Errors go to stderr, with codes and tokens redacted; the exit code is 0
// when the browser reached the redirect_uri (with -page: the page signed in),
// 1 when it did not, 2 for bad usage. Chromium is /usr/bin/chromium or
// $CHROMIUM_BIN (internal/browsertest).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("signin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	deny := fs.Bool("deny", false, "refuse consent (the page's Cancel link) instead of approving")
	unreachable := fs.Bool("unreachable", false, "make the redirect fail as if nothing listened at the redirect_uri, and print the address the browser tried")
	page := fs.Bool("page", false, "URL is a page that signs in by itself (wasm/example): click its Sign in button and sign in where it sends the browser")
	login := fs.String("login", "alice", "login name to type (the development server's account id)")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: signin [-deny] [-unreachable] [-login alice] [-timeout 60s] URL\n"+
			"       signin -page [-login alice] [-timeout 60s] PAGE-URL\n\n"+
			"Completes a sign-in at the development server in headless Chromium and prints the final redirect URL (a secret: it holds the code).\n"+
			"With -page, signs in from the page (wasm/example) and prints what it said and the tokens it received (secrets), as JSON.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 || *timeout <= 0 || *login == "" {
		fs.Usage()
		return 2
	}
	if *page && (*deny || *unreachable) {
		fmt.Fprintln(stderr, "signin: -page does not go with -deny or -unreachable")
		return 2
	}
	authURL := fs.Arg(0)
	if *page {
		if u, err := url.Parse(authURL); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			fmt.Fprintln(stderr, "signin: the argument is not an http(s) URL of a page")
			return 2
		}
	} else if u, err := url.Parse(authURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Query().Get("redirect_uri") == "" {
		fmt.Fprintln(stderr, "signin: the argument is not an authorization URL with a redirect_uri")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	b, err := browsertest.Launch(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "signin: %v\n", err)
		return 1
	}
	if *page {
		res, err := b.PageSignIn(ctx, authURL, browsertest.SignInOptions{Login: *login})
		if cerr := b.Close(); cerr != nil {
			fmt.Fprintf(stderr, "signin: %v\n", cerr)
		}
		if err != nil {
			fmt.Fprintf(stderr, "signin: %v\n", err)
			return 1
		}
		out, err := json.Marshal(struct {
			Mode   string              `json:"mode"`
			Status string              `json:"status"`
			Tokens map[string][]string `json:"tokens"`
		}{res.Mode, res.Status, res.Tokens})
		if err != nil {
			fmt.Fprintf(stderr, "signin: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", out)
		return 0
	}
	res, err := b.SignIn(ctx, authURL, browsertest.SignInOptions{Login: *login, Deny: *deny, Unreachable: *unreachable})
	if cerr := b.Close(); cerr != nil {
		fmt.Fprintf(stderr, "signin: %v\n", cerr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "signin: %v\n", err) // browsertest redacts codes and tokens
		return 1
	}
	fmt.Fprintln(stdout, res.FinalURL)
	return 0
}
