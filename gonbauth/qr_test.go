package gonbauth

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rsc.io/qr"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
)

// modules is a drawing of a QR code read back: dark[y][x], quiet zone
// included.
type modules [][]bool

// checkQRModules checks that got, a drawing of link read back, is rsc.io/qr's
// encoding of link at level M with a quiet zone of qrQuiet modules: a
// reference other than newQR's own use of rsc.io/qr/coding. Rows and columns
// beyond the code (a text drawing's last half line) must be light.
// The end-to-end tests (qr_e2e_test.go) decode the drawings as a phone would.
func checkQRModules(t *testing.T, what string, got modules, link string) {
	t.Helper()
	c, err := qr.Encode(link, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	n := c.Size + 2*qrQuiet
	if len(got) < n {
		t.Fatalf("%s: %d rows of modules, want %d", what, len(got), n)
	}
	for y, row := range got {
		if y < n && len(row) != n {
			t.Fatalf("%s: row %d has %d modules, want %d", what, y, len(row), n)
		}
		for x, dark := range row {
			// Black is false outside the code: the quiet zone is light.
			if want := c.Black(x-qrQuiet, y-qrQuiet); dark != want {
				t.Fatalf("%s: the module at (%d, %d) is dark=%v, want %v", what, x, y, dark, want)
			}
		}
	}
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

// qrDrawings calls check with every drawing of a QR code of each test
// address, read back as modules: the SVG, and the text plain and coloured.
func qrDrawings(t *testing.T, check func(what string, m modules, link string)) {
	for _, link := range []string{
		"https://login.example.com/device?user_code=WDJB-MJHT",
		"http://127.0.0.1:38123/device?user_code=" + strings.Repeat("X", 200),
	} {
		q, err := newQR(link)
		if err != nil {
			t.Fatal(err)
		}
		check("SVG", svgModules(t, q.svg()), link)
		for _, color := range []bool{false, true} {
			check(fmt.Sprintf("text (color %v)", color), browsertest.TextQR(strings.Join(q.text(color), "\n")), link)
		}
	}
}

func TestQRDrawings(t *testing.T) {
	qrDrawings(t, func(what string, m modules, link string) { checkQRModules(t, what, m, link) })
}

func TestQRTooLong(t *testing.T) {
	if _, err := newQR(strings.Repeat("x", 5000)); err == nil {
		t.Fatal("a 5000-byte address encoded")
	}
}
