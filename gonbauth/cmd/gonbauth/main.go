// Command gonbauth signs in to an OAuth 2.0 authorization server from a
// terminal or a notebook's shell cell, with the same flow as
// gonbauth.Login.
//
//	gonbauth login [flags]   sign in (or reuse the saved sign-in) and say who
//	gonbauth token [flags]   print only the access token, for
//	                         curl -H "Authorization: Bearer $(gonbauth token)"
//	gonbauth logout [flags]  forget the saved sign-in and revoke it (--all: every one)
//	gonbauth status          list the saved sign-ins, never a token
//
// Every flag falls back to its GONBAUTH_* environment variable. Sign-ins
// are saved (see gonbauth.Config.ConfigDir), so token reuses and refreshes
// the saved one and asks for a browser sign-in only when nothing else
// works. The sign-in link is printed alone on a line on stderr; stdout
// carries only the token.
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
	"text/tabwriter"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth"
	"github.com/gonbauth/gonbauth/gonbauth/internal/surface"
)

const usage = `usage: gonbauth <command> [flags]

Commands:
  login   sign in (or reuse the saved sign-in) and say who signed in
  token   print only a valid access token on stdout, signing in if needed
  logout  forget the saved sign-in and revoke it at the server (--all: every one)
  status  list the saved sign-ins (never a token)

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
	case "login", "token", "logout":
	case "status":
		return status(args, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gonbauth: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	cfg, all, err := parseFlags(cmd, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	cfg.Output = stderr
	// Tell the library it speaks for this command: its messages then name
	// flags, and `token` stays silent when it has nothing to say.
	ctx = surface.WithCommand(ctx, cmd)
	if cmd == "logout" {
		return logout(ctx, cfg, all, stderr)
	}
	sess, err := gonbauth.Login(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cmd == "login" {
		// Login already said who signed in, on stderr; nothing on stdout.
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
func parseFlags(cmd string, args []string, stderr io.Writer) (cfg *gonbauth.Config, all bool, err error) {
	cfg, all, err = parseFlagSet(cmd, args, stderr)
	return
}

func parseFlagSet(cmd string, args []string, stderr io.Writer) (*gonbauth.Config, bool, error) {
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
	fs.StringVar(&cfg.Account, "account", "", "name of the saved sign-in, to keep several (default $"+gonbauth.EnvAccount+")")
	fs.StringVar(&cfg.Provider, "provider", "", "kind of server: google, microsoft, github, gitlab, okta, auth0, keycloak, cognito or generic (default $"+gonbauth.EnvProvider+", else inferred from the issuer)")
	fs.StringVar(&cfg.Tenant, "tenant", "", "Microsoft Entra ID tenant: organizations, common, consumers, a tenant ID or domain (default $"+gonbauth.EnvTenant+", else organizations)")
	fs.StringVar(&cfg.ClientFile, "client-file", "", "client JSON file downloaded from the Google Cloud console (default $"+gonbauth.EnvClientFile+")")
	fs.StringVar(&cfg.ClientAuth, "client-auth", "", "how the client authenticates to the token endpoint: basic, post, none or auto (default $"+gonbauth.EnvClientAuth+", else the provider's)")
	fs.StringVar(&cfg.RevocationURL, "revocation-url", "", "token revocation endpoint (default $"+gonbauth.EnvRevocationURL+", else the provider's or the metadata's)")
	var all bool
	if cmd == "logout" {
		fs.BoolVar(&all, "all", false, "forget and revoke every saved sign-in")
	} else {
		fs.BoolVar(&noBrowser, "no-browser", false, "print the link without opening a browser (default $"+gonbauth.EnvNoBrowser+")")
		fs.BoolVar(&cfg.Force, "force", false, "sign in afresh in the browser even if a saved sign-in is valid")
		fs.BoolVar(&cfg.NoInteractive, "no-interactive", false, "fail instead of asking for a browser sign-in when the saved one cannot be used")
		fs.StringVar((*string)(&cfg.Mode), "mode", "", "how the sign-in reaches this program: loopback, paste, device, hosted or auto (default $"+gonbauth.EnvMode+", else auto)")
		fs.StringVar(&cfg.RedirectURL, "redirect-url", "", "public redirect URL of the hosted mode; {port} stands for the listener's port (default $"+gonbauth.EnvRedirectURL+")")
		fs.StringVar(&cfg.RedirectHost, "redirect-host", "", "host name of the loopback redirect URI: 127.0.0.1, localhost or [::1] (default $"+gonbauth.EnvRedirectHost+", else the provider's, else 127.0.0.1)")
		fs.StringVar(&cfg.DeviceAuthURL, "device-url", "", "device authorization endpoint (default $"+gonbauth.EnvDeviceURL+", else the provider's or the metadata's)")
		fs.StringVar(&ports, "port", "", "loopback port, or comma-separated ports to try in order; 0 means any free port (default $"+gonbauth.EnvPort+", else 0)")
		fs.DurationVar(&timeout, "timeout", 0, "how long to wait for the sign-in (default $"+gonbauth.EnvTimeout+", else 5m)")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gonbauth %s [flags]\n\nThe client secret, if your server insists on one (Google, GitHub), comes only from $%s or the --client-file.\nSign-ins are saved in $%s (default: gonbauth in the user configuration directory).\n\nFlags:\n", cmd, gonbauth.EnvClientSecret, gonbauth.EnvConfigDir)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, false, err
	}
	if fs.NArg() > 0 {
		return nil, false, fmt.Errorf("gonbauth %s: unexpected argument %q (this command takes only flags)", cmd, fs.Arg(0))
	}
	if scopes != "" {
		cfg.Scopes = strings.FieldsFunc(scopes, func(r rune) bool { return r == ',' || r == ' ' })
	}
	if ports != "" {
		for _, f := range strings.Split(ports, ",") {
			p, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || p < 0 || p > 65535 {
				return nil, false, fmt.Errorf("gonbauth %s: --port %q is not a port number or a comma-separated list of them", cmd, ports)
			}
			cfg.Ports = append(cfg.Ports, p)
		}
	}
	if timeout < 0 {
		return nil, false, fmt.Errorf("gonbauth %s: --timeout %v is negative", cmd, timeout)
	}
	cfg.Timeout = timeout
	cfg.NoBrowser = noBrowser
	return &cfg, all, nil
}

// logout forgets (and revokes) the saved sign-in of cfg, or every one.
func logout(ctx context.Context, cfg *gonbauth.Config, all bool, stderr io.Writer) int {
	var err error
	if all {
		if list, lerr := gonbauth.SignIns(cfg); lerr == nil && len(list) == 0 {
			fmt.Fprintln(stderr, "gonbauth: no saved sign-ins; nothing to do")
			return 0
		}
		err = gonbauth.LogoutAll(ctx, cfg)
	} else {
		err = gonbauth.Logout(ctx, cfg)
	}
	switch {
	case errors.Is(err, gonbauth.ErrNotSignedIn):
		fmt.Fprintln(stderr, "gonbauth: not signed in with these settings; nothing to do (`gonbauth status` lists the saved sign-ins)")
		return 0
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 1
	}
	// Logout has said what it signed out, and whether the server revoked it.
	return 0
}

// status lists the saved sign-ins as a table on stdout.
func status(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gonbauth status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	list, err := gonbauth.SignIns(&gonbauth.Config{Output: stderr})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if len(list) == 0 {
		fmt.Fprintln(stderr, "gonbauth: no saved sign-ins")
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ISSUER\tCLIENT\tACCOUNT\tSCOPES\tWHO\tACCESS TOKEN")
	for _, si := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", si.Issuer, si.ClientID, dash(si.Account), dash(strings.Join(si.Scopes, " ")), dash(si.Who), expiry(si))
	}
	tw.Flush()
	return 0
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// expiry describes when the saved access token expires, and whether it
// can be renewed.
func expiry(si gonbauth.SignIn) string {
	var s string
	switch d := time.Until(si.Expiry).Round(time.Second); {
	case si.Expiry.IsZero():
		s = "no stated expiry"
	case d > 0:
		s = "expires in " + d.String()
	default:
		s = "expired " + (-d).String() + " ago"
	}
	if si.Renewable {
		s += " (renewable)"
	}
	return s
}
