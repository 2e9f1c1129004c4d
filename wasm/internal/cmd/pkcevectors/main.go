// Command pkcevectors prints PKCE test vectors computed by the native Go
// package (gonbauth/pkce, with crypto/sha256 and crypto/rand), as JSON, for
// the Node.js tests of the WebAssembly module (wasm/test) to compare with:
//
//	{"pairs": [{"verifier": "...", "challenge": "..."}, ...],
//	 "errors": [{"verifier": "...", "message": "..."}, ...]}
//
// The pairs are random verifiers of every length from 43 to 128 over the
// whole unreserved alphabet, and verifiers from pkce.NewVerifier; the errors
// are malformed ASCII verifiers with the message of pkce.Validate.
package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"log"
	"math/big"
	"os"
	"strings"

	"github.com/gonbauth/gonbauth/gonbauth/pkce"
)

const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

type pair struct {
	Verifier  string `json:"verifier"`
	Challenge string `json:"challenge"`
}

type bad struct {
	Verifier string `json:"verifier"`
	Message  string `json:"message"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("pkcevectors: ")
	rounds := flag.Int("rounds", 2, "random verifiers per length (43 to 128)")
	flag.Parse()

	var out struct {
		Pairs  []pair `json:"pairs"`
		Errors []bad  `json:"errors"`
	}
	add := func(v string) {
		c, err := pkce.Challenge(v)
		if err != nil {
			log.Fatalf("challenge of a valid verifier: %v", err)
		}
		out.Pairs = append(out.Pairs, pair{v, c})
	}
	for range *rounds {
		for n := pkce.MinVerifierLen; n <= pkce.MaxVerifierLen; n++ {
			add(randomString(n, unreserved))
		}
	}
	for range 50 {
		v, err := pkce.NewVerifier()
		if err != nil {
			log.Fatal(err)
		}
		add(v)
	}

	for _, v := range []string{
		"",
		"short",
		strings.Repeat("a", 42),
		strings.Repeat("a", 129),
		strings.Repeat("~", 1000),
		strings.Repeat("a", 42) + "+",
		"/" + strings.Repeat("a", 42),
		strings.Repeat("a", 20) + " " + strings.Repeat("a", 22),
		strings.Repeat("a", 43) + "=",
		strings.Repeat("b", 60) + "%41",
		strings.Repeat("c", 127) + "\x00",
	} {
		err := pkce.Validate(v)
		if err == nil {
			log.Fatalf("%q is valid", v)
		}
		out.Errors = append(out.Errors, bad{v, err.Error()})
	}

	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		log.Fatal(err)
	}
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			log.Fatal(err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}
