package gonbauth

import (
	"encoding/base64"
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// modules is a decoded drawing of a QR code: dark[y][x], quiet zone
// included.
type modules [][]bool

// decodeModules renders m as an image, 8 pixels a module, and reads it
// with gozxing, as a phone would.
func decodeModules(t *testing.T, m modules) string {
	t.Helper()
	const px = 8
	n := len(m)
	img := image.NewGray(image.Rect(0, 0, (n+8)*px, (n+8)*px))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range m {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := 0; dy < px; dy++ {
				for dx := 0; dx < px; dx++ {
					img.SetGray((x+4)*px+dx, (y+4)*px+dy, color.Gray{})
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	return res.GetText()
}

var (
	svgViewBox = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`)
	svgRun     = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
)

// svgModules reads back the modules of an SVG drawn by qrCode.svg.
func svgModules(t *testing.T, svg string) modules {
	t.Helper()
	vb := svgViewBox.FindStringSubmatch(svg)
	if vb == nil {
		t.Fatalf("no viewBox in %s", svg)
	}
	n, _ := strconv.Atoi(vb[1])
	m := make(modules, n)
	for i := range m {
		m[i] = make([]bool, n)
	}
	runs := svgRun.FindAllStringSubmatch(svg, -1)
	if len(runs) == 0 {
		t.Fatalf("no modules in %s", svg)
	}
	for _, r := range runs {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		for i := 0; i < w; i++ {
			m[y][x+i] = true
		}
	}
	return m
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

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// textModules reads back half-block lines drawn by qrCode.text, with or
// without their colours.
func textModules(lines []string) modules {
	var m modules
	for _, line := range lines {
		line = ansiRE.ReplaceAllString(line, "")
		var top, bottom []bool
		for _, r := range line {
			top = append(top, r == '█' || r == '▀')
			bottom = append(bottom, r == '█' || r == '▄')
		}
		m = append(m, top, bottom)
	}
	return m
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
			if got := decodeModules(t, textModules(q.text(color))); got != link {
				t.Errorf("text (color %v) decodes to %q, want %q", color, got, link)
			}
		}
	}
}

func TestQRTooLong(t *testing.T) {
	if _, err := newQR(strings.Repeat("x", 5000)); err == nil {
		t.Fatal("a 5000-byte address encoded")
	}
}
