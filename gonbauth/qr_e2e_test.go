//go:build e2e

package gonbauth

import (
	"encoding/base64"
	"testing"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
)

// decodeModules reads m as a phone would (gozxing, through the harness).
func decodeModules(t *testing.T, m modules) string {
	t.Helper()
	text, err := browsertest.DecodeQR(m)
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	return text
}

// decodeQRDataURI decodes the QR code of a notebook block's
// data:image/svg+xml;base64 image.
func decodeQRDataURI(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return decodeModules(t, svgModules(t, string(raw)))
}

func TestQRDecodesInEveryDrawing(t *testing.T) {
	qrDrawings(t, func(what string, m modules, link string) {
		if got := decodeModules(t, m); got != link {
			t.Errorf("%s decodes to %q, want %q", what, got, link)
		}
	})
}
