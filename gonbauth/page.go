package gonbauth

import (
	"html/template"
	"net/http"
)

// page is what the browser shows after a redirect reaches the listener.
type page struct {
	Title  string
	Detail string // may hold text from the server or the request: always escaped
	OK     bool
}

// pageTemplate is self-contained: no scripts, no external assets, so the
// page works offline and leaks nothing to third parties. html/template
// escapes every field.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · gonbauth</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f6f7f9;color:#1f2328}
main{max-width:34rem;padding:2rem 2.5rem;background:#fff;border:1px solid #d0d7de;border-radius:12px}
h1{font-size:1.35rem;margin:0 0 .75rem}
.ok h1{color:#1a7f37}.bad h1{color:#cf222e}
p{line-height:1.5;margin:.5rem 0}
.detail{font-family:ui-monospace,monospace;font-size:.9rem;background:#f6f8fa;padding:.5rem .75rem;border-radius:6px;overflow-wrap:anywhere}
</style></head>
<body><main class="{{if .OK}}ok{{else}}bad{{end}}">
<h1>{{.Title}}</h1>
{{if .Detail}}<p class="detail">{{.Detail}}</p>{{end}}
<p>You can close this tab and return to your notebook.</p>
</main></body></html>
`))

// writePage renders p with headers that keep the redirect's URL (which
// holds the code) out of referrers and caches, and forbid framing and
// scripts.
func writePage(w http.ResponseWriter, status int, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, p)
}
