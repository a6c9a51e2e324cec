package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pacer-ha/pacer/lrmd"
)

// fenceAgents is a minimal stand-in for the fencing package (a later
// issue): it lists the fence-agents (fence_* in the sbin directories) and
// prints their meta-data; running fence devices is the fencer's job.
type fenceAgents struct{ dirs []string }

func newFenceAgents() *fenceAgents {
	return &fenceAgents{dirs: []string{"/usr/sbin", "/usr/local/sbin", "/sbin"}}
}

func (f *fenceAgents) find(agent string) (string, error) {
	if !strings.HasPrefix(agent, "fence_") || strings.ContainsAny(agent, "/\x00") {
		return "", fmt.Errorf("%s: not a fence agent", agent)
	}
	for _, d := range f.dirs {
		p := filepath.Join(d, agent)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: No such file or directory", agent)
}

// Agents lists the installed fence agents.
func (f *fenceAgents) Agents() ([]string, error) {
	seen := map[string]bool{}
	for _, d := range f.dirs {
		matches, _ := filepath.Glob(filepath.Join(d, "fence_*"))
		for _, m := range matches {
			if _, err := f.find(filepath.Base(m)); err == nil {
				seen[filepath.Base(m)] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out, nil
}

// Metadata runs "AGENT -o metadata".
func (f *fenceAgents) Metadata(ctx context.Context, agent string) ([]byte, error) {
	p, err := f.find(agent)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "-o", "metadata").Output()
	if err != nil {
		return nil, fmt.Errorf("%s meta-data: %w", agent, err)
	}
	return out, nil
}

// Exec does not run fence devices: that needs the fencer.
func (f *fenceAgents) Exec(_ context.Context, req lrmd.Request) lrmd.Result {
	now := time.Now()
	return lrmd.Result{Request: req, RC: lrmd.OCFUnimplemented, Status: lrmd.StatusNotSupported,
		ExitReason: "fence devices are run by the fencer", Queued: now, Started: now, Exited: now, Finished: now}
}
