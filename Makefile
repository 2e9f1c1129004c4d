# gonbauth: run `make` or `make help` for the targets.
# Recipes use tabs. Nothing here writes outside the repository except the Go
# and npm caches, apt, and (for the notebooks) GoNB and goimports in the Go bin
# directory and the "gonb" Jupyter kernelspec, all through .ci/install-deps.

GO ?= go
# Extra flags for go test in `make test`, e.g. GOTEST_FLAGS='-run TestLogin -v'.
GOTEST_FLAGS ?=
# Flags for the demo, e.g. DEMO_FLAGS=-auto or DEMO_FLAGS='-timeout 2m'.
DEMO_FLAGS ?=
# Debian's python3, which sees Debian's Jupyter packages (not a pyenv or venv one).
PYTHON ?= /usr/bin/python3
# Arguments for notebooks/run.py in `make notebooks`, e.g. NOTEBOOKS_FLAGS=quickstart.
NOTEBOOKS_FLAGS ?=

.DEFAULT_GOAL := help
.PHONY: help deps demo test bench notebooks notebooks-update notebook wasm wasm-test wasm-example

help:
	@echo 'Targets:'
	@echo '  make demo    sign in for real against the bundled local authorization server'
	@echo '               (installs Go modules and the server'"'"'s npm packages; DEMO_FLAGS=-auto'
	@echo '               signs in with headless Chromium, and installs that too)'
	@echo '  make test    go vet (with and without -tags e2e), the unit tests with Go alone on'
	@echo '               PATH, every test with -tags e2e and the race detector, then make'
	@echo '               notebooks; installs what is missing first (make deps). Extra go test'
	@echo '               flags: GOTEST_FLAGS=...'
	@echo '  make notebooks         run notebooks/*.ipynb on a real GoNB kernel against the bundled'
	@echo '               server (headless Chromium signs in), the interrupt test and the checker'"'"'s'
	@echo '               self-test; the executed copies go to a temporary directory'
	@echo '  make notebooks-update  the same, writing the outputs back into notebooks/ (to commit)'
	@echo '  make notebook          the bundled server and Jupyter Notebook with the GoNB kernel on'
	@echo '               127.0.0.1, to try copies of the notebooks by hand in a temporary folder'
	@echo '               (the checkout stays as it is; prints the URL; Ctrl-C stops)'
	@echo '  make bench   the benchmarks of ./gonbauth, sizereport, three cells on a real GoNB kernel'
	@echo '               (notebooks/bench.py), then the WebAssembly module in headless Chromium'
	@echo '               beside WebCrypto and pkce-challenge (wasm/BENCHMARKS.md)'
	@echo '  make wasm    build the PKCE WebAssembly module for browser notebooks into wasm/dist/:'
	@echo '               gonbauth.wasm, its gzip and brotli copies, the loader gonbauth.mjs and'
	@echo '               wasm_exec.js (wasm/build.sh; see wasm/README.md)'
	@echo '  make wasm-test     the Node.js tests of wasm/dist (make test runs them on a fresh build,'
	@echo '               with the Chromium and SHA-256 tests)'
	@echo '  make wasm-example  the browser sign-in example of the module against the bundled server'
	@echo '               (prints the URL; Ctrl-C stops)'
	@echo '  make deps    install what is missing: Go modules, Node.js/npm and the npm packages,'
	@echo '               Chromium, GoNB and Jupyter, nginx and brotli (apt on Debian/Ubuntu)'
	@echo '  make help    this list'

deps:
	bash .ci/install-deps

# Chromium only for -auto.
demo:
	bash .ci/install-deps go node $(if $(findstring -auto,$(DEMO_FLAGS)),chromium)
	$(GO) run ./gonbauth/internal/cmd/demo $(DEMO_FLAGS)

# The fast suite runs with nothing on PATH but the go command's directory and
# Chromium pointed nowhere (it is found at /usr/bin/chromium, not on PATH), so
# a unit test that needs Node, Chromium, Jupyter or nginx fails here instead
# of passing only on machines that have them. The full suite adds the tests
# behind the e2e build tag, which need them all.
#
# The harness module (gonbauth/internal/harness: go-rod, gozxing) is a module
# of its own, which ./... does not reach: it is vetted and tested here too.
HARNESS := gonbauth/internal/harness
test: deps
	$(GO) vet ./...
	$(GO) vet -tags e2e ./...
	cd $(HARNESS) && $(GO) vet ./...
	gobin="$$($(GO) env GOROOT)/bin" && env PATH="$$gobin" CHROMIUM_BIN=/nonexistent/chromium \
		"$$gobin/go" test -count=1 $(GOTEST_FLAGS) ./... && \
		cd $(HARNESS) && env PATH="$$gobin" CHROMIUM_BIN=/nonexistent/chromium \
		"$$gobin/go" test -count=1 $(GOTEST_FLAGS) ./...
	$(GO) test -race -count=1 -timeout 20m -tags e2e $(GOTEST_FLAGS) ./...
	$(MAKE) --no-print-directory notebooks

# run.py builds the sign-in helper (gonbauth/internal/cmd/signin) and the
# development server's command (gonbauth/internal/cmd/devserver) itself, and
# the WebAssembly module into wasm/dist for browser-pkce.ipynb (brotli: tools).
# --serve-check: `make notebook` lists only the notebooks and leaves the checkout as it was.
notebooks:
	bash .ci/install-deps go node chromium gonb tools notebook
	$(PYTHON) notebooks/run.py --self-test
	$(PYTHON) notebooks/run.py --serve-check
	$(PYTHON) notebooks/run.py $(NOTEBOOKS_FLAGS)

notebooks-update:
	bash .ci/install-deps go node chromium gonb tools
	$(PYTHON) notebooks/run.py --self-test
	$(PYTHON) notebooks/run.py --write

# On copies of notebooks/*.ipynb in a temporary folder (removed at Ctrl-C):
# saves and checkpoints never touch the checkout.
notebook:
	bash .ci/install-deps go node gonb tools notebook
	$(PYTHON) notebooks/run.py --serve

bench: deps wasm
	$(GO) test -run '^$$' -bench . -benchtime 20x -count 1 ./gonbauth/
	$(GO) run ./gonbauth/internal/cmd/sizereport
	$(PYTHON) notebooks/bench.py
	$(PYTHON) notebooks/bench.py --noautoget --no-steps
	cd $(HARNESS) && $(GO) run ./cmd/wasmbench

wasm:
	bash .ci/install-deps go tools
	bash wasm/build.sh

wasm-test: wasm
	bash .ci/install-deps node
	node --test wasm/test/

wasm-example: wasm
	bash .ci/install-deps node
	$(GO) run ./wasm/example/serve
