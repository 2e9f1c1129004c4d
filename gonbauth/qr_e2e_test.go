//go:build e2e

package gonbauth

import (
	"encoding/base64"
	"strings"
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
	for _, link := range []string{
		"https://login.example.com/device?user_code=WDJB-MJHT",
		"http://127.0.0.1:38123/device?user_code=" + strings.Repeat("X", 200),
	} {
		q, err := newQR(link)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeModules(t, svgModules(t, q.svg())); got != link {
			t.Errorf("SVG decodes to %q, want %q", got, link)
		}
		for _, color := range []bool{false, true} {
			if got := decodeModules(t, browsertest.TextQR(strings.Join(q.text(color), "\n"))); got != link {
				t.Errorf("text (color %v) decodes to %q, want %q", color, got, link)
			}
		}
	}
}
