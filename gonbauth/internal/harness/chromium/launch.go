// Package chromium is the one place gonbauth's harness starts Chromium and
// drives it with go-rod: the sign-in pages of the development server, the
// browser example of the WebAssembly module, screenshots of notebook
// output, and plain pages whose JavaScript a test evaluates.
//
// It lives in the harness module (gonbauth/internal/harness, a module of its
// own) so that go-rod never enters the module graph of gonbauth's
// importers. The tests in the main module reach it through the command
// cmd/browser, which gonbauth/internal/browsertest builds and talks to.
//
// Chromium comes from the system (/usr/bin/chromium, or $CHROMIUM_BIN): it
// is never downloaded. Every profile is fresh and temporary, and every host
// name but loopback (and those mapped to it) is unresolvable, so that
// nothing leaves the machine.
package chromium

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"
)

// DefaultBin is where Debian's chromium package installs the browser.
const DefaultBin = "/usr/bin/chromium"

// Options configure Launch.
type Options struct {
	// MapToLoopback lists host names that resolve to 127.0.0.1, e.g.
	// "pkce-insecure.test": a page at http://pkce-insecure.test:PORT/ is
	// served by a loopback server but is not a secure context.
	MapToLoopback []string
}

// Browser is a headless Chromium process. Its methods may be called from
// several goroutines; each page is opened in its own incognito context.
type Browser struct {
	Rod *rod.Browser

	launcher *launcher.Launcher
	dataDir  string

	closeOnce sync.Once
	closeErr  error
}

// Launch starts a headless Chromium with a fresh, temporary profile.
// The browser is $CHROMIUM_BIN, or /usr/bin/chromium if that is unset.
// ctx bounds the start only; the browser runs until Close.
func Launch(ctx context.Context, opts Options) (*Browser, error) {
	bin := os.Getenv("CHROMIUM_BIN")
	if bin == "" {
		bin = DefaultBin
	}
	if _, err := exec.LookPath(bin); err != nil {
		msg := fmt.Sprintf("browsertest: Chromium not found at %s: run `apt-get install chromium` (or set CHROMIUM_BIN)", bin)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("%s: %w", msg, err)
	}
	// Only loopback is reachable, and only loopback is wanted: a page that
	// refers to another host (the devInteractions layout imports a Google
	// font) must fail at once instead of sending traffic out. The rules
	// apply to IP literals too, hence the loopback exclusions.
	rules := make([]string, 0, len(opts.MapToLoopback)+4)
	for _, h := range opts.MapToLoopback {
		if h == "" || strings.ContainsAny(h, ", ") {
			return nil, fmt.Errorf("browsertest: bad host name %q", h)
		}
		rules = append(rules, "MAP "+h+" 127.0.0.1")
	}
	rules = append(rules, "MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1", "EXCLUDE [::1]", "EXCLUDE localhost")

	dataDir, err := os.MkdirTemp("", "gonbauth-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browsertest: %w", err)
	}
	// Bin is always set, so rod never tries to download a browser.
	l := launcher.New().
		Context(ctx).
		Bin(bin).
		Headless(true).
		NoSandbox(true). // root in containers and CI; the pages are our own
		UserDataDir(dataDir).
		Set("disable-gpu").
		Set("disable-background-networking").
		Set("disable-component-update").
		Set("disable-sync").
		Set("no-first-run").
		Set("disable-quic").
		Set("host-resolver-rules", strings.Join(rules, ", "))
	u, err := l.Launch()
	if err != nil {
		l.Kill()
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("browsertest: launching %s: %w", bin, err)
	}
	rb := rod.New().ControlURL(u).NoDefaultDevice()
	if err := rb.Connect(); err != nil {
		l.Kill()
		l.Cleanup()
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("browsertest: connecting to %s: %w", bin, err)
	}
	return &Browser{Rod: rb, launcher: l, dataDir: dataDir}, nil
}

// Close stops the browser and removes its temporary profile. Calling Close
// more than once returns the first result.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() {
		if err := b.Rod.Timeout(5 * time.Second).Close(); err != nil {
			b.closeErr = fmt.Errorf("browsertest: closing the browser: %w", err)
			b.launcher.Kill()
		}
		exited := make(chan struct{})
		go func() {
			b.launcher.Cleanup() // waits for the process to exit
			close(exited)
		}()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			b.launcher.Kill()
			<-exited
		}
		if err := os.RemoveAll(b.dataDir); err != nil && b.closeErr == nil {
			b.closeErr = fmt.Errorf("browsertest: %w", err)
		}
	})
	return b.closeErr
}

// NewPage opens a blank page in a new incognito browser context (no
// cookies, storage or HTTP cache shared with other pages). done disposes of
// the context, and with it the page; it works even after ctx has ended.
func (b *Browser) NewPage(ctx context.Context) (page *rod.Page, done func(), err error) {
	return b.newPage(ctx, "")
}

// newPage opens url (blank if "") in a new incognito context.
func (b *Browser) newPage(ctx context.Context, url string) (page *rod.Page, done func(), err error) {
	inc, err := b.Rod.Context(ctx).Incognito()
	if err != nil {
		return nil, nil, fmt.Errorf("browsertest: creating an incognito context: %w", err)
	}
	done = func() {
		_ = proto.TargetDisposeBrowserContext{BrowserContextID: inc.BrowserContextID}.Call(b.Rod.Timeout(5 * time.Second))
	}
	page, err = inc.Page(proto.TargetCreateTarget{URL: url})
	if err != nil {
		done()
		return nil, nil, fmt.Errorf("browsertest: opening a page %s: %w", redact(url), err)
	}
	return page.Context(ctx), done, nil
}

// Open opens url in a new page of its own incognito context and waits for
// it to load. done disposes of the context.
func (b *Browser) Open(ctx context.Context, url string) (page *rod.Page, done func(), err error) {
	page, done, err = b.newPage(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	if err := page.WaitLoad(); err != nil {
		done()
		return nil, nil, fmt.Errorf("browsertest: loading %s: %w", redact(url), err)
	}
	return page, done, nil
}

// Eval runs js, a JavaScript function expression (it may be async), with
// args (passed as JSON) in page, and returns its result as JSON. A
// JavaScript exception is returned as an error with its message.
func Eval(page *rod.Page, js string, args ...any) ([]byte, error) {
	res, err := page.Evaluate(rod.Eval(js, args...).ByPromise())
	if err != nil {
		var evalErr *rod.EvalError
		if errors.As(err, &evalErr) && evalErr.Exception != nil && evalErr.Exception.Description != "" {
			return nil, fmt.Errorf("javascript: %s", evalErr.Exception.Description)
		}
		return nil, err
	}
	return res.Value.MarshalJSON()
}
