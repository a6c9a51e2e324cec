package netcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Build compiles Pacer's tools (import paths below cmd/, e.g. "crmd",
// "crm_mon"; none means all of them) into dir/bin and links the repository's
// own OCF agents as dir/lib/ocf/resource.d/pacer, the layout make produces,
// where crmd's executor finds them. repo is the repository root; race builds
// with the race detector. It returns dir/bin.
func Build(ctx context.Context, repo, dir string, race bool, tools ...string) (string, error) {
	bin := filepath.Join(dir, "bin")
	ocf := filepath.Join(dir, "lib", "ocf", "resource.d")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", fmt.Errorf("netcluster: %w", err)
	}
	if err := os.MkdirAll(ocf, 0o755); err != nil {
		return "", fmt.Errorf("netcluster: %w", err)
	}
	link := filepath.Join(ocf, "pacer")
	if _, err := os.Lstat(link); os.IsNotExist(err) {
		if err := os.Symlink(filepath.Join(repo, "agents", "ocf", "pacer"), link); err != nil {
			return "", fmt.Errorf("netcluster: linking the agents: %w", err)
		}
	}
	pkgs := []string{"./cmd/..."}
	if len(tools) > 0 {
		pkgs = nil
		for _, t := range tools {
			pkgs = append(pkgs, "./cmd/"+t)
		}
	}
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkgs...)...)
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("netcluster: go build %v: %w\n%s", pkgs, err, out)
	}
	return bin, nil
}

// Tools builds Pacer's tools once per test process, into a temporary
// directory that Remove deletes (call it from TestMain after m.Run). The zero
// value is ready; Race and Only (tool names, none: all) choose the build.
type Tools struct {
	Race bool
	Only []string

	once sync.Once
	tmp  string
	bin  string
	err  error
}

// Bin builds on first use and returns the bin directory (with lib/ocf
// beside it); a failed build fails t, every time it is asked.
func (b *Tools) Bin(t testing.TB, repo string) string {
	t.Helper()
	b.once.Do(func() {
		if b.tmp, b.err = os.MkdirTemp("", "pacer-tools-"); b.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		b.bin, b.err = Build(ctx, repo, b.tmp, b.Race, b.Only...)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.bin
}

// Remove deletes what Bin built.
func (b *Tools) Remove() {
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}
