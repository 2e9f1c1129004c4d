package pkce_test

import (
	"fmt"

	"github.com/gonbauth/gonbauth/gonbauth/pkce"
)

func ExampleChallenge() {
	// The verifier from RFC 7636 Appendix B. Real flows use NewVerifier.
	c, err := pkce.Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	// Output: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
}
