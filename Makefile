# gonbauth: run `make` or `make help` for the targets.
# Recipes use tabs. Nothing here writes outside the repository except the Go
# and npm caches and apt (through .ci/install-deps).

GO ?= go
# Extra flags for go test in `make test`, e.g. GOTEST_FLAGS='-run TestLogin -v'.
GOTEST_FLAGS ?=
# Flags for the demo, e.g. DEMO_FLAGS=-auto or DEMO_FLAGS='-timeout 2m'.
DEMO_FLAGS ?=

.DEFAULT_GOAL := help
.PHONY: help deps demo test bench

help:
	@echo 'Targets:'
	@echo '  make demo    sign in for real against the bundled local authorization server'
	@echo '               (installs Go modules and the server'"'"'s npm packages; DEMO_FLAGS=-auto'
	@echo '               signs in with headless Chromium, and installs that too)'
	@echo '  make test    go vet, then every test with the race detector; installs what is'
	@echo '               missing first (make deps). Extra go test flags: GOTEST_FLAGS=...'
	@echo '  make bench   the benchmarks of ./gonbauth, then go run ./gonbauth/internal/cmd/sizereport'
	@echo '  make deps    install what is missing: Go modules, Node.js/npm and the'
	@echo '               server'"'"'s npm packages, Chromium (apt on Debian/Ubuntu)'
	@echo '  make help    this list'

deps:
	bash .ci/install-deps

# Chromium only for -auto.
demo:
	bash .ci/install-deps go node $(if $(findstring -auto,$(DEMO_FLAGS)),chromium)
	$(GO) run ./gonbauth/internal/cmd/demo $(DEMO_FLAGS)

test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m $(GOTEST_FLAGS) ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 20x -count 1 ./gonbauth/
	$(GO) run ./gonbauth/internal/cmd/sizereport
