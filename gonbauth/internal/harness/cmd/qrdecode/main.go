// Command qrdecode reads a QR code the way a phone would, with gozxing:
// the code's modules come on stdin, a line a row, '#' dark and any other
// character light; the text it holds goes to stdout. It draws the modules
// 8 pixels each with a light margin of 4 modules around whatever quiet zone
// the drawing has. It exits 1, saying why, if nothing decodes.
//
// gonbauth's end-to-end tests run it (gonbauth/internal/browsertest
// DecodeQR) on the codes the library draws as SVG and as text.
package main

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"strings"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

func main() {
	text, err := decode(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "qrdecode:", err)
		os.Exit(1)
	}
	fmt.Print(text)
}

func decode(in io.Reader) (string, error) {
	var rows []string
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); line != "" {
			rows = append(rows, line)
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("no modules on stdin")
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	const px, margin = 8, 4
	img := image.NewGray(image.Rect(0, 0, (width+2*margin)*px, (len(rows)+2*margin)*px))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, r := range rows {
		for x := range len(r) {
			if r[x] != '#' {
				continue
			}
			for dy := range px {
				for dx := range px {
					img.SetGray((x+margin)*px+dx, (y+margin)*px+dy, color.Gray{})
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", fmt.Errorf("the QR code (%dx%d modules) does not decode: %w", width, len(rows), err)
	}
	return res.GetText(), nil
}
