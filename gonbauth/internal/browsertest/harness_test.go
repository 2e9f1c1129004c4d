package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The client side of the driver's protocol, against a stand-in driver: this
// test binary run again as TestFakeDriver.

// fakeDriver starts the stand-in; start, if not "", is its start-up error.
func fakeDriver(t *testing.T, start string) (*driver, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFakeDriver$")
	cmd.Env = append(os.Environ(), "GONBAUTH_FAKE_DRIVER=1", "GONBAUTH_FAKE_DRIVER_START="+start)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return runDriver(ctx, cmd)
}

// TestFakeDriver is the stand-in driver when GONBAUTH_FAKE_DRIVER is set,
// and nothing otherwise. Its ops: echo answers its url; fail answers an
// error; hang answers, once cancelled or past its deadline, an error that
// wraps the context's; exit exits with status 3.
func TestFakeDriver(t *testing.T) {
	if os.Getenv("GONBAUTH_FAKE_DRIVER") != "1" {
		return
	}
	out := json.NewEncoder(os.Stdout)
	var mu sync.Mutex
	answer := func(a map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		out.Encode(a)
	}
	if msg := os.Getenv("GONBAUTH_FAKE_DRIVER_START"); msg != "" {
		answer(map[string]any{"id": 0, "error": msg})
		os.Exit(1)
	}
	answer(map[string]any{"id": 0, "result": map[string]string{"version": "fake"}})
	cancels := map[int64]context.CancelFunc{}
	dec := json.NewDecoder(os.Stdin)
	for {
		var req struct {
			ID       int64     `json:"id"`
			Op       string    `json:"op"`
			URL      string    `json:"url"`
			Deadline time.Time `json:"deadline"`
			Cancel   int64     `json:"cancel"`
		}
		if err := dec.Decode(&req); err != nil {
			os.Exit(0)
		}
		switch req.Op {
		case "echo":
			answer(map[string]any{"id": req.ID, "result": Result{FinalURL: req.URL, Text: "echo"}})
		case "fail":
			answer(map[string]any{"id": req.ID, "error": "browsertest: it failed"})
		case "hang":
			if req.Deadline.IsZero() { // as cmd/browser does
				req.Deadline = time.Now().Add(time.Minute)
			}
			ctx, cancel := context.WithDeadline(context.Background(), req.Deadline)
			mu.Lock()
			cancels[req.ID] = cancel
			mu.Unlock()
			go func() {
				<-ctx.Done()
				kind := map[bool]string{true: "deadline", false: "canceled"}[errors.Is(ctx.Err(), context.DeadlineExceeded)]
				answer(map[string]any{"id": req.ID, "error": "browsertest: stuck: " + ctx.Err().Error(), "ctx": kind})
			}()
		case "cancel":
			mu.Lock()
			cancels[req.Cancel]()
			mu.Unlock()
		case "exit":
			os.Exit(3)
		}
	}
}

func TestDriverAnswersEachCall(t *testing.T) {
	d, err := fakeDriver(t, "")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			var res Result
			want := fmt.Sprintf("http://127.0.0.1/%d", i)
			if err := d.call(context.Background(), "echo", map[string]any{"url": want}, &res); err != nil || res.FinalURL != want {
				t.Errorf("call %d: %+v, %v; want %s", i, res, err, want)
			}
		})
	}
	wg.Wait()
	if err := d.call(context.Background(), "fail", nil, nil); err == nil || err.Error() != "browsertest: it failed" {
		t.Errorf("a failing op: %v", err)
	}
	if err := d.closeOnce(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// A request that outlives its context: the driver's answer says where it
// was stuck and wraps the context's error, deadline or cancellation.
func TestDriverContextEnds(t *testing.T) {
	d, err := fakeDriver(t, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.closeOnce()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = d.call(ctx, "hang", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "browsertest: stuck:") {
		t.Errorf("past the deadline: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err = d.call(ctx, "hang", nil, nil)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "browsertest: stuck:") {
		t.Errorf("cancelled: %v", err)
	}
}

func TestDriverStartFails(t *testing.T) {
	const msg = "browsertest: Chromium not found at /nowhere"
	if _, err := fakeDriver(t, msg); err == nil || err.Error() != msg {
		t.Errorf("start: %v, want %q", err, msg)
	}
}

func TestDriverStops(t *testing.T) {
	d, err := fakeDriver(t, "")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := d.call(context.Background(), "exit", nil, nil); err == nil || !strings.Contains(err.Error(), "stopped answering") {
			t.Errorf("after the driver exits: %v", err)
		}
	}
	if err := d.closeOnce(); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("close: %v, want the exit status", err)
	}
}
