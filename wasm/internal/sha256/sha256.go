// Package sha256 is a compact SHA-256 (FIPS 180-4) for the WebAssembly build
// of gonbauth's PKCE code.
//
// It exists for size only. Importing crypto/sha256 links Go's FIPS 140
// module into a js/wasm program: the smallest such module is about 2.42 MB
// (541 KB with brotli), against 1.82 MB (422 KB) for the Go runtime alone.
// This package adds a few kilobytes. Everything that is not the WebAssembly
// module keeps using crypto/sha256: gonbauth/pkce's Challenge and Verify do.
//
// Its tests, run natively, compare it with crypto/sha256 on random and
// fuzzed inputs of every length around the block boundaries, and check the
// NIST vectors (CAVP byte-oriented short messages, "abc", the 448-bit and
// 896-bit messages, a million times 'a').
//
// It is not constant time with respect to the length of its input, which is
// not secret for PKCE (verifiers are 43 to 128 characters and sent in clear
// at the token endpoint anyway).
package sha256

import "math/bits"

// Size is the length of a SHA-256 digest in bytes.
const Size = 32

// BlockSize is SHA-256's block length in bytes.
const BlockSize = 64

// Initial hash value, FIPS 180-4 §5.3.3.
var iv = [8]uint32{
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}

// Round constants, FIPS 180-4 §4.2.2.
var k = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// Sum256 returns the SHA-256 digest of data, like crypto/sha256.Sum256.
func Sum256(data []byte) [Size]byte {
	h := iv
	n := uint64(len(data))
	for len(data) >= BlockSize {
		block(&h, (*[BlockSize]byte)(data))
		data = data[BlockSize:]
	}

	// Padding (§5.1.1): 0x80, zeros, then the length in bits as a 64-bit
	// big-endian number, filling one block, or two when fewer than 9 bytes
	// are left after the message.
	var tail [2 * BlockSize]byte
	copy(tail[:], data)
	tail[len(data)] = 0x80
	end := BlockSize
	if len(data) >= BlockSize-8 {
		end = 2 * BlockSize
	}
	putUint32(tail[end-8:], uint32(n>>29))
	putUint32(tail[end-4:], uint32(n<<3))
	block(&h, (*[BlockSize]byte)(tail[:BlockSize]))
	if end > BlockSize {
		block(&h, (*[BlockSize]byte)(tail[BlockSize:]))
	}

	var out [Size]byte
	for i, v := range h {
		putUint32(out[4*i:], v)
	}
	return out
}

func putUint32(b []byte, v uint32) {
	_ = b[3]
	b[0] = byte(v >> 24)
	b[1] = byte(v >> 16)
	b[2] = byte(v >> 8)
	b[3] = byte(v)
}

// block processes one 64-byte block (§6.2.2).
func block(h *[8]uint32, p *[BlockSize]byte) {
	var w [64]uint32
	for i := 0; i < 16; i++ {
		j := 4 * i
		w[i] = uint32(p[j])<<24 | uint32(p[j+1])<<16 | uint32(p[j+2])<<8 | uint32(p[j+3])
	}
	for i := 16; i < 64; i++ {
		v1 := w[i-2]
		s1 := bits.RotateLeft32(v1, -17) ^ bits.RotateLeft32(v1, -19) ^ (v1 >> 10)
		v2 := w[i-15]
		s0 := bits.RotateLeft32(v2, -7) ^ bits.RotateLeft32(v2, -18) ^ (v2 >> 3)
		w[i] = s1 + w[i-7] + s0 + w[i-16]
	}

	a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	for i := 0; i < 64; i++ {
		t1 := hh + (bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)) +
			((e & f) ^ (^e & g)) + k[i] + w[i]
		t2 := (bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)) +
			((a & b) ^ (a & c) ^ (b & c))
		hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
	}
	h[0] += a
	h[1] += b
	h[2] += c
	h[3] += d
	h[4] += e
	h[5] += f
	h[6] += g
	h[7] += hh
}
