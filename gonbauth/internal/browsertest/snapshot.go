package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// A Theme is the page a notebook's HTML output is shown on: the page's
// colours and the CSS custom properties a Jupyter front end defines.
type Theme struct {
	Name       string            // a short name, for file names: "lab-light"
	Background string            // the page (output area) background
	Color      string            // the page's default text colour
	Vars       map[string]string // CSS custom properties set on :root
	// CSS is what the front end's own stylesheet does to an output's
	// elements, such as the colour of links (rules scoped to the output).
	CSS string
	// Untrusted shows the output as Jupyter shows it in an untrusted
	// notebook: <style>, <script>, <link>, frames, objects and event
	// handler attributes removed, javascript: links dropped.
	Untrusted bool
}

// jupyterFont is the font JupyterLab and Notebook 6 give outputs.
const jupyterFont = `system-ui, -apple-system, blinkmacsystemfont, "Segoe UI", helvetica, arial, sans-serif`

const labCSS = `.jp-RenderedHTMLCommon a{color:var(--jp-content-link-color);text-decoration:none}` +
	`.jp-RenderedHTMLCommon code{font-family:var(--jp-code-font-family);color:var(--jp-content-font-color1);background-color:var(--jp-layout-color0)}`

// classicCSS is Notebook 6's rules for links (Bootstrap 3) and code
// (.rendered_html, also the container's class).
const classicCSS = `a{color:#337ab7;text-decoration:none}.rendered_html code{color:#000;background-color:#fff}`

// JupyterLab 4's light and dark themes (packages/theme-light-extension and
// theme-dark-extension, style/variables.css), with the Material colours
// their var()s resolve to. Only the variables an output might use.
var (
	JupyterLabLight = Theme{
		Name: "lab-light", Background: "#ffffff", Color: "rgba(0, 0, 0, 0.87)", CSS: labCSS,
		Vars: map[string]string{
			"--jp-layout-color0": "#ffffff", "--jp-layout-color1": "#ffffff", "--jp-layout-color2": "#eeeeee", "--jp-layout-color3": "#bdbdbd",
			"--jp-ui-font-color0": "rgba(0, 0, 0, 1)", "--jp-ui-font-color1": "rgba(0, 0, 0, 0.87)",
			"--jp-ui-font-color2": "rgba(0, 0, 0, 0.54)", "--jp-ui-font-color3": "rgba(0, 0, 0, 0.38)",
			"--jp-ui-inverse-font-color0": "rgba(255, 255, 255, 1)", "--jp-ui-inverse-font-color1": "rgba(255, 255, 255, 1)",
			"--jp-content-font-color0": "rgba(0, 0, 0, 1)", "--jp-content-font-color1": "rgba(0, 0, 0, 0.87)",
			"--jp-content-font-color2": "rgba(0, 0, 0, 0.54)", "--jp-content-font-color3": "rgba(0, 0, 0, 0.38)",
			"--jp-content-link-color": "#1976d2",
			"--jp-brand-color0":       "#0d47a1", "--jp-brand-color1": "#1976d2", "--jp-brand-color2": "#64b5f6", "--jp-brand-color3": "#bbdefb",
			"--jp-warn-color0": "#e65100", "--jp-warn-color1": "#f57c00", "--jp-warn-color2": "#ffb74d", "--jp-warn-color3": "#ffe0b2",
			"--jp-error-color0": "#b71c1c", "--jp-error-color1": "#d32f2f", "--jp-error-color2": "#e57373", "--jp-error-color3": "#ffcdd2",
			"--jp-success-color0": "#1b5e20", "--jp-success-color1": "#388e3c", "--jp-success-color2": "#81c784", "--jp-success-color3": "#c8e6c9",
			"--jp-info-color0": "#006064", "--jp-info-color1": "#0097a7", "--jp-info-color2": "#4dd0e1", "--jp-info-color3": "#b2ebf2",
			"--jp-border-color0": "#bdbdbd", "--jp-border-color1": "#bdbdbd", "--jp-border-color2": "#e0e0e0", "--jp-border-color3": "#eeeeee",
			"--jp-cell-editor-background": "#f5f5f5", "--jp-rendermime-error-background": "#fdd",
			"--jp-ui-font-family": jupyterFont, "--jp-content-font-family": jupyterFont,
			"--jp-code-font-family": `menlo, consolas, "DejaVu Sans Mono", monospace`,
			"--jp-ui-font-size1":    "13px", "--jp-content-font-size1": "14px", "--jp-code-font-size": "13px",
		},
	}
	JupyterLabDark = Theme{
		Name: "lab-dark", Background: "#111111", Color: "rgba(255, 255, 255, 1)", CSS: labCSS,
		Vars: map[string]string{
			"--jp-layout-color0": "#111111", "--jp-layout-color1": "#212121", "--jp-layout-color2": "#424242", "--jp-layout-color3": "#616161",
			"--jp-ui-font-color0": "rgba(255, 255, 255, 1)", "--jp-ui-font-color1": "rgba(255, 255, 255, 0.87)",
			"--jp-ui-font-color2": "rgba(255, 255, 255, 0.54)", "--jp-ui-font-color3": "rgba(255, 255, 255, 0.38)",
			"--jp-ui-inverse-font-color0": "rgba(0, 0, 0, 1)", "--jp-ui-inverse-font-color1": "rgba(0, 0, 0, 0.8)",
			"--jp-content-font-color0": "rgba(255, 255, 255, 1)", "--jp-content-font-color1": "rgba(255, 255, 255, 1)",
			"--jp-content-font-color2": "rgba(255, 255, 255, 0.7)", "--jp-content-font-color3": "rgba(255, 255, 255, 0.5)",
			"--jp-content-link-color": "#64b5f6",
			"--jp-brand-color0":       "#1976d2", "--jp-brand-color1": "#2196f3", "--jp-brand-color2": "#64b5f6", "--jp-brand-color3": "#bbdefb",
			"--jp-warn-color0": "#f57c00", "--jp-warn-color1": "#ff9800", "--jp-warn-color2": "#ffb74d", "--jp-warn-color3": "#ffe0b2",
			"--jp-error-color0": "#d32f2f", "--jp-error-color1": "#f44336", "--jp-error-color2": "#e57373", "--jp-error-color3": "#ffcdd2",
			"--jp-success-color0": "#388e3c", "--jp-success-color1": "#4caf50", "--jp-success-color2": "#81c784", "--jp-success-color3": "#c8e6c9",
			"--jp-info-color0": "#0097a7", "--jp-info-color1": "#00bcd4", "--jp-info-color2": "#4dd0e1", "--jp-info-color3": "#b2ebf2",
			"--jp-border-color0": "#616161", "--jp-border-color1": "#616161", "--jp-border-color2": "#424242", "--jp-border-color3": "#212121",
			"--jp-cell-editor-background": "#212121", "--jp-rendermime-error-background": "rgba(244, 67, 54, 0.28)",
			"--jp-ui-font-family": jupyterFont, "--jp-content-font-family": jupyterFont,
			"--jp-code-font-family": `menlo, consolas, "DejaVu Sans Mono", monospace`,
			"--jp-ui-font-size1":    "13px", "--jp-content-font-size1": "14px", "--jp-code-font-size": "13px",
		},
	}
	// ClassicNotebook is Jupyter Notebook 6 (and nbconvert's HTML, and
	// VS Code's light theme as far as --jp-* goes): no --jp-* variables at
	// all, so an output's fallbacks are what shows.
	ClassicNotebook = Theme{Name: "classic", Background: "#ffffff", Color: "#000000", CSS: classicCSS}
	// Untrusted is an untrusted notebook in Notebook 6: styles and scripts
	// stripped from the output.
	Untrusted = Theme{Name: "untrusted", Background: "#ffffff", Color: "#000000", CSS: classicCSS, Untrusted: true}
)

