package gonbauth

// emojiIn finds the characters that fonts without an emoji font draw as
// empty boxes; the screenshot tests (screenshot_e2e_test.go) use it on the
// rendered sign-in block.

import (
	"slices"
	"testing"
)

// emojiIn returns the first emoji of s: a character that is
// Extended_Pictographic in Unicode's emoji data (which fonts without an
// emoji font draw as empty boxes), or the emoji variation selector.
// Typographic marks that merely look like them (✓ ✗ → ·) are text.
func emojiIn(s string) string {
	for _, r := range s {
		if isEmoji(r) {
			return string(r)
		}
	}
	return ""
}

// emojiBMP are the Extended_Pictographic characters below U+2600 and in
// the dingbats and arrows blocks (emoji-data.txt, Unicode 15).
var emojiBMP = []rune{
	0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x231A, 0x231B, 0x2328, 0x2388, 0x23CF,
	0x23E9, 0x23EA, 0x23EB, 0x23EC, 0x23ED, 0x23EE, 0x23EF, 0x23F0, 0x23F1, 0x23F2, 0x23F3,
	0x23F8, 0x23F9, 0x23FA, 0x24C2, 0x25AA, 0x25AB, 0x25B6, 0x25C0, 0x25FB, 0x25FC, 0x25FD, 0x25FE,
	0x2702, 0x2705, 0x2708, 0x2709, 0x270A, 0x270B, 0x270C, 0x270D, 0x270F, 0x2712, 0x2714, 0x2716,
	0x271D, 0x2721, 0x2728, 0x2733, 0x2734, 0x2744, 0x2747, 0x274C, 0x274E, 0x2753, 0x2754, 0x2755,
	0x2757, 0x2763, 0x2764, 0x2765, 0x2766, 0x2767, 0x2795, 0x2796, 0x2797, 0x27A1, 0x27B0, 0x27BF,
	0x2934, 0x2935, 0x2B05, 0x2B06, 0x2B07, 0x2B1B, 0x2B1C, 0x2B50, 0x2B55, 0x3030, 0x303D, 0x3297, 0x3299,
}

func isEmoji(r rune) bool {
	switch {
	case r == 0xFE0F, r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x26FF:
		return true
	}
	return slices.Contains(emojiBMP, r)
}

func TestEmojiIn(t *testing.T) {
	for _, s := range []string{"⏳ wait", "done ✅", "❌", "⚠ refused", "⏹", "x\uFE0F", "🔑", "⭐"} {
		if emojiIn(s) == "" {
			t.Errorf("emojiIn(%q) found nothing", s)
		}
	}
	for _, s := range []string{"Signed in · in 59 min", "“quoted” — dash…", "Sign in → next", "✓ done", "✗ failed", "ASCII only"} {
		if r := emojiIn(s); r != "" {
			t.Errorf("emojiIn(%q) = %q", s, r)
		}
	}
}
