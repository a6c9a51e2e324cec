package lrmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/opdigest"
)

// A stand-in systemctl records its arguments and answers is-active from a
// state file, so the systemd and service classes can be tested anywhere.
func TestSystemdClass(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	state := filepath.Join(dir, "active")
	systemctl := filepath.Join(dir, "systemctl")
	script := `#!/bin/sh
echo "$*" >> ` + log + `
case "$1" in
start) : > ` + state + `; exit 0 ;;
stop) rm -f ` + state + `; exit 0 ;;
is-active) [ -e ` + state + ` ] && exit 0; exit 3 ;;
reload) exit 1 ;;
esac
exit 1
`
	if err := os.WriteFile(systemctl, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e := New(Options{OCFRoots: []string{dir}, LSBDir: filepath.Join(dir, "no-init.d"), Systemctl: systemctl,
		SystemdRunning: func() bool { return true }})
	t.Cleanup(func() { e.Close() })
	for _, class := range []string{"systemd", "service"} {
		base := Request{RscID: "web-" + class, Class: class, Type: "nginx", TimeoutMS: 10000}
		for _, s := range []struct {
			action string
			rc     int
		}{{"monitor", OCFNotRunning}, {"start", 0}, {"monitor", 0}, {"reload", OCFUnknownError}, {"stop", 0}, {"monitor", OCFNotRunning}, {"promote", OCFUnimplemented}} {
			req := base
			req.Action = s.action
			if r := e.Exec(context.Background(), req); r.RC != s.rc {
				t.Errorf("%s %s: rc %d (%v %q), want %d", class, s.action, r.RC, r.Status, r.ExitReason, s.rc)
			}
		}
	}
	calls, _ := os.ReadFile(log)
	if !strings.Contains(string(calls), "start nginx.service") || !strings.Contains(string(calls), "is-active --quiet nginx.service") {
		t.Errorf("systemctl calls:\n%s", calls)
	}
	md, err := e.Metadata(context.Background(), "systemd", "", "nginx")
	if err != nil || !md.HasAction("monitor") {
		t.Errorf("systemd meta-data: %v %+v", err, md)
	}
	if got := e.Standards(); strings.Join(got, " ") != "ocf lsb service systemd stonith" {
		t.Errorf("standards with systemd: %v", got)
	}
	off := New(Options{OCFRoots: []string{dir}, SystemdRunning: func() bool { return false }})
	if r := off.Exec(context.Background(), Request{RscID: "x", Class: "systemd", Type: "nginx", Action: "start"}); r.RC != OCFNotInstalled {
		t.Errorf("systemd class without systemd: rc %d", r.RC)
	}
	if got := off.Standards(); strings.Join(got, " ") != "ocf lsb service stonith" {
		t.Errorf("standards without systemd: %v", got)
	}
}

type fakeFencer struct{ got []Request }

func (f *fakeFencer) Exec(_ context.Context, req Request) Result {
	f.got = append(f.got, req)
	now := time.Now()
	return Result{Request: req, RC: OCFSuccess, Status: StatusDone, Started: now, Exited: now, Finished: now}
}
func (f *fakeFencer) Agents() ([]string, error) { return []string{"fence_b", "fence_a"}, nil }
func (f *fakeFencer) Metadata(context.Context, string) ([]byte, error) {
	return []byte(`<resource-agent name="fence_a"><parameters><parameter name="passwd" private="1"/></parameters><actions/></resource-agent>`), nil
}

func TestStonithHandedToFencer(t *testing.T) {
	f := &fakeFencer{}
	e := New(Options{OCFRoots: []string{t.TempDir()}, Fencer: f})
	t.Cleanup(func() { e.Close() })
	r := e.Exec(context.Background(), Request{RscID: "fence1", Class: "stonith", Type: "fence_a", Action: "monitor",
		Params: map[string]string{"ip": "10.0.0.9", "passwd": "x", "pcmk_host_list": "n1"}})
	if !r.OK() || len(f.got) != 1 || f.got[0].RscID != "fence1" || r.CallID == 0 {
		t.Errorf("stonith monitor: %+v, fencer saw %v", r, f.got)
	}
	// The secure digest leaves out the private passwd and the fencer's pcmk_* parameters.
	if want := opdigest.Digest(map[string]string{"ip": "10.0.0.9"}); r.SecureDigest != want || r.OpDigest == "" {
		t.Errorf("stonith digests %q/%q, want secure %q", r.OpDigest, r.SecureDigest, want)
	}
	if agents, err := e.Agents("stonith", ""); err != nil || strings.Join(agents, " ") != "fence_a fence_b" {
		t.Errorf("stonith agents %v %v", agents, err)
	}
	if md, err := e.Metadata(context.Background(), "stonith", "", "fence_a"); err != nil || strings.Join(md.SecureParams(), " ") != "passwd" {
		t.Errorf("stonith meta-data: %v %+v", err, md)
	}
	none := New(Options{OCFRoots: []string{t.TempDir()}})
	if r := none.Exec(context.Background(), Request{RscID: "f", Class: "stonith", Type: "fence_a", Action: "start"}); r.RC != OCFNotInstalled {
		t.Errorf("stonith without a fencer: rc %d", r.RC)
	}
}
