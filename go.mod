module github.com/gonbauth/gonbauth

go 1.26.0

require (
	github.com/cli/browser v1.3.0
	github.com/coreos/go-oidc/v3 v3.21.0
	github.com/go-jose/go-jose/v4 v4.1.4
	github.com/go-rod/rod v0.116.2
	github.com/gofrs/flock v0.13.1
	github.com/janpfeifer/gonb v0.11.1
	github.com/makiuchi-d/gozxing v0.1.1
	golang.org/x/oauth2 v0.37.0
	golang.org/x/sys v0.47.0
	rsc.io/qr v0.2.0
)

require (
	github.com/ysmood/fetchup v0.2.4 // indirect
	github.com/ysmood/goob v0.4.0 // indirect
	github.com/ysmood/got v0.40.0 // indirect
	github.com/ysmood/gson v0.7.3 // indirect
	github.com/ysmood/leakless v0.9.0 // indirect
	golang.org/x/text v0.21.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
)
