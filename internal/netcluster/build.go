package netcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
