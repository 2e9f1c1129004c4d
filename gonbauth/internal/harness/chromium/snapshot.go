package chromium

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// A Camera renders pages one after another in one page of its own
// incognito context (opening a page costs more than a snapshot): 800 CSS
// pixels wide, at a device scale of 1.
type Camera struct {
	page *rod.Page
	done func()
}

// Camera opens the page a Camera uses; Close closes it. ctx bounds the
// opening only.
func (b *Browser) Camera(ctx context.Context) (*Camera, error) {
	page, done, err := b.NewPage(ctx)
	if err != nil {
		return nil, err
	}
	if err := (proto.EmulationSetDeviceMetricsOverride{Width: 800, Height: 600, DeviceScaleFactor: 1}).Call(page); err != nil {
		done()
		return nil, fmt.Errorf("browsertest: setting the viewport: %w", err)
	}
	return &Camera{page: page, done: done}, nil
}

// Close closes the Camera's page and its context.
func (c *Camera) Close() { c.done() }

// Shot is what Camera.Shoot saw; browsertest.Snapshot documents it.
type Shot struct {
	PNG      []byte   `json:"png"`
	Stripped []string `json:"stripped"`
	// Measure is measureJS's result: text, texts, tofu, boxes, dead.
	Measure json.RawMessage `json:"measure"`
}

// Shoot loads html, a page made by browsertest (the output in an element
// #gonbauth-snapshot, or, untrusted, in a <template id="gonbauth-source">
// that sanitizeJS moves there), takes a screenshot cropped to the output,
// and measures what a reader sees. Calls must not overlap.
func (c *Camera) Shoot(ctx context.Context, html string, untrusted bool) (*Shot, error) {
	page := c.page.Context(ctx)
	if err := page.SetDocumentContent(html); err != nil {
		return nil, fmt.Errorf("browsertest: loading the page: %w", err)
	}
	if _, err := page.Eval(`() => document.fonts.ready`); err != nil {
		return nil, fmt.Errorf("browsertest: waiting for fonts: %w", err)
	}
	shot := &Shot{}
	if untrusted {
		res, err := page.Eval(sanitizeJS)
		if err != nil {
			return nil, fmt.Errorf("browsertest: sanitizing the output: %w", err)
		}
		if err := res.Value.Unmarshal(&shot.Stripped); err != nil {
			return nil, fmt.Errorf("browsertest: sanitizing the output: %w", err)
		}
	}
	el, err := page.Element("#gonbauth-snapshot")
	if err != nil {
		return nil, fmt.Errorf("browsertest: finding the output: %w", err)
	}
	if shot.PNG, err = el.Screenshot(proto.PageCaptureScreenshotFormatPng, 0); err != nil {
		return nil, fmt.Errorf("browsertest: screenshot: %w", err)
	}
	res, err := page.Eval(measureJS)
	if err != nil {
		return nil, fmt.Errorf("browsertest: measuring: %w", err)
	}
	shot.Measure = json.RawMessage(res.Value.String())
	return shot, nil
}

// sanitizeJS does what Jupyter does to HTML in an untrusted notebook:
// styles and active content go; inline style attributes stay. It returns
// what it removed.
const sanitizeJS = `() => {
	const src = document.getElementById('gonbauth-source').content.cloneNode(true);
	const removed = [];
	for (const el of src.querySelectorAll('script, style, link, iframe, object, embed, meta, base')) {
		removed.push('<' + el.localName + '>');
		el.remove();
	}
	for (const el of src.querySelectorAll('*')) {
		for (const a of [...el.attributes]) {
			const v = a.value.trim().toLowerCase();
			if (a.name.startsWith('on') || ((a.name === 'href' || a.name === 'src' || a.name === 'action') && v.startsWith('javascript:'))) {
				removed.push(a.name + ' on <' + el.localName + '>');
				el.removeAttribute(a.name);
				el.setAttribute('data-gonbauth-stripped', '');
			}
		}
	}
	document.getElementById('gonbauth-snapshot').append(src);
	return removed;
}`

