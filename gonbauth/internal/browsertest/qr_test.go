package browsertest

import (
	"slices"
	"testing"
)

func TestTextQR(t *testing.T) {
	const drawn = "gonbauth: scan this:\r\n" +
		"\x1b[30;107m ▀█▄ \x1b[0m\r\n" +
		"\x1b[30;107m █ ▀ \x1b[0m\r\n" +
		"gonbauth: and confirm\r\n" +
		"▀▀\n" + // a shorter run: not the code
		"old line\rrewritten\n"
	want := [][]bool{
		{false, true, true, false, false},
		{false, false, true, true, false},
		{false, true, false, true, false},
		{false, true, false, false, false},
	}
	got := TextQR(drawn)
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("TextQR = %v, want %v", got, want)
	}
	if got := TextQR("no code here\n"); got != nil {
		t.Errorf("TextQR of plain text = %v", got)
	}
}
