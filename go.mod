module github.com/gonbauth/gonbauth

go 1.26.0

require (
	github.com/cli/browser v1.3.0
	github.com/coreos/go-oidc/v3 v3.21.0
	github.com/go-jose/go-jose/v4 v4.1.4
	github.com/gofrs/flock v0.13.1
	github.com/janpfeifer/gonb v0.11.1
	golang.org/x/oauth2 v0.37.0
	golang.org/x/sys v0.47.0
	rsc.io/qr v0.2.0
)
