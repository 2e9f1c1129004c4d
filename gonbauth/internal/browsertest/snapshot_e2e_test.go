//go:build e2e

package browsertest

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSnapshot checks the measurements Snapshot makes on fragments whose
// answers are known, so that a test built on it can fail.
func TestSnapshot(t *testing.T) {
	b := LaunchT(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const fragment = `<div style="padding:4px">` +
		`<p id="grey" style="color:#999999">grey on white</p>` +
		`<p style="color:var(--jp-ui-font-color1, #222222)">themed</p>` +
		`<p style="background:var(--jp-rendermime-error-background, #ffdddd);color:var(--jp-error-color1, #b00020)">on a tint</p>` +
		`<p style="opacity:0.5;color:#000000">half</p>` +
		`<span>tick ✓ box ✅</span>` +
		`<details><summary>more</summary><p style="color:#767676">hidden detail</p></details>` +
		`<svg width="16" height="16" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7"/></svg>` +
		`<style>p{font-size:20px}</style><script>document.title='ran'</script>` +
		`<a href="javascript:alert(1)" onclick="x()">link</a></div>`

	// One camera for every theme: each snapshot must see only its own page.
	cam, err := b.Camera(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	shots := map[string]*Snapshot{}
	for _, th := range append(Themes, JupyterLabLight) {
		s, err := cam.Snapshot(ctx, fragment, th)
		if err != nil {
			t.Fatal(err)
		}
		shots[th.Name] = s
		img, err := png.Decode(bytes.NewReader(s.PNG))
		if err != nil {
			t.Fatalf("%s: the screenshot is not a PNG: %v", th.Name, err)
		}
		if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w < 100 || w > 800 || h < 50 || h > 600 {
			t.Errorf("%s: screenshot %dx%d, want it cropped to the fragment", th.Name, w, h)
		}
	}
	// A one-off snapshot in a fresh page measures the same.
	one, err := b.Snapshot(ctx, fragment, JupyterLabLight)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Texts) != len(shots["lab-light"].Texts) || len(one.Texts) != 8 {
		t.Errorf("a fresh page measures %d texts, the camera's last %d; want 8", len(one.Texts), len(shots["lab-light"].Texts))
	}
	text := func(s *Snapshot, prefix string) TextContrast {
		t.Helper()
		for _, tc := range s.Texts {
			if strings.HasPrefix(tc.Text, prefix) {
				return tc
			}
		}
		t.Fatalf("%s: no text %q in %+v", s.Theme.Name, prefix, s.Texts)
		return TextContrast{}
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 0.05 }

	light, dark, untrusted := shots["lab-light"], shots["lab-dark"], shots["untrusted"]
	// #999 on white is 2.85:1.
	if r := text(light, "grey").Ratio(); !near(r, 2.85) {
		t.Errorf("grey on white: ratio %.2f, want 2.85", r)
	}
	// The theme's variables reach the fragment: rgba(255,255,255,.87) on #111.
	if tc := text(dark, "themed"); tc.BG != [3]uint8{0x11, 0x11, 0x11} || tc.FG[0] < 0xdc || tc.FG[0] > 0xe1 {
		t.Errorf("dark theme: themed text %v on %v, want about #dfdfdf on #111111", tc.FG, tc.BG)
	}
	if tc := text(shots["classic"], "themed"); tc.FG != [3]uint8{0x22, 0x22, 0x22} {
		t.Errorf("classic: themed text %v, want the fallback #222222", tc.FG)
	}
	// A translucent background is composited over the page: rgba(244,67,54,.28) on #111.
	if tc := text(dark, "on a tint"); tc.BG[0] < 80 || tc.BG[0] > 81 || tc.BG[1] != 31 || tc.BG[2] < 27 || tc.BG[2] > 28 {
		t.Errorf("dark tint: background %v, want about (80, 31, 27)", tc.BG)
	}
	// Opacity fades the text toward the background: black at .5 on white.
	if tc := text(light, "half"); tc.FG[0] < 0x7e || tc.FG[0] > 0x81 {
		t.Errorf("half-opaque black: %v, want about #7f7f7f", tc.FG)
	}
	// A closed <details> is opened for the measurements.
	if tc := text(light, "hidden detail"); !near(tc.Ratio(), 4.54) {
		t.Errorf("detail text ratio %.2f, want 4.54", tc.Ratio())
	}
	// Debian's Chromium has no emoji font: ✅ is a box, ✓ is not.
	for _, s := range shots {
		if !slices.Equal(s.Tofu, []string{"✅"}) {
			t.Errorf("%s: tofu %q, want only ✅", s.Theme.Name, s.Tofu)
		}
		if len(s.Boxes) != 1 || s.Boxes[0].Tag != "svg" || s.Boxes[0].Width != 16 {
			t.Errorf("%s: boxes %+v, want one 16 px svg", s.Theme.Name, s.Boxes)
		}
	}
	// Untrusted: the <style> and <script> are gone, so is the handler.
	for _, want := range []string{"<style>", "<script>", "onclick on <a>", "href on <a>"} {
		if !slices.Contains(untrusted.Stripped, want) {
			t.Errorf("untrusted: %q not stripped (stripped %q)", want, untrusted.Stripped)
		}
	}
	if !slices.Equal(untrusted.DeadControls, []string{"link"}) {
		t.Errorf("untrusted: dead controls %q, want the link that lost its onclick", untrusted.DeadControls)
	}
	if len(light.DeadControls) != 0 {
		t.Errorf("trusted: dead controls %q", light.DeadControls)
	}
	if tc := text(untrusted, "grey"); tc.FontSize == 20 {
		t.Error("untrusted: the fragment's <style> still applies")
	}
	if tc := text(light, "grey"); tc.FontSize != 20 {
		t.Errorf("trusted: font size %v, want the fragment's <style> to apply (20)", tc.FontSize)
	}
}
