package gonbauth

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// sample is one state of the sign-in block, for tests that render every
// state (the message table's, and the screenshots').
type sample struct {
	name string
	st   viewState
}

// sampleStates returns one viewState per state the user can see, in the
// notebook; set st.where for the other views. now is the states' clock.
func sampleStates(now time.Time) []sample {
	link := "https://login.example.com/authorize?client_id=app&state=abc&code_challenge=xyz"
	qr, err := newQR("https://login.example.com/device?user_code=WDJB-MJHT")
	if err != nil {
		panic(err)
	}
	base := viewState{where: whereNotebook, now: now, host: "login.example.com", deadline: now.Add(4*time.Minute + 59*time.Second)}
	with := func(f func(*viewState)) viewState {
		st := base
		f(&st)
		return st
	}
	return []sample{
		{"waiting-loopback", with(func(st *viewState) { st.link, st.mode = link, ModeLoopback })},
		{"waiting-paste-refused", with(func(st *viewState) {
			st.link, st.mode, st.autoWhy, st.pasteTo = link, ModePaste, "runs in a container", "http://127.0.0.1:38123/callback"
			st.pasteErr, st.pasteErrs = "that address is not where this sign-in sends the browser", 1
		})},
		{"waiting-device", with(func(st *viewState) {
			st.link, st.userCode, st.qr, st.mode, st.autoWhy = "https://login.example.com/device?user_code=WDJB-MJHT", "WDJB-MJHT", qr, ModeDevice, "runs in a container"
		})},
		{"refused-redirect", with(func(st *viewState) {
			st.link, st.mode = link, ModeLoopback
			st.refused = []string{`its state does not match this sign-in's`}
		})},
		{"renew-refused", with(func(st *viewState) {
			st.link, st.mode, st.renew = link, ModeLoopback, "invalid_grant: grant request is invalid"
		})},
		{"exchanging", with(func(st *viewState) { st.phase = phaseExchanging })},
		{"signed-in", with(func(st *viewState) {
			st.phase, st.who, st.expiry, st.scopes = phaseSignedIn, "Alice Example <alice@example.com>", now.Add(59*time.Minute), []string{"openid", "profile", "email", "offline_access"}
		})},
		{"signed-in-saved", with(func(st *viewState) {
			st.phase, st.who, st.expiry, st.fromStore = phaseSignedIn, "Alice Example <alice@example.com>", now.Add(42*time.Minute), true
		})},
		{"failed-denied", with(func(st *viewState) {
			st.phase, st.err = phaseFailed, &AuthError{Code: "access_denied", Description: "End-User aborted interaction"}
		})},
		{"failed-timeout", with(func(st *viewState) {
			st.phase, st.err = phaseFailed, timeoutError(st.where, "no sign-in arrived", 5*time.Minute)
		})},
		{"failed-issuer", with(func(st *viewState) {
			st.phase, st.err = phaseFailed, &issuerMismatchError{loc: "https://login.example.com/.well-known/openid-configuration", got: "https://login.example.com", want: "https://login.example.com/"}
		})},
		{"failed-unreachable", with(func(st *viewState) {
			st.phase, st.err = phaseFailed, fmt.Errorf("gonbauth: fetching the issuer's metadata: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")})
		})},
		{"failed-settings", with(func(st *viewState) {
			st.phase, st.host, st.err = phaseFailed, "", missingSettings(st.where, true, true)
		})},
		{"cancelled", with(func(st *viewState) { st.phase, st.cause = phaseCancelled, "interrupt signal received" })},
	}
}

// wordedFor rewords the samples' errors for w, as Login would have.
func wordedFor(s sample, w where) viewState {
	st := s.st
	st.where = w
	switch s.name {
	case "failed-timeout":
		st.err = timeoutError(w, "no sign-in arrived", 5*time.Minute)
	case "failed-settings":
		st.err = missingSettings(w, true, true)
	}
	return st
}
