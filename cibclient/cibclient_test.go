package cibclient

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

func TestOpenFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cib.xml")
	b, _ := cib.Empty().Bytes()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	be, err := OpenEnv(context.Background(), func(k string) string {
		if k == EnvFile {
			return p
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if _, ok := be.(*cib.FileBackend); !ok {
		t.Fatalf("CIB_file should give a file backend, got %T", be)
	}
	c, err := be.Read(context.Background())
	if err != nil || c.Version().Epoch != 1 {
		t.Fatalf("read: %v", err)
	}
}

func TestOpenLiveWithoutDaemon(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "no-crmd.sock")
	_, err := OpenEnv(context.Background(), func(k string) string {
		if k == EnvSocket {
			return sock
		}
		return ""
	})
	if crmexit.Of(err) != crmexit.Disconnect {
		t.Errorf("no crmd: %v (code %d), want %d", err, crmexit.Of(err), crmexit.Disconnect)
	}
}

func TestOpenShadow(t *testing.T) {
	dir := t.TempDir()
	b, _ := cib.Empty().Bytes()
	if err := os.WriteFile(filepath.Join(dir, "shadow.test"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{EnvShadow: "test", EnvShadowDir: dir, EnvFile: "/nonexistent.xml"}
	be, err := OpenEnv(context.Background(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	fb, ok := be.(*cib.FileBackend)
	if !ok || fb.Path() != filepath.Join(dir, "shadow.test") {
		t.Fatalf("CIB_shadow should win over CIB_file: %T %v", be, be)
	}
	if _, err := be.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ShadowFile("x", func(string) string { return "" }); got != "/var/lib/pacemaker/cib/shadow.x" {
		t.Errorf("default shadow file %s", got)
	}
}
