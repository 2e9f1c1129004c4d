package devserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAccessTokenTTLOption(t *testing.T) {
	if _, err := Start(context.Background(), Options{AccessTokenTTL: -time.Second}); err == nil {
		t.Error("Start with a negative AccessTokenTTL succeeded")
	}
}

func TestStartWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), Options{})
	if err == nil {
		t.Fatal("Start succeeded without node on PATH")
	}
	for _, want := range []string{"devserver: ", "Node.js 20+", "apt-get install nodejs npm"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestDir(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"server.mjs", "package.json", "package-lock.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
