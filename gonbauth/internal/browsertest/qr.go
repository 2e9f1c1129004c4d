package browsertest

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// DecodeQR reads a QR code the way a phone does: dark[y][x] are its
// modules, with or without a quiet zone, and gozxing decodes them (in the
// harness module's cmd/qrdecode, built once per process). It returns the
// text the code holds.
func DecodeQR(dark [][]bool) (string, error) {
	bin, err := harnessCommand("qrdecode")
	if err != nil {
		return "", err
	}
	var in strings.Builder
	for _, row := range dark {
		for _, d := range row {
			in.WriteByte(map[bool]byte{true: '#', false: '.'}[d])
		}
		in.WriteByte('\n')
	}
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("browsertest: %s: %w", strings.TrimSpace(stderr.String()), err)
	}
	return string(out), nil
}

// ansiEscape is a CSI escape sequence: colours, cursor moves, erasures.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// TextQR reads back the modules of a QR code drawn with text, as a
// terminal shows it: two module rows per line (' ', '▀', '▄', '█'),
// escape sequences dropped, a line rewritten after a carriage return read
// as its last version. The code is the longest run of lines made of those
// characters alone; nil if there is none.
func TextQR(text string) [][]bool {
	var rows, best []string
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(ansiEscape.ReplaceAllString(line, ""), "\r")
		if i := strings.LastIndex(line, "\r"); i >= 0 {
			line = line[i+1:]
		}
		if line != "" && strings.Trim(line, " ▀▄█") == "" {
			rows = append(rows, line)
			continue
		}
		if len(rows) > len(best) {
			best = rows
		}
		rows = nil
	}
	if len(rows) > len(best) {
		best = rows
	}
	var dark [][]bool
	for _, line := range best {
		var top, bottom []bool
		for _, r := range line {
			top = append(top, r == '█' || r == '▀')
			bottom = append(bottom, r == '█' || r == '▄')
		}
		dark = append(dark, top, bottom)
	}
	return dark
}
