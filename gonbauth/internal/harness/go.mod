// The harness's heavy dependencies (go-rod, gozxing), in a module of their
// own so that the library's module (the repository root) never requires
// them: gonbauth/internal/browsertest builds this module's commands and
// talks to them. Nothing here imports the root module.
module github.com/gonbauth/gonbauth/gonbauth/internal/harness

go 1.26.0

require (
	github.com/go-rod/rod v0.116.2
	github.com/makiuchi-d/gozxing v0.1.1
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