// Themes are the themes a notebook output is checked on.
var Themes = []Theme{JupyterLabLight, JupyterLabDark, ClassicNotebook, Untrusted}

// TextContrast is one element's own text as rendered: its colour and the
// background it is drawn on, both composited over everything behind them
// (alpha, opacity), as 8-bit sRGB.
type TextContrast struct {
	Text     string   `json:"text"`     // the element's own text (not its children's), trimmed
	Tag      string   `json:"tag"`      // e.g. "div", "a", "code"
	FG       [3]uint8 `json:"fg"`       // the text colour
	BG       [3]uint8 `json:"bg"`       // the effective background
	FontSize float64  `json:"fontSize"` // CSS px
	Weight   int      `json:"weight"`
	// Unmeasured says why the background could not be known (an image or
	// gradient behind the text); FG and BG are then meaningless.
	Unmeasured string `json:"unmeasured"`
}

// Ratio is the WCAG 2 contrast ratio of FG on BG, from 1 to 21.
func (t TextContrast) Ratio() float64 { return ContrastRatio(t.FG, t.BG) }

// ContrastRatio is the WCAG 2 contrast ratio of two sRGB colours.
func ContrastRatio(a, b [3]uint8) float64 {
	la, lb := RelativeLuminance(a), RelativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// RelativeLuminance is WCAG 2's relative luminance of an sRGB colour.
func RelativeLuminance(c [3]uint8) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// Box is a rendered image or icon: an <img>, <svg> or <canvas>.
type Box struct {
	Tag    string  `json:"tag"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// Snapshot is an HTML output rendered on a Theme.
type Snapshot struct {
	Theme Theme
	// PNG is a screenshot of the output and a margin of the page around it,
	// as first shown (any <details> closed).
	PNG []byte
	// Text is the output's innerText with every <details> opened.
	Text string
	// Texts has every element with text of its own, <details> opened.
	Texts []TextContrast
	// Tofu lists the characters drawn without a glyph (an empty box).
	Tofu []string
	// Boxes are the output's images and icons, <details> opened.
	Boxes []Box
	// Stripped lists what the untrusted view removed.
	Stripped []string
	// DeadControls are the visible elements (their text, or tag) that lost
	// an event handler in the untrusted view: a button that does nothing.
	DeadControls []string
}

// Snapshot shows output, an HTML fragment as a notebook cell displays
// it, on a page dressed as theme, in a fresh incognito context, then takes
// a screenshot cropped to it and measures what a reader sees: the colour
// and background of every text, characters without a glyph, the size of
// images. The page is 800 CSS pixels wide, at a device scale of 1.
// A Camera takes many snapshots faster.
//
// If ctx has no deadline, Snapshot gives up after 60 s.
func (b *Browser) Snapshot(ctx context.Context, output string, theme Theme) (*Snapshot, error) {
	c, err := b.Camera(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Snapshot(ctx, output, theme)
}

// A Camera takes Snapshots one after another in one page of its own
// incognito context: opening a page costs more than a snapshot.
type Camera struct {
	d  *driver
	id int64
}

// Camera opens the page a Camera uses; Close closes it. ctx bounds the
// opening only.
func (b *Browser) Camera(ctx context.Context) (*Camera, error) {
	c := &Camera{d: b.d}
	if err := b.d.call(ctx, "camera", nil, &c.id); err != nil {
		return nil, err
	}
	return c, nil
}

// Close closes the Camera's page and its context.
func (c *Camera) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.d.call(ctx, "closeCamera", map[string]any{"camera": c.id}, nil)
}

// Snapshot is Browser.Snapshot in the Camera's page, which is given a new
// document each time. Calls must not overlap.
//
// If ctx has no deadline, Snapshot gives up after 60 s.
func (c *Camera) Snapshot(ctx context.Context, output string, theme Theme) (*Snapshot, error) {
	var shot struct {
		PNG      []byte          `json:"png"`
		Stripped []string        `json:"stripped"`
		Measure  json.RawMessage `json:"measure"`
	}
	params := map[string]any{"camera": c.id, "html": themePage(output, theme), "untrusted": theme.Untrusted}
	if err := c.d.call(ctx, "shoot", params, &shot); err != nil {
		return nil, fmt.Errorf("%w (on %s)", err, theme.Name)
	}
	var m struct {
		Text  string         `json:"text"`
		Texts []TextContrast `json:"texts"`
		Tofu  []string       `json:"tofu"`
		Boxes []Box          `json:"boxes"`
		Dead  []string       `json:"dead"`
		Error string         `json:"error"`
	}
	if err := json.Unmarshal(shot.Measure, &m); err != nil {
		return nil, fmt.Errorf("browsertest: measuring on %s: %w", theme.Name, err)
	}
	if m.Error != "" {
		return nil, fmt.Errorf("browsertest: measuring on %s: %s", theme.Name, m.Error)
	}
	return &Snapshot{Theme: theme, PNG: shot.PNG, Text: m.Text, Texts: m.Texts, Tofu: m.Tofu, Boxes: m.Boxes,
		Stripped: shot.Stripped, DeadControls: m.Dead}, nil
}

// themePage is the test page: the theme's variables on :root, its colours
// on the body, and the output in a container with a margin of page
// around it (Jupyter's output area pads outputs too). An untrusted output
// waits, inert, in a <template> until the driver's sanitizeJS
// (gonbauth/internal/harness/chromium) moves it in.
func themePage(output string, theme Theme) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><meta charset=\"utf-8\"><style>:root{")
	names := make([]string, 0, len(theme.Vars))
	for k := range theme.Vars {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "%s:%s;", k, theme.Vars[k])
	}
	fmt.Fprintf(&b, "}\nhtml,body{margin:0;background:%s;color:%s;font-family:%s;font-size:14px;line-height:1.3}\n", theme.Background, theme.Color, jupyterFont)
	b.WriteString("#gonbauth-snapshot{display:inline-block;padding:8px;max-width:784px;vertical-align:top}\n")
	b.WriteString(theme.CSS)
	b.WriteString("</style></head><body>")
	if theme.Untrusted {
		b.WriteString(`<div id="gonbauth-snapshot" class="jp-RenderedHTMLCommon rendered_html"></div><template id="gonbauth-source">`)
		b.WriteString(output)
		b.WriteString(`</template>`)
	} else {
		b.WriteString(`<div id="gonbauth-snapshot" class="jp-RenderedHTMLCommon rendered_html">`)
		b.WriteString(output)
		b.WriteString(`</div>`)
	}
	b.WriteString("</body></html>")
	return b.String()
}
