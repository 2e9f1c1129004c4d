package gonbauth

import (
	"html"
	"io"
	"net/http"
	"strings"
)

// page is what the browser shows after a redirect reaches the listener.
type page struct {
	Title  string
	Detail string // may hold text from the server or the request: always escaped
	OK     bool
	Back   where // where the user goes back to: a notebook or a terminal
}

// pageScript shows the Close button and closes the tab when asked. A
// browser only lets a script close a tab it opened, so if the tab stays
// open the page says to close it by hand. It is constant: the page's CSP
// allows exactly this script by its hash (pageScriptHash, checked by
// TestPageScriptHash), and nothing else.
const pageScript = `var b=document.getElementById("close");b.hidden=false;b.onclick=function(){window.close();setTimeout(function(){document.getElementById("stay").hidden=false},300)};`

// pageScriptHash is the CSP source of pageScript: base64 of its SHA-256.
const pageScriptHash = "'sha256-V4eiauYXH5lhT5hlr2GV/kpwzCofIMp/IeIrFuKaslY='"

// The page is self-contained: no external assets, so it works offline and
// leaks nothing to third parties.
const pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>`

const pageStyle = `<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f6f7f9;color:#1f2328}
main{max-width:34rem;padding:2rem 2.5rem;background:#fff;border:1px solid #d0d7de;border-radius:12px}
h1{font-size:1.35rem;margin:0 0 .75rem}
.ok h1{color:#1a7f37}.bad h1{color:#cf222e}
p{line-height:1.5;margin:.5rem 0}
.detail{font-family:ui-monospace,monospace;font-size:.9rem;background:#f6f8fa;padding:.5rem .75rem;border-radius:6px;overflow-wrap:anywhere}
button{font:inherit;padding:.35rem 1rem;border-radius:6px;border:1px solid #8c959f;background:transparent;color:inherit;cursor:pointer}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}main{background:#161b22;border-color:#30363d}.ok h1{color:#3fb950}.bad h1{color:#f85149}.detail{background:#0d1117}}
</style></head>
`

// renderPage writes p. Every value is escaped with html.EscapeString.
func renderPage(w io.Writer, p page) {
	var b strings.Builder
	title := html.EscapeString(p.Title)
	b.WriteString(pageHead + title + " · gonbauth</title>\n" + pageStyle)
	class := "bad"
	if p.OK {
		class = "ok"
	}
	b.WriteString(`<body><main class="` + class + `">` + "\n<h1>" + title + "</h1>\n")
	if p.Detail != "" {
		b.WriteString(`<p class="detail">` + html.EscapeString(p.Detail) + "</p>\n")
	}
	b.WriteString("<p>You can close this tab and return to " + p.Back.backTo() + ".</p>\n")
	b.WriteString(`<p><button id="close" type="button" hidden>Close this tab</button></p>` + "\n")
	b.WriteString(`<p id="stay" hidden>This browser keeps the tab open: close it yourself.</p>` + "\n")
	b.WriteString("</main><script>" + pageScript + "</script></body></html>\n")
	io.WriteString(w, b.String())
}

// writePage renders p with headers that keep the redirect's URL (which
// holds the code) out of referrers and caches, and forbid framing and
// every script but the page's own.
func writePage(w http.ResponseWriter, status int, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src "+pageScriptHash+"; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.WriteHeader(status)
	renderPage(w, p)
}
