// Package jwttest signs the ID tokens of the test servers: the fake server
// of gonbauth's unit tests and the provider stand-ins of providertest.
// They share one RSA key, generated once per test binary (generating a
// 2048-bit key is slow), and a second key that no server publishes, for
// tokens that must fail verification.
package jwttest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

var key, foreignKey = sync.OnceValue(newKey), sync.OnceValue(newKey)

// Key is the key the test servers sign with and publish in their JWKS.
func Key() *rsa.PrivateKey { return key() }

// ForeignKey is a key no test server publishes: a token it signs, under a
// server's key ID, is a forgery.
func ForeignKey() *rsa.PrivateKey { return foreignKey() }

func newKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("jwttest: generating an RSA key: %v", err))
	}
	return k
}

// KeySet is the JWKS that publishes Key's public half under keyID.
func KeySet(keyID string) jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &Key().PublicKey, KeyID: keyID, Algorithm: string(jose.RS256), Use: "sig"},
	}}
}

// Sign signs payload as a compact JWT ("typ": "JWT") with key under keyID.
// It panics if key does not fit alg: that is a mistake in the test, not a
// case to test.
func Sign(alg jose.SignatureAlgorithm, key any, keyID string, payload []byte) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: keyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(fmt.Sprintf("jwttest: a %s signer for key %q: %v", alg, keyID, err))
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		panic(fmt.Sprintf("jwttest: signing with key %q: %v", keyID, err))
	}
	raw, err := obj.CompactSerialize()
	if err != nil {
		panic(fmt.Sprintf("jwttest: serializing: %v", err))
	}
	return raw
}

// Unsigned is payload as a JWT with "alg": "none" and no signature, which
// no client may accept.
func Unsigned(payload []byte) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + "."
}
