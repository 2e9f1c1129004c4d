package gonbauth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// This file holds what gonbauth accepts of a token or device response
// beyond its text: the token type, and the numbers that drive timers and
// loops (expires_in, interval), clamped to sane bounds.

// Bounds of the numbers a server sends.
const (
	// minTokenLifetime is the lifetime given to a token whose expires_in
	// is negative (or under a second): it would otherwise make every
	// request refresh. A short but real lifetime (a 12 s test token) is
	// kept: refreshing early is the server's wish.
	minTokenLifetime = 30 * time.Second
	// maxTokenLifetime is the longest: a token is refreshed at least this
	// often, whatever the server says.
	maxTokenLifetime = 400 * 24 * time.Hour
	// defaultPollInterval is RFC 8628 §3.2's default interval.
	defaultPollInterval = 5
	// maxPollInterval bounds the device grant's interval, in seconds.
	maxPollInterval = 60
	// minDeviceLifetime and maxDeviceLifetime bound a device code's
	// expires_in; outside them it is ignored and Config.Timeout governs.
	minDeviceLifetime = 10 * time.Second
	maxDeviceLifetime = 24 * time.Hour
)

// checkBearer accepts only Bearer tokens (RFC 6749 §7.1, RFC 6750; the
// type is case-insensitive): gonbauth sends the token as a Bearer
// Authorization header, which would be wrong, and possibly a leak, for
// any other type (DPoP, MAC, N_A, Basic...). An empty token_type, which
// RFC 6749 §5.1 forbids but some servers send, is taken as Bearer, as
// x/oauth2 does.
func checkBearer(tokenType string) error {
	if tokenType == "" || strings.EqualFold(tokenType, "bearer") {
		return nil
	}
	return fmt.Errorf("gonbauth: the server issued a token of type %s, not Bearer: gonbauth only sends Bearer tokens (RFC 6750); ask the server's operator to issue Bearer tokens to this client", quoted(tokenType))
}

// checkToken applies checkBearer, checks that the access token is one
// that can be sent and printed, and clamps the expiry of a token response
// received at now.
func checkToken(tok *oauth2.Token, now time.Time) error {
	if err := checkBearer(tok.TokenType); err != nil {
		return err
	}
	if !visibleASCII(tok.AccessToken) {
		// `gonbauth token` prints it, and a header cannot carry it whole.
		return errors.New("gonbauth: the server issued an access token with characters other than visible ASCII (RFC 6750 §2.1): it cannot be sent or printed safely; ask the server's operator")
	}
	tok.Expiry = clampExpiry(tok.Expiry, now)
	return nil
}

// visibleASCII reports whether s holds only visible ASCII characters
// (no controls, spaces or anything a terminal could interpret).
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// clampExpiry gives an expiry already past (a negative expires_in) a
// lifetime of minTokenLifetime, and caps it at maxTokenLifetime from now;
// zero (no stated expiry) stays zero.
func clampExpiry(exp, now time.Time) time.Time {
	switch {
	case exp.IsZero():
		return exp
	case exp.Before(now.Add(time.Second)):
		return now.Add(minTokenLifetime)
	case exp.After(now.Add(maxTokenLifetime)):
		return now.Add(maxTokenLifetime)
	}
	return exp
}

// clampDevice bounds a device authorization response received at now
// before x/oauth2 polls with it: a negative or overflowing interval
// panics inside its ticker, and a nonsensical expires_in is dropped.
func clampDevice(da *oauth2.DeviceAuthResponse, now time.Time) {
	switch {
	case da.Interval <= 0:
		da.Interval = defaultPollInterval
	case da.Interval > maxPollInterval:
		da.Interval = maxPollInterval
	}
	if !da.Expiry.IsZero() && (da.Expiry.Before(now.Add(minDeviceLifetime)) || da.Expiry.After(now.Add(maxDeviceLifetime))) {
		da.Expiry = time.Time{}
	}
}
