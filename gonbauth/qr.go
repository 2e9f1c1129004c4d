package gonbauth

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"rsc.io/qr/coding"
)

// qrCode is a QR code as modules, without any image format: the notebook
// draws it as SVG and the terminal as text, so no image encoder is linked
// into every cell.
type qrCode struct {
	size int
	dark []bool // row by row
}

// qrQuiet is the light margin around a code, in modules. The standard asks
// for 4; 2 is what terminal QR tools use and phone scanners read.
const qrQuiet = 2

// newQR encodes text as bytes at error correction level M (15%), in the
// smallest version that holds it.
func newQR(text string) (*qrCode, error) {
	enc := coding.String(text)
	v := coding.Version(coding.MinVersion)
	for enc.Bits(v) > v.DataBytes(coding.M)*8 {
		if v++; v > coding.MaxVersion {
			return nil, errors.New("gonbauth: the address is too long for a QR code")
		}
	}
	plan, err := coding.NewPlan(v, coding.M, 0)
	if err != nil {
		return nil, err
	}
	c, err := plan.Encode(enc)
	if err != nil {
		return nil, err
	}
	q := &qrCode{size: c.Size, dark: make([]bool, c.Size*c.Size)}
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			q.dark[y*c.Size+x] = c.Black(x, y)
		}
	}
	return q, nil
}

// at reports whether the module at (x, y) is dark; outside the code (the
// quiet zone) it is light.
func (q *qrCode) at(x, y int) bool {
	return x >= 0 && y >= 0 && x < q.size && y < q.size && q.dark[y*q.size+x]
}

// svg draws the code as a standalone SVG document, dark on an explicit
// white background whatever the theme (scanners expect dark on light),
// one path of horizontal runs.
func (q *qrCode) svg() string {
	n := q.size + 2*qrQuiet
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	b.WriteString(strconv.Itoa(n) + " " + strconv.Itoa(n))
	b.WriteString(`" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	for y := 0; y < q.size; y++ {
		for x := 0; x < q.size; {
			if !q.at(x, y) {
				x++
				continue
			}
			run := 1
			for q.at(x+run, y) {
				run++
			}
			b.WriteString("M" + strconv.Itoa(x+qrQuiet) + " " + strconv.Itoa(y+qrQuiet) + "h" + strconv.Itoa(run) + "v1h-" + strconv.Itoa(run) + "z")
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}

// text draws the code with Unicode half blocks, two rows of modules per
// line, a character per column: dark modules are drawn, light ones are
// spaces. On a terminal, color wraps each line in black on bright white so
// that a dark theme does not invert the code.
func (q *qrCode) text(color bool) []string {
	var lines []string
	for y := -qrQuiet; y < q.size+qrQuiet; y += 2 {
		var b strings.Builder
		if color {
			b.WriteString("\x1b[30;107m")
		}
		for x := -qrQuiet; x < q.size+qrQuiet; x++ {
			top, bottom := q.at(x, y), q.at(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
		if color {
			b.WriteString("\x1b[0m")
		}
		lines = append(lines, b.String())
	}
	return lines
}

// base64SVG is the code as an SVG document in base64, for a data: image:
// an <img> survives the sanitising of untrusted notebooks better than
// inline SVG.
func base64SVG(q *qrCode) string {
	return base64.StdEncoding.EncodeToString([]byte(q.svg()))
}
