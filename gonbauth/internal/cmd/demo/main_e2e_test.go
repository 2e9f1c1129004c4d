//go:build e2e

package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestDemoAuto runs the README's main job unattended: the real bundled
// server, a real sign-in in headless Chromium, userinfo with the token.
func TestDemoAuto(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-auto", "-timeout", "1m"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, &stderr)
	}
	var info map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		t.Fatalf("stdout is not the userinfo JSON: %v\n%s", err, &stdout)
	}
	if info["sub"] != "alice" || info["email"] != "alice@example.test" {
		t.Fatalf("userinfo: %v", info)
	}
	errText := stderr.String()
	if !regexp.MustCompile(`(?m)^http://127\.0\.0\.1:\d+/auth\?\S+$`).MatchString(errText) {
		t.Errorf("the sign-in link is not alone on a line of stderr:\n%s", errText)
	}
	for _, want := range []string{"gonbauth: signed in to", "development server stopped"} {
		if !strings.Contains(errText, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errText)
		}
	}
	// JWTs (access and ID tokens of oidc-provider's JWT profile) start
	// with eyJ; opaque tokens are long base64url runs with no other use here.
	if regexp.MustCompile(`eyJ[\w-]{20,}|[\w-]{43,}`).MatchString(stdout.String()) {
		t.Errorf("stdout looks like it holds a token:\n%s", &stdout)
	}
}

func TestDemoTimesOutCleanly(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-timeout", "1s"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d\n%s", code, &stderr)
	}
	if !strings.Contains(stderr.String(), "sign-in timed out") || !strings.Contains(stderr.String(), "development server stopped") {
		t.Fatalf("stderr:\n%s", &stderr)
	}
	if stdout.Len() != 0 {
		t.Fatalf("stdout: %q", &stdout)
	}
}
