// Command browser runs one headless Chromium (package chromium) and does
// what gonbauth/internal/browsertest asks of it: one JSON request a line
// on stdin, one JSON answer a line on stdout, in the order they finish.
// browsertest builds and starts it; a person never needs to.
//
// The first line out says whether Chromium started: {"id":0,"result":
// {"version":...}} or {"id":0,"error":...}, after which the command exits.
// Requests run concurrently; each has an id its answer repeats, an op, and
// an optional deadline (RFC 3339; without one a request gives up after 60 s):
//
//	signIn, deviceSignIn, pageSignIn  url, opts: the sign-in pages
//	visit                             url: open it and say where it ended
//	eval                              url, js, args: open url in a fresh
//	                                  context, run the function js(...args),
//	                                  answer its JSON result
//	camera                            open a Camera: its id
//	shoot                             camera, html, untrusted: a Shot
//	closeCamera                       camera
//	cancel                            cancel: the id of a request to stop
//
// An answer's error is a message; "ctx" adds "deadline" or "canceled" when
// the request's context ended it. At the end of stdin the command closes
// the browser (removing its profile) and exits.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/gonbauth/gonbauth/gonbauth/internal/harness/chromium"
)

// defaultTimeout bounds a request that comes without a deadline, so that a
// page that never loads fails a test instead of hanging it.
const defaultTimeout = 60 * time.Second

type request struct {
	ID        int64                  `json:"id"`
	Op        string                 `json:"op"`
	Deadline  time.Time              `json:"deadline,omitzero"`
	URL       string                 `json:"url,omitempty"`
	Opts      chromium.SignInOptions `json:"opts,omitzero"`
	Camera    int64                  `json:"camera,omitempty"`
	HTML      string                 `json:"html,omitempty"`
	Untrusted bool                   `json:"untrusted,omitempty"`
	JS        string                 `json:"js,omitempty"`
	Args      []any                  `json:"args,omitempty"`
	Cancel    int64                  `json:"cancel,omitempty"`
}

type response struct {
	ID     int64  `json:"id"`
	Result any    `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
	Ctx    string `json:"ctx,omitempty"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("browser: ")
	hosts := flag.String("map-to-loopback", "", "comma-separated host names that resolve to 127.0.0.1")
	flag.Parse()
	var opts chromium.Options
	if *hosts != "" {
		opts.MapToLoopback = strings.Split(*hosts, ",")
	}
	d := &driver{out: json.NewEncoder(os.Stdout), cameras: map[int64]camera{}, cancels: map[int64]context.CancelFunc{}}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	b, err := chromium.Launch(ctx, opts)
	cancel()
	if err != nil {
		d.answer(0, nil, err)
		os.Exit(1)
	}
	d.b = b
	version, err := proto.BrowserGetVersion{}.Call(b.Rod)
	if err != nil {
		b.Close()
		d.answer(0, nil, fmt.Errorf("browsertest: asking Chromium its version: %w", err))
		os.Exit(1)
	}
	d.answer(0, map[string]string{"version": version.Product}, nil)

	err = d.serve(os.Stdin)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}
}

// driver answers requests with one browser.
type driver struct {
	b *chromium.Browser

	outMu sync.Mutex
	out   *json.Encoder

	mu      sync.Mutex
	nextCam int64
	cameras map[int64]camera
	cancels map[int64]context.CancelFunc
}

// serve reads requests until in ends, runs each in its own goroutine, and
// waits for them (cancelled) before returning.
func (d *driver) serve(in io.Reader) error {
	dec := json.NewDecoder(in)
	var wg sync.WaitGroup
	defer func() {
		d.mu.Lock()
		for _, cancel := range d.cancels {
			cancel()
		}
		d.mu.Unlock()
		wg.Wait()
		for _, c := range d.cameras {
			c.close()
		}
	}()
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading a request: %w", err)
		}
		if req.Op == "cancel" {
			d.mu.Lock()
			if cancel := d.cancels[req.Cancel]; cancel != nil {
				cancel()
			}
			d.mu.Unlock()
			continue
		}
		if req.Deadline.IsZero() {
			req.Deadline = time.Now().Add(defaultTimeout)
		}
		ctx, cancel := context.WithDeadline(context.Background(), req.Deadline)
		d.mu.Lock()
		d.cancels[req.ID] = cancel
		d.mu.Unlock()
		wg.Go(func() {
			res, err := d.do(ctx, req)
			d.mu.Lock()
			delete(d.cancels, req.ID)
			d.mu.Unlock()
			cancel()
			d.answer(req.ID, res, err)
		})
	}
}

func (d *driver) answer(id int64, res any, err error) {
	r := response{ID: id, Result: res}
	if err != nil {
		r.Error = err.Error()
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			r.Ctx = "deadline"
		case errors.Is(err, context.Canceled):
			r.Ctx = "canceled"
		}
	}
	d.outMu.Lock()
	defer d.outMu.Unlock()
	if err := d.out.Encode(r); err != nil {
		log.Fatalf("writing an answer: %v", err)
	}
}

// camera is an open Camera and what ends its page's context.
type camera struct {
	*chromium.Camera
	cancel context.CancelFunc
}

func (c camera) close() {
	if c.Camera != nil {
		c.Close()
		c.cancel()
	}
}

func (d *driver) do(ctx context.Context, req request) (any, error) {
	switch req.Op {
	case "signIn":
		return d.b.SignIn(ctx, req.URL, req.Opts)
	case "deviceSignIn":
		return d.b.DeviceSignIn(ctx, req.URL, req.Opts)
	case "pageSignIn":
		return d.b.PageSignIn(ctx, req.URL, req.Opts)
	case "visit":
		return d.b.Visit(ctx, req.URL)
	case "eval":
		page, done, err := d.b.Open(ctx, req.URL)
		if err != nil {
			return nil, err
		}
		defer done()
		res, err := chromium.Eval(page, req.JS, req.Args...)
		return json.RawMessage(res), err
	case "camera":
		// The camera's page keeps the context it is opened with: not the
		// request's, which ends with the answer, but one that this
		// request's end cancels only if the opening is not done by then.
		camCtx, camCancel := context.WithCancel(context.Background())
		stop := context.AfterFunc(ctx, camCancel)
		c, err := d.b.Camera(camCtx)
		if !stop() || err != nil {
			camCancel()
			return nil, errors.Join(err, ctx.Err())
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		d.nextCam++
		d.cameras[d.nextCam] = camera{c, camCancel}
		return d.nextCam, nil
	case "shoot":
		d.mu.Lock()
		c := d.cameras[req.Camera]
		d.mu.Unlock()
		if c.Camera == nil {
			return nil, fmt.Errorf("browsertest: no camera %d", req.Camera)
		}
		return c.Shoot(ctx, req.HTML, req.Untrusted)
	case "closeCamera":
		d.mu.Lock()
		c := d.cameras[req.Camera]
		delete(d.cameras, req.Camera)
		d.mu.Unlock()
		c.close()
		return nil, nil
	}
	return nil, fmt.Errorf("browsertest: unknown op %q", req.Op)
}
