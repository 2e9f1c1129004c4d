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
	cfg, flags, all, err := parseFlags(cmd, args, stderr)
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
	ctx = surface.WithFlags(surface.WithCommand(ctx, cmd), flags)
	if cmd == "logout" {
		return logout(ctx, cfg, all, stderr)
	}
	sess, err := gonbauth.Login(ctx, cfg)
	if err != nil {
		return failed(stderr, err)
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

// settingFlags are the flags that set a Config field (named as in
// gonbauth's messages). The command hands their text, as typed, to the
// library, which splits and checks it as it does the field's environment
// variable: a value means the same in both, and an error names the flag.
var settingFlags = []struct {
	name, field, usage string
	signIn             bool // only for login and token
}{
	{"issuer", "Issuer", "issuer URL of the authorization server (default $" + gonbauth.EnvIssuer + ")", false},
	{"client-id", "ClientID", "OAuth client ID (default $" + gonbauth.EnvClientID + ")", false},
	{"scopes", "Scopes", "scopes, separated by spaces or commas (default $" + gonbauth.EnvScopes + ", else openid profile email offline_access)", false},
	{"account", "Account", "name of the saved sign-in, to keep several (default $" + gonbauth.EnvAccount + ")", false},
	{"provider", "Provider", "kind of server: google, microsoft, github, gitlab, okta, auth0, keycloak, cognito or generic (default $" + gonbauth.EnvProvider + ", else inferred from the issuer)", false},
	{"tenant", "Tenant", "Microsoft Entra ID tenant: organizations, common, consumers, a tenant ID or domain (default $" + gonbauth.EnvTenant + ", else organizations)", false},
	{"client-file", "ClientFile", "client JSON file downloaded from the Google Cloud console (default $" + gonbauth.EnvClientFile + ")", false},
	{"client-auth", "ClientAuth", "how the client authenticates to the token endpoint: basic, post, none or auto (default $" + gonbauth.EnvClientAuth + ", else the provider's)", false},
	{"revocation-url", "RevocationURL", "token revocation endpoint (default $" + gonbauth.EnvRevocationURL + ", else the provider's or the metadata's)", false},
	{"mode", "Mode", "how the sign-in reaches this program: loopback, paste, device, hosted or auto (default $" + gonbauth.EnvMode + ", else auto)", true},
	{"redirect-url", "RedirectURL", "public redirect URL of the hosted mode; {port} stands for the listener's port (default $" + gonbauth.EnvRedirectURL + ")", true},
	{"redirect-host", "RedirectHost", "host name of the loopback redirect URI: 127.0.0.1, localhost or [::1] (default $" + gonbauth.EnvRedirectHost + ", else the provider's, else 127.0.0.1)", true},
	{"device-url", "DeviceAuthURL", "device authorization endpoint (default $" + gonbauth.EnvDeviceURL + ", else the provider's or the metadata's)", true},
	{"port", "Ports", "loopback port, or comma-separated ports to try in order; 0 means any free port (default $" + gonbauth.EnvPort + ", else 0)", true},
	{"timeout", "Timeout", "how long to wait for the sign-in: a `duration` such as 2m, or a number of seconds (default $" + gonbauth.EnvTimeout + ", else 5m)", true},
}

// parseFlags turns the flags of a command into a Config and the text of
// the flags given, by Config field, for surface.WithFlags. Unset flags
// stay out so that the library falls back to the environment.
func parseFlags(cmd string, args []string, stderr io.Writer) (cfg *gonbauth.Config, flags map[string]string, all bool, err error) {
	fs := flag.NewFlagSet("gonbauth "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg = &gonbauth.Config{}
	fields := map[string]string{} // flag name -> Config field
	for _, f := range settingFlags {
		if f.signIn && cmd == "logout" {
			continue
		}
		fs.String(f.name, "", f.usage)
		fields[f.name] = f.field
	}
	if cmd == "logout" {
		fs.BoolVar(&all, "all", false, "forget and revoke every saved sign-in")
	} else {
		fs.Var(new(boolText), "no-browser", "print the link without opening a browser (default $"+gonbauth.EnvNoBrowser+")")
		fields["no-browser"] = "NoBrowser"
		fs.BoolVar(&cfg.Force, "force", false, "sign in afresh in the browser even if a saved sign-in is valid")
		fs.BoolVar(&cfg.NoInteractive, "no-interactive", false, "fail instead of asking for a browser sign-in when the saved one cannot be used")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gonbauth %s [flags]\n\nThe client secret, if your server insists on one (Google, GitHub), comes only from $%s or the --client-file.\nSign-ins are saved in $%s (default: gonbauth in the user configuration directory).\n\nFlags:\n", cmd, gonbauth.EnvClientSecret, gonbauth.EnvConfigDir)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, false, err
	}
	if fs.NArg() > 0 {
		return nil, nil, false, fmt.Errorf("gonbauth %s: unexpected argument %q (this command takes only flags)", cmd, fs.Arg(0))
	}
	flags = map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		if field, ok := fields[f.Name]; ok {
			flags[field] = f.Value.String()
		}
	})
	return cfg, flags, all, nil
}

// boolText is a boolean flag (--no-browser, --no-browser=0) that keeps its
// text, for the library to read as it reads the variable.
type boolText string

func (b *boolText) String() string     { return string(*b) }
func (b *boolText) Set(s string) error { *b = boolText(s); return nil }
func (b *boolText) IsBoolFlag() bool   { return true }

// failed prints err and returns the exit code: 2 when a flag's value is
// wrong, as for a flag that does not parse; 1 otherwise.
func failed(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, err)
	if _, ok := errors.AsType[*surface.UsageError](err); ok {
		return 2
	}
	return 1
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
		return failed(stderr, err)
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
