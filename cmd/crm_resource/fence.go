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

	"github.com/pacer-ha/pacer/cib"
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

// lhaPlugins is where cluster-glue's (Linux-HA) stonith plugins live.
const lhaPlugins = "/usr/lib/stonith/plugins"

// List is what Pacemaker lists for the stonith class: the Linux-HA plugins
// (sorted), then the fence agents (sorted).
func (f *fenceAgents) List() []string {
	var lha []string
	if ents, err := os.ReadDir(filepath.Join(lhaPlugins, "stonith2")); err == nil {
		for _, e := range ents {
			name, ok := strings.CutSuffix(e.Name(), ".so")
			// external and rhcs are bridges to other kinds of agents.
			if ok && name != "external" && name != "rhcs" {
				lha = append(lha, name)
			}
		}
	}
	if ents, err := os.ReadDir(filepath.Join(lhaPlugins, "external")); err == nil {
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
				lha = append(lha, "external/"+e.Name())
			}
		}
	}
	sort.Strings(lha)
	fence, _ := f.Agents()
	return append(lha, fence...)
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
	// Pacemaker re-lays the agent's XML out, and adds the start and stop
	// actions the fencer performs for every device.
	root, err := cib.ParseElement(out)
	if err != nil {
		return nil, fmt.Errorf("%s meta-data: %w", agent, err)
	}
	// The fencer always supplies the action and the target (port/plug), so
	// they are never required from the configuration.
	for _, prm := range root.FindElements("parameters/parameter") {
		switch prm.SelectAttrValue("name", "") {
		case "action", "port", "plug":
			if prm.SelectAttr("required") != nil {
				prm.CreateAttr("required", "0")
			}
		}
	}
	actions := root.SelectElement("actions")
	if actions == nil {
		actions = root.CreateElement("actions")
	}
	for _, a := range []string{"stop", "start"} {
		if actions.FindElement("action[@name='"+a+"']") == nil {
			el := actions.CreateElement("action")
			el.CreateAttr("name", a)
			el.CreateAttr("timeout", "20s")
		}
	}
	return cib.Format(root), nil
}

// Exec does not run fence devices: that needs the fencer.
func (f *fenceAgents) Exec(_ context.Context, req lrmd.Request) lrmd.Result {
	now := time.Now()
	return lrmd.Result{Request: req, RC: lrmd.OCFUnimplemented, Status: lrmd.StatusNotSupported,
		ExitReason: "fence devices are run by the fencer", Queued: now, Started: now, Exited: now, Finished: now}
}
