//go:build e2e

package gonbauth

// Screenshots of the notebook sign-in block in every state, on JupyterLab's
// light and dark themes, Notebook 6 (no theme variables) and an untrusted
// notebook (styles and scripts stripped), taken in headless Chromium. What
// a reader sees is measured on the rendered page: contrast of every text,
// emoji, characters drawn as empty boxes, icon sizes. Pixels are not
// compared. `go test -tags e2e ./gonbauth/ -run TestScreenshots -update-screenshots`
// writes the PNGs into notebooks/testdata/screenshots/ for reviewers.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gonbauth/gonbauth/gonbauth/internal/browsertest"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write TestScreenshots' PNGs into notebooks/testdata/screenshots")

// screenshotDir holds the committed screenshots.
var screenshotDir = filepath.Join("..", "notebooks", "testdata", "screenshots")

// screenshotStates are the states a reviewer must be able to look at;
// sampleStates may have more.
var screenshotStates = []string{
	"waiting-loopback", "waiting-paste-refused", "waiting-device", "exchanging",
	"signed-in", "signed-in-saved", "failed-denied", "cancelled", "refused-redirect",
}

// minContrast is WCAG 2's AA minimum for normal text.
const minContrast = 4.5

func TestScreenshots(t *testing.T) {
	samples := sampleStates(time.Date(2026, 3, 4, 15, 4, 5, 0, time.UTC))
	var names []string
	for _, s := range samples {
		names = append(names, s.name)
	}
	for _, want := range screenshotStates {
		if !slices.Contains(names, want) {
			t.Errorf("sampleStates has no %q state to screenshot (it has %q)", want, names)
		}
	}
	b := browsertest.LaunchT(t, browsertest.Options{})
	out := t.TempDir()
	if *updateScreenshots {
		out = screenshotDir
		old, _ := filepath.Glob(filepath.Join(out, "*.png"))
		for _, f := range old {
			os.Remove(f)
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cam, err := b.Camera(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	var written []string
	for _, s := range samples {
		st := s.st
		html := renderHTML(&st)
		if r := emojiIn(html); r != "" {
			t.Errorf("%s: emoji %q in the HTML", s.name, r)
		}
		for _, th := range browsertest.Themes {
			t.Run(s.name+"/"+th.Name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				snap, err := cam.Snapshot(ctx, html, th)
				if err != nil {
					t.Fatal(err)
				}
				name := s.name + "-" + th.Name + ".png"
				if err := os.WriteFile(filepath.Join(out, name), snap.PNG, 0o644); err != nil {
					t.Fatal(err)
				}
				written = append(written, name)
				checkSnapshot(t, snap)
				if len(snap.DeadControls) > 0 {
					t.Errorf("controls that do nothing in an untrusted notebook are shown: %q", snap.DeadControls)
				}
			})
		}
	}
	if t.Failed() {
		t.Logf("screenshots in %s", out)
	}
	// The committed screenshots are the current states' and themes': none
	// missing, none left from a state that is gone.
	committed, _ := filepath.Glob(filepath.Join(screenshotDir, "*.png"))
	for i, f := range committed {
		committed[i] = filepath.Base(f)
	}
	slices.Sort(committed)
	slices.Sort(written)
	if !slices.Equal(committed, written) {
		t.Errorf("notebooks/testdata/screenshots holds %q,\nthe states and themes make %q:\nrun go test -tags e2e ./gonbauth/ -run TestScreenshots -update-screenshots and commit them", committed, written)
	}
}

// checkSnapshot fails t for what reads poorly in snap.
func checkSnapshot(t *testing.T, snap *browsertest.Snapshot) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(snap.PNG))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w < 200 || h < 20 || w > 800 || h > 600 {
		t.Errorf("the screenshot is %dx%d px: the block is not cropped or has collapsed", w, h)
	}
	if len(snap.Texts) == 0 {
		t.Fatal("the block shows no text")
	}
	for _, tc := range snap.Texts {
		if tc.Unmeasured != "" {
			t.Errorf("cannot measure the contrast of %q: %s", tc.Text, tc.Unmeasured)
			continue
		}
		if r := tc.Ratio(); r < minContrast {
			t.Errorf("contrast %.2f:1 (want at least %.1f) for <%s> %q: %s on %s", r, minContrast, tc.Tag, tc.Text, cssHex(tc.FG), cssHex(tc.BG))
		}
	}
	if len(snap.Tofu) > 0 {
		t.Errorf("characters drawn as empty boxes (no font has them): %q", snap.Tofu)
	}
	if r := emojiIn(snap.Text); r != "" {
		t.Errorf("emoji %q in the text", r)
	}
	for _, bx := range snap.Boxes {
		switch {
		case bx.Tag == "svg" && (bx.Width > 32 || bx.Height > 32 || bx.Width < 8):
			t.Errorf("an icon is %.0fx%.0f px; want 8 to 32", bx.Width, bx.Height)
		case bx.Tag == "img" && (bx.Width > 300 || bx.Width < 100):
			t.Errorf("an image (the QR code) is %.0fx%.0f px; want 100 to 300 wide", bx.Width, bx.Height)
		}
	}
}

func cssHex(c [3]uint8) string { return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]) }

// TestNotebookOutputs checks every HTML output saved in the example
// notebooks (all made by gonbauth or its examples) as the screenshots are
// checked, on every theme: they are what a reader of the repository sees,
// often in an untrusted notebook.
func TestNotebookOutputs(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "notebooks", "*.ipynb"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no notebooks: %v", err)
	}
	type output struct{ where, html string }
	var outputs []output
	blocks := 0 // sign-in blocks among them
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Cells []struct {
				Outputs []struct {
					Data map[string]json.RawMessage `json:"data"`
				} `json:"outputs"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(data, &nb); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for i, c := range nb.Cells {
			for j, o := range c.Outputs {
				raw, ok := o.Data["text/html"]
				if !ok {
					continue
				}
				// nbformat stores text as a string or a list of lines.
				var s string
				if json.Unmarshal(raw, &s) != nil {
					var lines []string
					if err := json.Unmarshal(raw, &lines); err != nil {
						t.Fatalf("%s cell %d: text/html: %v", p, i, err)
					}
					s = strings.Join(lines, "")
				}
				outputs = append(outputs, output{fmt.Sprintf("%s cell %d output %d", filepath.Base(p), i, j), s})
				if strings.Contains(s, `class="gonbauth gonbauth-`) {
					blocks++
				}
			}
		}
	}
	if blocks == 0 {
		t.Fatalf("no gonbauth sign-in block among the notebooks' %d HTML outputs", len(outputs))
	}
	b := browsertest.LaunchT(t, browsertest.Options{})
	cam, err := b.Camera(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	for _, o := range outputs {
		for _, th := range browsertest.Themes {
			t.Run(o.where+"/"+th.Name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				snap, err := cam.Snapshot(ctx, o.html, th)
				if err != nil {
					t.Fatal(err)
				}
				checkSnapshot(t, snap)
				if len(snap.DeadControls) > 0 {
					t.Errorf("controls that do nothing in an untrusted notebook are shown: %q", snap.DeadControls)
				}
			})
		}
	}
}
