package sha256

import (
	"bufio"
	"bytes"
	stdsha256 "crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// check compares Sum256(msg) with want (hex) and with crypto/sha256, so that
// a mistyped vector fails as loudly as a wrong implementation.
func check(t *testing.T, name string, msg []byte, want string) {
	t.Helper()
	got := Sum256(msg)
	if std := stdsha256.Sum256(msg); got != std {
		t.Errorf("%s (%d bytes): Sum256 = %x, crypto/sha256 = %x", name, len(msg), got, std)
	}
	if want != "" && hex.EncodeToString(got[:]) != want {
		t.Errorf("%s (%d bytes): Sum256 = %x, want %s", name, len(msg), got, want)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// The examples of FIPS 180-4 (NIST "SHA-256 Examples" and the additional
// SHA-2 examples).
func TestNISTExamples(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
		want string
	}{
		{"empty", nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc (one block)", []byte("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"448 bits (two blocks)", []byte("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
			"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"896 bits", []byte("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
			"cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
		{"one million a", bytes.Repeat([]byte("a"), 1_000_000),
			"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
	}
	for _, tt := range tests {
		check(t, tt.name, tt.msg, tt.want)
	}
}

// Vectors of NIST's CAVP SHAVS "SHA Test Vectors for Hashing Byte-Oriented
// Messages" (CAVS 11.0, SHA256ShortMsg.rsp and SHA256LongMsg.rsp): the ones
// at the padding boundaries (55, 56 and 57 bytes: one or two padding blocks;
// 64 bytes: a full block and a padding block) and the first long message
// (163 bytes, three blocks).
func TestCAVPBoundaryVectors(t *testing.T) {
	tests := []struct{ name, msg, want string }{
		{"ShortMsg Len = 8", "d3", "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1"},
		{"ShortMsg Len = 24", "b4190e", "dff2e73091f6c05e528896c4c831b9448653dc2ff043528f6769437bc7b975c2"},
		{"ShortMsg Len = 440",
			"3ebfb06db8c38d5ba037f1363e118550aad94606e26835a01af05078533cc25f2f39573c04b632f62f68c294ab31f2a3e2a1a0d8c2be51",
			"6595a2ef537a69ba8583dfbf7f5bec0ab1f93ce4c8ee1916eff44a93af5749c4"},
		{"ShortMsg Len = 448",
			"2d52447d1244d2ebc28650e7b05654bad35b3a68eedc7f8515306b496d75f3e73385dd1b002625024b81a02f2fd6dffb6e6d561cb7d0bd7a",
			"cfb88d6faf2de3a69d36195acec2e255e2af2b7d933997f348e09f6ce5758360"},
		{"ShortMsg Len = 456",
			"4cace422e4a015a75492b3b3bbfbdf3758eaff4fe504b46a26c90dacc119fa9050f603d2b58b398cad6d6d9fa922a154d9e0bc4389968274b0",
			"4d54b2d284a6794581224e08f675541c8feab6eefa3ac1cfe5da4e03e62f72e4"},
		{"ShortMsg Len = 512",
			"5a86b737eaea8ee976a0a24da63e7ed7eefad18a101c1211e2b3650c5187c2a8a650547208251f6d4237e661c7bf4c77f335390394c37fa1a9f9be836ac28509",
			"42e61e174fbb3897d6dd6cef3dd2802fe67b331953b06114a65c772859dfc1aa"},
		{"LongMsg Len = 1304",
			"451101250ec6f26652249d59dc974b7361d571a8101cdfd36aba3b5854d3ae086b5fdd4597721b66e3c0dc5d8c606d9657d0e323283a5217d1f53f2f284f57b85c8a61ac8924711f895c5ed90ef17745ed2d728abd22a5f7a13479a462d71b56c19a74a40b655c58edfe0a188ad2cf46cbf30524f65d423c837dd1ff2bf462ac4198007345bb44dbb7b1c861298cdf61982a833afc728fae1eda2f87aa2c9480858bec",
			"3c593aa539fdcdae516cdf2f15000f6634185c88f505b39775fb9ab137a10aa2"},
	}
	for _, tt := range tests {
		check(t, tt.name, mustHex(t, tt.msg), tt.want)
	}
}

// testdata/SHA256ShortMsg.rsp is a complete CAVP byte-oriented short message
// file (CAVS 21.3: 65 messages of 0 to 64 bytes, every length).
func TestCAVPShortMsgFile(t *testing.T) {
	f, err := os.Open("testdata/SHA256ShortMsg.rsp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		n      int
		length = -1
		msg    string
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), " = ")
		if !ok {
			continue
		}
		switch key {
		case "Len":
			length, err = strconv.Atoi(val)
			if err != nil {
				t.Fatalf("bad Len %q", val)
			}
		case "Msg":
			msg = val
		case "MD":
			b := mustHex(t, msg)
			if length == 0 {
				b = nil // the file writes "00" or nothing for the empty message
			}
			if len(b)*8 != length {
				t.Fatalf("Len = %d but the message has %d bytes", length, len(b))
			}
			check(t, "CAVP ShortMsg Len = "+strconv.Itoa(length), b, val)
			n++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 65 {
		t.Fatalf("checked %d vectors, want 65", n)
	}
}

// Every length up to 17 blocks, so every padding case with 0 to 16 full
// blocks before it, on random bytes and on runs of 0x00 and 0xff.
func TestMatchesCryptoSHA256EveryLength(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 17*BlockSize+1)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	zeros := make([]byte, len(buf))
	ones := bytes.Repeat([]byte{0xff}, len(buf))
	for n := 0; n <= len(buf); n++ {
		check(t, "random", buf[:n], "")
		check(t, "zeros", zeros[:n], "")
		check(t, "0xff", ones[:n], "")
	}
}

// A differential fuzz test against crypto/sha256. `go test` runs the seeds;
// `go test -fuzz FuzzSum256 ./wasm/internal/sha256/` searches further.
func FuzzSum256(f *testing.F) {
	for _, n := range []int{0, 1, 3, 43, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 200} {
		f.Add(bytes.Repeat([]byte{byte(n)}, n))
	}
	f.Add([]byte("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if got, want := Sum256(msg), stdsha256.Sum256(msg); got != want {
			t.Fatalf("Sum256(%x) = %x, crypto/sha256 = %x", msg, got, want)
		}
	})
}

func BenchmarkSum256Verifier(b *testing.B) {
	v := []byte("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	for b.Loop() {
		Sum256(v)
	}
}
