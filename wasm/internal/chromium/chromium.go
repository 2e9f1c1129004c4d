// Package chromium drives a headless Chromium for the tests and the
// benchmark of the WebAssembly module (wasm/): a small go-rod driver.
//
// gonbauth/internal/browsertest cannot be imported from wasm/ (Go's internal
// rule), and these tests need a flag it does not take: host names mapped to
// 127.0.0.1, to load pages from an origin that is not a secure context. The
// launch flags are otherwise the same: Chromium from the system
// ($CHROMIUM_BIN, else /usr/bin/chromium, never downloaded), a fresh
// temporary profile, and every host name but loopback unresolvable, so that
// nothing leaves the machine.
package chromium

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
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

// Browser is a headless Chromium. Rod is the go-rod connection.
type Browser struct {
	Rod *rod.Browser

	launcher *launcher.Launcher
	dataDir  string
	once     sync.Once
	err      error
}

// Launch starts Chromium. ctx bounds the start only.
func Launch(ctx context.Context, opts Options) (*Browser, error) {
	bin := os.Getenv("CHROMIUM_BIN")
	if bin == "" {
		bin = DefaultBin
	}
	if _, err := exec.LookPath(bin); err != nil {
		return nil, fmt.Errorf("chromium: Chromium not found at %s: run `apt-get install chromium` (or set CHROMIUM_BIN): %w", bin, err)
	}
	rules := make([]string, 0, len(opts.MapToLoopback)+4)
	for _, h := range opts.MapToLoopback {
		if h == "" || strings.ContainsAny(h, ", ") {
			return nil, fmt.Errorf("chromium: bad host name %q", h)
		}
		rules = append(rules, "MAP "+h+" 127.0.0.1")
	}
	rules = append(rules, "MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1", "EXCLUDE [::1]", "EXCLUDE localhost")

	dataDir, err := os.MkdirTemp("", "gonbauth-wasm-chromium-")
	if err != nil {
		return nil, fmt.Errorf("chromium: %w", err)
	}
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
		return nil, fmt.Errorf("chromium: launching %s: %w", bin, err)
	}
	rb := rod.New().ControlURL(u).NoDefaultDevice()
	if err := rb.Connect(); err != nil {
		l.Kill()
		l.Cleanup()
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("chromium: connecting to %s: %w", bin, err)
	}
	return &Browser{Rod: rb, launcher: l, dataDir: dataDir}, nil
}

// LaunchT starts a browser for a test and closes it when the test ends.
func LaunchT(t testing.TB, opts Options) *Browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := Launch(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("closing the browser: %v", err)
		}
	})
	return b
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() error {
	b.once.Do(func() {
		if err := b.Rod.Timeout(5 * time.Second).Close(); err != nil {
			b.err = fmt.Errorf("chromium: closing the browser: %w", err)
			b.launcher.Kill()
		}
		done := make(chan struct{})
		go func() {
			b.launcher.Cleanup() // waits for the process to exit
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			b.launcher.Kill()
			<-done
		}
		if err := os.RemoveAll(b.dataDir); err != nil && b.err == nil {
			b.err = fmt.Errorf("chromium: %w", err)
		}
	})
	return b.err
}

// Open opens url in a new incognito context (no shared cookies, storage or
// HTTP cache) and waits for it to load. close disposes of the context.
func (b *Browser) Open(ctx context.Context, url string) (page *rod.Page, close func(), err error) {
	inc, err := b.Rod.Context(ctx).Incognito()
	if err != nil {
		return nil, nil, fmt.Errorf("chromium: creating an incognito context: %w", err)
	}
	close = func() {
		_ = proto.TargetDisposeBrowserContext{BrowserContextID: inc.BrowserContextID}.Call(b.Rod.Timeout(5 * time.Second))
	}
	page, err = inc.Page(proto.TargetCreateTarget{URL: url})
	if err != nil {
		close()
		return nil, nil, fmt.Errorf("chromium: opening %s: %w", url, err)
	}
	page = page.Context(ctx)
	if err := page.WaitLoad(); err != nil {
		close()
		return nil, nil, fmt.Errorf("chromium: loading %s: %w", url, err)
	}
	return page, close, nil
}

// Eval runs js, a JavaScript function expression (it may be async), with
// args (passed as JSON) in page, and decodes its result into out. A
// JavaScript exception is returned as an error with its message.
func Eval(page *rod.Page, out any, js string, args ...any) error {
	res, err := page.Evaluate(rod.Eval(js, args...).ByPromise())
	if err != nil {
		var evalErr *rod.EvalError
		if errors.As(err, &evalErr) && evalErr.Exception != nil && evalErr.Exception.Description != "" {
			return fmt.Errorf("javascript: %s", evalErr.Exception.Description)
		}
		return err
	}
	if out == nil {
		return nil
	}
	return res.Value.Unmarshal(out)
}
