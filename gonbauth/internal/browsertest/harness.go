package browsertest

// The harness module (gonbauth/internal/harness) holds go-rod and gozxing
// in a module of its own, so that the library's module never requires them.
// This file builds its commands with the go command and talks to them.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// harnessDir is the harness module's directory in this checkout.
func harnessDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "harness")
}

// builds holds one build of each harness command per process: the first
// caller builds (the go command's cache makes it quick after the first
// time), later ones reuse the result.
var builds struct {
	sync.Mutex
	byName map[string]func() (string, error)
}

// harnessCommand builds the harness's cmd/<name> into its .bin directory
// (ignored by git and by ./... patterns) and returns its path. go build
// leaves an up-to-date binary alone, which takes a fraction of a second; a
// file lock keeps test processes that build at once from writing it
// together.
func harnessCommand(name string) (string, error) {
	builds.Lock()
	if builds.byName == nil {
		builds.byName = map[string]func() (string, error){}
	}
	build := builds.byName[name]
	if build == nil {
		build = sync.OnceValues(func() (string, error) { return goBuild(name) })
		builds.byName[name] = build
	}
	builds.Unlock()
	return build()
}

func goBuild(name string) (string, error) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("browsertest: the go command builds the harness's %s, and it is not on PATH: %w", name, err)
	}
	dir := harnessDir()
	binDir := filepath.Join(dir, ".bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", fmt.Errorf("browsertest: %w", err)
	}
	lock := flock.New(filepath.Join(binDir, name+".lock"))
	if err := lock.Lock(); err != nil {
		return "", fmt.Errorf("browsertest: locking the harness's %s for building: %w", name, err)
	}
	defer lock.Unlock()
	bin := filepath.Join(binDir, name)
	cmd := exec.Command(gocmd, "build", "-o", bin, "./cmd/"+name)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("browsertest: building the harness's %s (go build ./cmd/%s in %s): %w\n%s", name, name, dir, err, out)
	}
	return bin, nil
}

// driver is a running harness cmd/browser: requests go to its stdin as JSON
// lines, answers come back on its stdout, matched by id.
type driver struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu      sync.Mutex // guards what follows and writes to stdin
	enc     *json.Encoder
	nextID  int64
	waiting map[int64]chan answer
	stopped error         // why answers stopped coming, once they have
	done    chan struct{} // closed when they stop

	closing  sync.Once
	closeErr error
}

type answer struct {
	ID     int64           `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Ctx    string          `json:"ctx"`
}

// startDriver builds and starts the browser driver with args.
func startDriver(ctx context.Context, args ...string) (*driver, error) {
	bin, err := harnessCommand("browser")
	if err != nil {
		return nil, err
	}
	return runDriver(ctx, exec.Command(bin, args...))
}

// runDriver starts cmd, a browser driver, and waits, within ctx, for its
// first answer: whether Chromium started.
func runDriver(ctx context.Context, cmd *exec.Cmd) (*driver, error) {
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("browsertest: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("browsertest: %w", err)
	}
	started := make(chan answer, 1)
	d := &driver{cmd: cmd, stdin: stdin, enc: json.NewEncoder(stdin), waiting: map[int64]chan answer{0: started}, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("browsertest: starting the browser driver: %w", err)
	}
	go d.read(stdout)
	select {
	case a := <-started:
		if a.Error != "" {
			d.close()
			return nil, a.err()
		}
		return d, nil
	case <-d.done:
		d.close()
		return nil, d.stopped
	case <-ctx.Done():
		cmd.Process.Kill()
		d.close()
		return nil, fmt.Errorf("browsertest: starting Chromium: %w", ctx.Err())
	}
}

// read hands each answer to its caller until stdout ends.
func (d *driver) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 256<<20) // screenshots
	for sc.Scan() {
		var a answer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			continue // not an answer: nothing waits for it
		}
		d.mu.Lock()
		if ch := d.waiting[a.ID]; ch != nil {
			delete(d.waiting, a.ID)
			ch <- a
		}
		d.mu.Unlock()
	}
	d.mu.Lock()
	d.stopped = errors.New("browsertest: the browser driver (gonbauth/internal/harness/cmd/browser) stopped answering")
	if err := sc.Err(); err != nil {
		d.stopped = fmt.Errorf("%w: %w", d.stopped, err)
	}
	d.mu.Unlock()
	close(d.done)
}

// call sends op with params and decodes the answer's result into out (if
// not nil). ctx's deadline travels with the request; if ctx ends first, the
// request is cancelled and its answer, which says where it stopped, awaited
// a little longer.
func (d *driver) call(ctx context.Context, op string, params map[string]any, out any) error {
	req := map[string]any{"op": op}
	maps.Copy(req, params)
	if dl, ok := ctx.Deadline(); ok {
		req["deadline"] = dl
	}
	ch := make(chan answer, 1)
	d.mu.Lock()
	if d.stopped != nil {
		d.mu.Unlock()
		return d.stopped
	}
	d.nextID++
	id := d.nextID
	req["id"] = id
	d.waiting[id] = ch
	err := d.enc.Encode(req)
	d.mu.Unlock()
	if err != nil {
		// Most likely the driver has exited: say so once the reader knows.
		select {
		case <-d.done:
			return d.stopped
		case <-time.After(time.Second):
			return fmt.Errorf("browsertest: sending %s to the browser driver: %w", op, err)
		}
	}
	var a answer
	select {
	case a = <-ch:
	case <-d.done:
		return d.stopped
	case <-ctx.Done():
		d.mu.Lock()
		_ = d.enc.Encode(map[string]any{"op": "cancel", "cancel": id})
		d.mu.Unlock()
		select {
		case a = <-ch:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("browsertest: %s: %w", op, ctx.Err())
		}
	}
	if a.Error != "" {
		e := a.err()
		if e.ctx != nil && ctx.Err() != nil {
			// The request was cancelled because ctx ended: say how.
			e.ctx = ctx.Err()
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(a.Result, out); err != nil {
		return fmt.Errorf("browsertest: the browser driver's answer to %s: %w", op, err)
	}
	return nil
}

// close ends the driver's input, which makes it close Chromium and exit,
// and waits for it (killing it after 30 s).
func (d *driver) close() error {
	d.stdin.Close()
	exited := make(chan error, 1)
	go func() { exited <- d.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("browsertest: the browser driver: %w", err)
		}
		return nil
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		<-exited
		return errors.New("browsertest: the browser driver did not exit within 30 s of its input ending: killed")
	}
}

// closeOnce is close, once; later calls return the first result.
func (d *driver) closeOnce() error {
	d.closing.Do(func() { d.closeErr = d.close() })
	return d.closeErr
}

// err is the answer's error, which wraps the context's error when a
// deadline or a cancellation ended the request.
func (a answer) err() *remoteError {
	e := &remoteError{msg: a.Error}
	switch a.Ctx {
	case "deadline":
		e.ctx = context.DeadlineExceeded
	case "canceled":
		e.ctx = context.Canceled
	}
	return e
}

type remoteError struct {
	msg string
	ctx error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.ctx }
