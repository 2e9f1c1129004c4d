package gonbauth

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func fakeHost(env map[string]string, files map[string]string) host {
	return host{
		getenv: func(k string) string { return env[k] },
		exists: func(p string) bool { _, ok := files[p]; return ok },
		readFile: func(p string) ([]byte, error) {
			if c, ok := files[p]; ok {
				return []byte(c), nil
			}
			return nil, fs.ErrNotExist
		},
	}
}

func TestChooseMode(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		files     map[string]string
		s         settings
		hasDevice bool
		mode      Mode
		why       string
	}{
		{name: "laptop", mode: ModeLoopback, why: "runs on this machine"},
		{name: "laptop with cgroup v2", files: map[string]string{"/proc/1/cgroup": "0::/init.scope\n"}, mode: ModeLoopback},
		{name: "docker", files: map[string]string{"/.dockerenv": ""}, hasDevice: true, mode: ModeDevice, why: "container"},
		{name: "docker without device grant", files: map[string]string{"/.dockerenv": ""}, mode: ModePaste, why: "no device sign-in"},
		{name: "podman", files: map[string]string{"/run/.containerenv": ""}, mode: ModePaste, why: "container"},
		{name: "cgroup v1 docker", files: map[string]string{"/proc/1/cgroup": "12:cpu:/docker/0123abcd\n"}, hasDevice: true, mode: ModeDevice, why: "container"},
		{name: "kubernetes pod", env: map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, hasDevice: true, mode: ModeDevice, why: "Kubernetes"},
		{name: "jupyterhub", env: map[string]string{"JUPYTERHUB_API_URL": "http://hub:8081/hub/api"}, hasDevice: true, mode: ModeDevice, why: "JupyterHub"},
		{name: "jupyterhub prefix only", env: map[string]string{"JUPYTERHUB_SERVICE_PREFIX": "/user/me/"}, mode: ModePaste, why: "JupyterHub"},
		{name: "ssh", env: map[string]string{"SSH_CONNECTION": "10.0.0.2 5555 10.0.0.3 22"}, hasDevice: true, mode: ModeDevice, why: "SSH"},
		{name: "wsl by env", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, mode: ModePaste, why: "WSL"},
		{name: "wsl by kernel", files: map[string]string{"/proc/sys/kernel/osrelease": "5.15.90.1-microsoft-standard-WSL2"}, hasDevice: true, mode: ModeDevice, why: "WSL"},
		{name: "colab", env: map[string]string{"COLAB_RELEASE_TAG": "release-colab_20260101"}, hasDevice: true, mode: ModeDevice, why: "Colab"},
		{name: "codespaces", env: map[string]string{"CODESPACES": "true"}, mode: ModePaste, why: "Codespace"},
		{name: "vs code remote container", env: map[string]string{"REMOTE_CONTAINERS": "true"}, hasDevice: true, mode: ModeDevice, why: "VS Code"},
		{name: "redirect URL set", s: settings{redirectURL: "https://hub.example/proxy/{port}/callback"}, files: map[string]string{"/.dockerenv": ""}, mode: ModeHosted, why: "public redirect URL"},
		{name: "explicit loopback in a container", s: settings{mode: ModeLoopback}, files: map[string]string{"/.dockerenv": ""}, hasDevice: true, mode: ModeLoopback, why: "chosen"},
		{name: "explicit paste on a laptop", s: settings{mode: ModePaste}, mode: ModePaste, why: "chosen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mode, why := chooseMode(&tt.s, fakeHost(tt.env, tt.files), tt.hasDevice)
			if mode != tt.mode || !strings.Contains(why, tt.why) {
				t.Fatalf("chooseMode = %s (%q), want %s (%q)", mode, why, tt.mode, tt.why)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeAuto, "auto": ModeAuto, "Paste": ModePaste, " device ": ModeDevice, "hosted": ModeHosted, "loopback": ModeLoopback} {
		if got, err := parseMode(in); err != nil || got != want {
			t.Errorf("parseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := parseMode("oob"); err == nil || !strings.Contains(err.Error(), EnvMode) {
		t.Fatalf("err = %v", err)
	}
	if _, err := (&Config{Issuer: "https://x.example", ClientID: "c", Mode: "magic"}).resolve(envFrom(nil)); err == nil {
		t.Fatal("a bad Config.Mode was accepted")
	}
	if _, err := (&Config{Issuer: "https://x.example", ClientID: "c", Mode: ModeHosted}).resolve(envFrom(nil)); err == nil || !strings.Contains(err.Error(), EnvRedirectURL) {
		t.Fatalf("hosted without a redirect URL: %v", err)
	}
	if _, err := (&Config{Issuer: "https://x.example", ClientID: "c", RedirectURL: "http://hub.example/cb"}).resolve(envFrom(nil)); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("plain http redirect URL: %v", err)
	}
}

func TestPasteAddress(t *testing.T) {
	const redirect = "http://127.0.0.1:4242/callback"
	tests := []struct {
		name, paste string
		err         string
	}{
		{"good", "http://127.0.0.1:4242/callback?code=c&state=s&iss=x", ""},
		{"good with spaces", "  http://127.0.0.1:4242/callback?code=c&state=s \n", ""},
		{"not a URL", "hello", "not a web address"},
		{"other port", "http://127.0.0.1:4243/callback?code=c&state=s", "not where this sign-in sends"},
		{"other host", "http://localhost:4242/callback?code=c&state=s", "not where this sign-in sends"},
		{"other path", "http://127.0.0.1:4242/cb?code=c&state=s", "not where this sign-in sends"},
		{"https", "https://127.0.0.1:4242/callback?code=c&state=s", "not where this sign-in sends"},
		{"no query", "http://127.0.0.1:4242/callback", "no sign-in response"},
		{"malformed query", "http://127.0.0.1:4242/callback?code=%zz", "malformed"},
		{"too long", "http://127.0.0.1:4242/callback?code=" + strings.Repeat("a", maxQueryBytes), "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := pasteAddress(tt.paste, redirect)
			if tt.err == "" {
				if err != nil || q.Get("code") != "c" {
					t.Fatalf("q %v, err %v", q, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if strings.Contains(err.Error(), "code=") {
				t.Fatalf("the error repeats the pasted address: %v", err)
			}
		})
	}
}

// TestPasteAndRedirectShareOneGate: whichever of a paste and a redirect
// comes first ends the flow; the other is told it is over.
func TestPasteAndRedirectShareOneGate(t *testing.T) {
	c := &callbackCheck{issuer: "https://i.example", state: "s1"}
	r, err := startReceiver([]int{0}, "/callback", c.check)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	q, _ := url.ParseQuery("code=pasted&state=s1")
	if v, over := r.claim(q); over || !v.final || v.code != "pasted" {
		t.Fatalf("first claim: %+v %v", v, over)
	}
	if _, over := r.claim(q); !over {
		t.Fatal("a second answer was accepted")
	}
	if status, _, _ := get(t, "GET", r.redirectURI+"?code=late&state=s1"); status != 409 {
		t.Fatalf("the redirect after a paste: HTTP %d, want 409", status)
	}
}

func TestStatusDeviceAndPaste(t *testing.T) {
	qr, err := newQR("https://h/device?user_code=AB<CD")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	st := &viewState{where: whereNotebook, now: now, deadline: now.Add(time.Minute), host: "h", link: "https://h/device?user_code=AB<CD", userCode: "AB<CD",
		qr: qr, mode: ModeDevice, autoWhy: "runs in a container"}
	html, plain := renderHTML(st), renderPlain(st)
	for _, w := range []string{"AB&lt;CD", `src="data:image/svg+xml;base64,`, "This looks like a remote machine (the kernel runs in a container), so you will confirm a code on another device.", "<details", EnvMode} {
		if !strings.Contains(html, w) {
			t.Errorf("HTML lacks %q:\n%s", w, html)
		}
	}
	if !strings.Contains(plain, "\nhttps://h/device?user_code=AB<CD\n") || !strings.Contains(plain, "confirm the code AB<CD") {
		t.Errorf("plain:\n%s", plain)
	}
	p := &viewState{where: whereNotebook, now: now, deadline: now.Add(time.Minute), host: "h", link: "https://h/a", pasteTo: "http://127.0.0.1:1/callback", pasteErr: "its state <b>does not</b> match", mode: ModePaste}
	html, plain = renderHTML(p), renderPlain(p)
	if !strings.Contains(html, "paste it in the box below") || !strings.Contains(html, "&lt;b&gt;does not&lt;/b&gt;") {
		t.Errorf("paste HTML:\n%s", html)
	}
	if !strings.Contains(plain, "The pasted address was refused: its state <b>does not</b> match") {
		t.Errorf("paste plain:\n%s", plain)
	}
}

// The hosted mode sends Config.RedirectURL, its {port} filled with the
// listener's, and the listener takes the redirect that the public URL
// forwards (here, the test forwards it by hand).
func TestHostedModeRedirectsThroughThePublicURL(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv)
	cfg.Mode, cfg.RedirectURL = ModeHosted, "http://127.0.0.1:1/proxy/{port}/callback"
	_, link, done := startLogin(t, context.Background(), cfg)

	u, _ := url.Parse(link)
	sent := u.Query().Get("redirect_uri")
	m := regexp.MustCompile(`^http://127\.0\.0\.1:1/proxy/(\d+)/callback$`).FindStringSubmatch(sent)
	if m == nil {
		t.Fatalf("redirect_uri = %q, want the public URL with the listener's port", sent)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Path != "/proxy/"+m[1]+"/callback" {
		t.Fatalf("the server redirected to %q, err %v", resp.Header.Get("Location"), err)
	}
	browse(t, "http://127.0.0.1:"+m[1]+"/callback?"+back.RawQuery) // what the proxy forwards
	if r := wait(t, done); r.err != nil {
		t.Fatalf("Login: %v", r.err)
	}
}