// measureJS opens every <details>, then reads every element's own text
// with its colour and background composited on a 1x1 canvas (which also
// turns any CSS colour syntax into sRGB), finds characters drawn as the
// missing-glyph box, and the size of images and icons.
const measureJS = `() => {
	const root = document.getElementById('gonbauth-snapshot');
	for (const d of root.querySelectorAll('details')) d.open = true;
	const cv = document.createElement('canvas');
	cv.width = cv.height = 1;
	const cx = cv.getContext('2d', {willReadFrequently: true});
	const chain = (el) => { const c = []; for (let e = el; e; e = e.parentElement) c.unshift(e); return c; };
	const paint = (els, fg) => {
		cx.globalAlpha = 1; cx.globalCompositeOperation = 'source-over';
		cx.fillStyle = '#ffffff'; cx.fillRect(0, 0, 1, 1); // the canvas behind the page
		let alpha = 1, bgImage = '';
		for (const e of els) {
			const cs = getComputedStyle(e);
			alpha *= parseFloat(cs.opacity);
			if (cs.backgroundImage && cs.backgroundImage !== 'none') bgImage = e.localName + ' has background-image ' + cs.backgroundImage.slice(0, 60);
			cx.globalAlpha = alpha; cx.fillStyle = cs.backgroundColor; cx.fillRect(0, 0, 1, 1);
		}
		const bg = [...cx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
		cx.globalAlpha = alpha; cx.fillStyle = fg; cx.fillRect(0, 0, 1, 1);
		const f = [...cx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
		return {bg, fg: f, bgImage};
	};
	// A character as drawn in font, as a hash of its pixels: the box a
	// font draws for characters it lacks always hashes the same.
	const g = document.createElement('canvas');
	g.width = g.height = 48;
	const gx = g.getContext('2d', {willReadFrequently: true});
	const glyph = (ch, font) => {
		gx.clearRect(0, 0, 48, 48);
		gx.font = font; gx.fillStyle = '#000'; gx.textBaseline = 'top';
		gx.fillText(ch, 4, 4);
		const d = gx.getImageData(0, 0, 48, 48).data;
		let h = 0;
		for (let i = 3; i < d.length; i += 4) h = (Math.imul(h, 31) + d[i] + 1) | 0;
		return h;
	};
	const missing = {};
	const texts = [], tofu = new Set();
	for (const el of root.querySelectorAll('*')) {
		if (el.closest('svg') || !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
		let own = '';
		for (const n of el.childNodes) if (n.nodeType === Node.TEXT_NODE) own += n.textContent;
		own = own.replace(/\s+/g, ' ').trim();
		if (!own) continue;
		const cs = getComputedStyle(el);
		const p = paint(chain(el), cs.color);
		texts.push({text: own.slice(0, 120), tag: el.localName, fg: p.fg, bg: p.bg,
			fontSize: parseFloat(cs.fontSize), weight: parseInt(cs.fontWeight, 10), unmeasured: p.bgImage});
		const font = cs.fontStyle + ' ' + cs.fontWeight + ' 24px ' + cs.fontFamily;
		if (!(font in missing)) missing[font] = glyph('\u0378', font);
		for (const ch of new Set([...own])) {
			if (ch.codePointAt(0) < 0x7f || /\s/.test(ch)) continue;
			if (glyph(ch, font) === missing[font]) tofu.add(ch);
		}
	}
	const blank = glyph(' ', '24px sans-serif');
	if (Object.values(missing).some((m) => m === blank)) {
		return JSON.stringify({error: 'the missing-glyph box draws nothing in this browser: tofu cannot be detected'});
	}
	const boxes = [];
	for (const el of root.querySelectorAll('img, svg, canvas')) {
		if (el.parentElement.closest('svg')) continue;
		const r = el.getBoundingClientRect();
		boxes.push({tag: el.localName, width: r.width, height: r.height});
	}
	const dead = [];
	for (const el of root.querySelectorAll('[data-gonbauth-stripped]')) {
		if (el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) dead.push(el.innerText.trim() || '<' + el.localName + '>');
	}
	return JSON.stringify({text: root.innerText, texts, tofu: [...tofu], boxes, dead});
}`
