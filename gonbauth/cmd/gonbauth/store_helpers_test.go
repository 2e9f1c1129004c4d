package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// expireSaved sets the saved access token's expiry in the past, as the
// passing of time would, keeping the file private.
func expireSaved(t *testing.T, dir string) {
	t.Helper()
	name, m := savedFile(t, dir)
	m["token"].(map[string]any)["expiry"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	data, _ := json.Marshal(m)
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// savedFile returns the one saved sign-in in dir, decoded loosely.
func savedFile(t *testing.T, dir string) (string, map[string]any) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(names) != 1 {
		t.Fatalf("%d saved sign-ins in %s, want 1", len(names), dir)
	}
	data, err := os.ReadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return names[0], m
}
