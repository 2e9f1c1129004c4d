#!/usr/bin/env bash
# Builds gonbauth's PKCE WebAssembly module (wasm/main.go) into wasm/dist/, or
# into the directory given as the first argument:
#
#   gonbauth.wasm      GOOS=js GOARCH=wasm, -trimpath, -s -w
#   gonbauth.wasm.gz   gzip -9
#   gonbauth.wasm.br   brotli -q 11 (Debian: apt-get install brotli)
#   gonbauth.mjs       the ES module loader (a copy of wasm/gonbauth.mjs)
#   wasm_exec.js       Go's JavaScript support, from $(go env GOROOT)/lib/wasm/
#
# Serve gonbauth.wasm as application/wasm, ideally with the .br or .gz copy and
# Content-Encoding. The build is reproducible for a given Go release.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-wasm/dist}

die() {
	echo "wasm/build.sh: $*" >&2
	exit 1
}

command -v go >/dev/null 2>&1 || die "go not found: install Go 1.26+ from go.dev/dl"
command -v brotli >/dev/null 2>&1 || die "brotli not found: install it (Debian/Ubuntu: apt-get install brotli)"
command -v gzip >/dev/null 2>&1 || die "gzip not found: install it (Debian/Ubuntu: apt-get install gzip)"
wasm_exec="$(go env GOROOT)/lib/wasm/wasm_exec.js"
[[ -f $wasm_exec ]] || die "$wasm_exec not found (Go older than 1.24 keeps it in misc/wasm/: use Go 1.26+)"

mkdir -p "$out"
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o "$tmp/gonbauth.wasm" ./wasm
chmod 644 "$tmp/gonbauth.wasm"
gzip -9 -n -c "$tmp/gonbauth.wasm" >"$tmp/gonbauth.wasm.gz"
brotli -q 11 -c "$tmp/gonbauth.wasm" >"$tmp/gonbauth.wasm.br"
cp wasm/gonbauth.mjs "$tmp/gonbauth.mjs"
cp "$wasm_exec" "$tmp/wasm_exec.js"
for f in gonbauth.wasm gonbauth.wasm.gz gonbauth.wasm.br gonbauth.mjs wasm_exec.js; do
	mv -f "$tmp/$f" "$out/$f"
done

size() { stat -c %s "$1" 2>/dev/null || wc -c <"$1"; }
printf 'wasm/build.sh: %s/gonbauth.wasm: %d bytes raw, %d gzip, %d brotli\n' "$out" \
	"$(size "$out/gonbauth.wasm")" "$(size "$out/gonbauth.wasm.gz")" "$(size "$out/gonbauth.wasm.br")"
