// Command gonbauth signs in to an OAuth 2.0 authorization server from a
// terminal or a notebook's shell cell, with the same flow as
// gonbauth.Login.
//
//	gonbauth login [flags]   sign in and say who signed in
//	gonbauth token [flags]   print only the access token, for
//	                         curl -H "Authorization: Bearer $(gonbauth token)"
//
// Every flag falls back to its GONBAUTH_* environment variable. The
// sign-in link is printed alone on a line on stderr; stdout carries only
// the token.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth"
)

const usage = `usage: gonbauth <command> [flags]

Commands:
  login   sign in through the browser and say who signed in
  token   sign in and print only the access token on stdout

Run "gonbauth <command> -h" for the flags of a command.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code (0 success,
// 1 failure, 2 usage error).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "login", "token":
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gonbauth: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	cfg, err := parseFlags(cmd, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	cfg.Output = stderr
	sess, err := gonbauth.Login(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cmd == "login" {
		// Login's status already said who signed in; nothing on stdout.
		return 0
	}
	tok, err := sess.Token()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, tok.AccessToken)
	return 0
}

// parseFlags turns the flags of a command into a Config. Unset flags stay
// zero so that Login falls back to the environment.
func parseFlags(cmd string, args []string, stderr io.Writer) (*gonbauth.Config, error) {
	fs := flag.NewFlagSet("gonbauth "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg       gonbauth.Config
		scopes    string
		ports     string
		timeout   time.Duration
		noBrowser bool
	)
	fs.StringVar(&cfg.Issuer, "issuer", "", "issuer URL of the authorization server (default $"+gonbauth.EnvIssuer+")")
	fs.StringVar(&cfg.ClientID, "client-id", "", "OAuth client ID (default $"+gonbauth.EnvClientID+")")
	fs.StringVar(&scopes, "scopes", "", "scopes, separated by spaces or commas (default $"+gonbauth.EnvScopes+", else openid profile email offline_access)")
	fs.StringVar(&ports, "port", "", "loopback port, or comma-separated ports to try in order; 0 means any free port (default $"+gonbauth.EnvPort+", else 0)")
	fs.DurationVar(&timeout, "timeout", 0, "how long to wait for the sign-in (default $"+gonbauth.EnvTimeout+", else 5m)")
	fs.BoolVar(&noBrowser, "no-browser", false, "print the link without opening a browser (default $"+gonbauth.EnvNoBrowser+")")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gonbauth %s [flags]\n\nThe client secret, if your server insists on one, comes only from $%s.\n\nFlags:\n", cmd, gonbauth.EnvClientSecret)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("gonbauth %s: unexpected argument %q (this command takes only flags)", cmd, fs.Arg(0))
	}
	if scopes != "" {
		cfg.Scopes = strings.FieldsFunc(scopes, func(r rune) bool { return r == ',' || r == ' ' })
	}
	if ports != "" {
		for _, f := range strings.Split(ports, ",") {
			p, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || p < 0 || p > 65535 {
				return nil, fmt.Errorf("gonbauth %s: --port %q is not a port number or a comma-separated list of them", cmd, ports)
			}
			cfg.Ports = append(cfg.Ports, p)
		}
	}
	if timeout < 0 {
		return nil, fmt.Errorf("gonbauth %s: --timeout %v is negative", cmd, timeout)
	}
	cfg.Timeout = timeout
	cfg.NoBrowser = noBrowser
	return &cfg, nil
}
