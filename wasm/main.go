//go:build js && wasm

// Command wasm is gonbauth's PKCE code as a WebAssembly module for browsers
// and Node.js. Build it with `make wasm` (wasm/build.sh); load it with the
// ES module wasm/gonbauth.mjs, whose load() returns the JavaScript API.
//
// The rules (verifier alphabet and lengths, encoding, validation, error
// texts) and the S256 challenge are wasm/internal/pkce, the same as
// gonbauth/pkce's (TestRulesAgree); SHA-256 is wasm/internal/sha256, a compact implementation,
// because crypto/sha256 (and so gonbauth/pkce) would link Go's FIPS 140
// module and make the module about 600 KB larger.
// Random bytes come from JavaScript (crypto.getRandomValues), written into
// the module's memory before each call that needs them.
//
// The exports take and return only integers, which makes a call from
// JavaScript cost well under a microsecond (a syscall/js call costs about
// 15 µs, and syscall/js itself would add about 120 KB). Strings travel
// through one buffer in linear memory: JavaScript writes the input at
// gonbauth_buffer(), calls an export, and reads the output from the same
// buffer. A negative result -n means failure, with an n-byte error message
// in the buffer. The loader is the only intended caller: these exports are
// not a stable interface.
package main

import (
	"encoding/base64"
	"unsafe"

	"github.com/gonbauth/gonbauth/wasm/internal/pkce"
	"github.com/gonbauth/gonbauth/wasm/internal/sha256"
)

// bufSize is the size of the I/O buffer: room for the longest verifier, a
// challenge, and an error message, with margin. Longer inputs are refused
// by length without being copied (see gonbauth_challenge).
const bufSize = 1024

var buf [bufSize]byte

func main() {
	// Stay alive: the exports are only usable while the program runs. With
	// GOOS=js an idle program hands control back to JavaScript instead of
	// deadlocking.
	select {}
}

// put writes s at the start of the buffer and returns its length.
func put(s string) int32 { return int32(copy(buf[:], s)) }

// fail writes err's message to the buffer and returns minus its length.
func fail(err error) int32 { return -put(err.Error()) }

// input returns the n bytes JavaScript wrote at off as a string that shares
// the buffer's memory: it must not be used after the buffer is written.
func input(off, n int32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&buf[off], int(n))
}

// checkLen applies the length rule to an input of n bytes of which only the
// first fit in the buffer (from off): too long to copy means too long.
func checkLen(off, n int32) error {
	if n < 0 || int(off)+int(n) > bufSize {
		return pkce.ValidateLength(int(n))
	}
	return nil
}

//go:wasmexport gonbauth_buffer
func gonbauthBuffer() unsafe.Pointer { return unsafe.Pointer(&buf) }

//go:wasmexport gonbauth_buffer_size
func gonbauthBufferSize() int32 { return bufSize }

// gonbauth_entropy is how many random bytes gonbauth_verifier, gonbauth_state
// and gonbauth_pkce expect at the start of the buffer.
//
//go:wasmexport gonbauth_entropy
func gonbauthEntropy() int32 { return pkce.EntropyBytes }

// gonbauth_challenge: the verifier's n bytes are at the start of the buffer
// (n may exceed the buffer: such a verifier is refused by its length alone).
// Writes the S256 challenge and returns its length.
//
//go:wasmexport gonbauth_challenge
func gonbauthChallenge(n int32) int32 {
	if err := checkLen(0, n); err != nil {
		return fail(err)
	}
	c, err := pkce.Challenge(input(0, n), sha256.Sum256)
	if err != nil {
		return fail(err)
	}
	return put(c)
}

// gonbauth_verify: the verifier's nv bytes, then the challenge's nc bytes,
// are at the start of the buffer; nc < 0 stands for a challenge too long to
// copy, which cannot match. Returns 1 or 0, or fails for a bad verifier.
//
//go:wasmexport gonbauth_verify
func gonbauthVerify(nv, nc int32) int32 {
	if err := checkLen(0, nv); err != nil {
		return fail(err)
	}
	v := input(0, nv)
	if err := pkce.Validate(v); err != nil {
		return fail(err)
	}
	if nc < 0 || int(nv)+int(nc) > bufSize {
		return 0
	}
	if pkce.Verify(v, input(nv, nc), sha256.Sum256) {
		return 1
	}
	return 0
}

// random returns the random bytes JavaScript wrote at the start of the buffer.
func random() []byte { return buf[:pkce.EntropyBytes] }

// gonbauth_verifier writes a verifier made from the random bytes.
//
//go:wasmexport gonbauth_verifier
func gonbauthVerifier() int32 {
	v, err := pkce.EncodeVerifier(random())
	if err != nil {
		return fail(err)
	}
	return put(v)
}

// gonbauth_state writes an OAuth state value made from the random bytes:
// base64url without padding, like gonbauth's own states.
//
//go:wasmexport gonbauth_state
func gonbauthState() int32 {
	return put(base64.RawURLEncoding.EncodeToString(random()))
}

// gonbauth_pkce writes a verifier made from the random bytes followed by its
// challenge, and returns their lengths: verifier<<16 | challenge.
//
//go:wasmexport gonbauth_pkce
func gonbauthPKCE() int32 {
	v, err := pkce.EncodeVerifier(random())
	if err != nil {
		return fail(err)
	}
	c, err := pkce.Challenge(v, sha256.Sum256)
	if err != nil {
		return fail(err)
	}
	n := put(v)
	return n<<16 | int32(copy(buf[n:], c))
}
