package agents

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/lrmd"
)

// buildTools builds Pacer's attribute tools into a temporary bin directory.
func buildTools(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds binaries")
	}
	bin := t.TempDir()
	for _, tool := range []string{"crm_attribute", "crm_master", "attrd_updater"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(bin, tool), "github.com/pacer-ha/pacer/cmd/"+tool).CombinedOutput()
		if err != nil {
			t.Fatalf("building %s: %v\n%s", tool, err, out)
		}
	}
	return bin
}

// ocfRoot links this directory's ocf/pacer as provider "pacer", as the
// Makefile installs it.
func ocfRoot(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("ocf", "pacer"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "resource.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(src, filepath.Join(root, "resource.d", "pacer")); err != nil {
		t.Fatal(err)
	}
	return root
}

// cibFile writes a CIB in which this host is node 1 with a status entry.
func cibFile(t *testing.T) (path, host string) {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no hostname")
	}
	path = filepath.Join(t.TempDir(), "cib.xml")
	cib := fmt.Sprintf(`<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="%s"/></nodes><resources/><constraints/></configuration><status><node_state id="1" uname="%s" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`, host, host)
	if err := os.WriteFile(path, []byte(cib), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, host
}

// transient returns the node's transient attribute name, or "" and false.
func transient(t *testing.T, path, name string) (string, bool) {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(path); err != nil {
		t.Fatal(err)
	}
	for _, nv := range doc.FindElements("//node_state/transient_attributes/instance_attributes/nvpair") {
		if nv.SelectAttrValue("name", "") == name {
			return nv.SelectAttrValue("value", ""), true
		}
	}
	return "", false
}

func step(t *testing.T, e *lrmd.Executor, req lrmd.Request, action string, want int) {
	t.Helper()
	req.Action = action
	res := e.Exec(context.Background(), req)
	if res.Status != lrmd.StatusDone || res.RC != want {
		t.Fatalf("%s %s: rc %d status %v reason %q (want %d)\nstderr: %s", req.Type, action, res.RC, res.Status, res.ExitReason, want, res.Stderr)
	}
}

func checkAttr(t *testing.T, cib, name, want string) {
	t.Helper()
	got, ok := transient(t, cib, name)
	switch {
	case want == "" && ok:
		t.Errorf("%s still set (%q)", name, got)
	case want != "" && got != want:
		t.Errorf("%s = %q (set %v), want %q", name, got, ok, want)
	}
}

// TestStatefulWithPacerTools: Pacer's Stateful publishes its promotion score
// through Pacer's crm_attribute, found first on PATH.
func TestStatefulWithPacerTools(t *testing.T) {
	bin := buildTools(t)
	cib, _ := cibFile(t)
	e := lrmd.New(lrmd.Options{OCFRoots: []string{ocfRoot(t)}, ToolDir: bin, Env: []string{"CIB_file=" + cib}})
	defer e.Close()
	req := lrmd.Request{RscID: "st:0", Class: "ocf", Provider: "pacer", Type: "Stateful", TimeoutMS: 20000,
		Params: map[string]string{"state": filepath.Join(t.TempDir(), "st.state")}}
	step(t, e, req, "start", 0)
	checkAttr(t, cib, "master-st:0", "5")
	step(t, e, req, "promote", 0)
	step(t, e, req, "monitor", lrmd.OCFRunningPromoted)
	checkAttr(t, cib, "master-st:0", "10")
	step(t, e, req, "demote", 0)
	checkAttr(t, cib, "master-st:0", "5")
	step(t, e, req, "stop", 0)
	checkAttr(t, cib, "master-st:0", "")
}

// TestStatefulWithPacemakerTools: the same agent works with Pacemaker's
// crm_attribute on PATH.
func TestStatefulWithPacemakerTools(t *testing.T) {
	pcmk, err := exec.LookPath("crm_attribute")
	if err != nil {
		t.Skip("Pacemaker's crm_attribute not installed")
	}
	cib, _ := cibFile(t)
	e := lrmd.New(lrmd.Options{OCFRoots: []string{ocfRoot(t)}, ToolDir: filepath.Dir(pcmk), Env: []string{"CIB_file=" + cib}})
	defer e.Close()
	req := lrmd.Request{RscID: "st", Class: "ocf", Provider: "pacer", Type: "Stateful", TimeoutMS: 20000,
		Params: map[string]string{"state": filepath.Join(t.TempDir(), "st.state")}}
	step(t, e, req, "start", 0)
	checkAttr(t, cib, "master-st", "5")
	step(t, e, req, "promote", 0)
	checkAttr(t, cib, "master-st", "10")
	step(t, e, req, "stop", 0)
	checkAttr(t, cib, "master-st", "")
}

// TestHeartbeatStatefulWithPacerTools: an agent from resource-agents
// reaches Pacer's crm_attribute through HA_SBIN_DIR.
func TestHeartbeatStatefulWithPacerTools(t *testing.T) {
	if _, err := os.Stat("/usr/lib/ocf/resource.d/heartbeat/Stateful"); err != nil {
		t.Skip("resource-agents not installed")
	}
	bin := buildTools(t)
	cib, _ := cibFile(t)
	e := lrmd.New(lrmd.Options{OCFRoots: []string{"/usr/lib/ocf"}, ToolDir: bin, Env: []string{"CIB_file=" + cib}})
	defer e.Close()
	req := lrmd.Request{RscID: "hb", Class: "ocf", Provider: "heartbeat", Type: "Stateful", TimeoutMS: 20000,
		Params: map[string]string{"state": filepath.Join(t.TempDir(), "hb.state")}}
	step(t, e, req, "start", 0)
	checkAttr(t, cib, "master-hb", "5")
	step(t, e, req, "promote", 0)
	checkAttr(t, cib, "master-hb", "10")
	// This agent refuses to stop while promoted: demote first.
	step(t, e, req, "demote", 0)
	step(t, e, req, "stop", 0)
	checkAttr(t, cib, "master-hb", "")
}

// TestPingInNamespace: in a namespace with only loopback, one of two targets
// answers, so the attribute is 1 x multiplier; stop removes it.
func TestPingInNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	if _, err := exec.LookPath("ping"); err != nil {
		t.Skip("ping (iputils-ping) not installed")
	}
	bin := buildTools(t)
	cib, _ := cibFile(t)
	ns := fmt.Sprintf("pacer-ping-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up: %v: %s", err, out)
	}
	// The agent runs inside the namespace: 10.255.255.1 has no route
	// there, so no packet leaves it.
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "pacer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	agent, _ := filepath.Abs(filepath.Join("ocf", "pacer", "ping"))
	wrapper := fmt.Sprintf("#!/bin/sh\nexec ip netns exec %s %s \"$@\"\n", ns, agent)
	if err := os.WriteFile(filepath.Join(dir, "ping"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	e := lrmd.New(lrmd.Options{OCFRoots: []string{root}, ToolDir: bin, Env: []string{"CIB_file=" + cib}})
	defer e.Close()
	req := lrmd.Request{RscID: "net", Class: "ocf", Provider: "pacer", Type: "ping", TimeoutMS: 30000,
		Params: map[string]string{"host_list": "127.0.0.1 10.255.255.1", "multiplier": "100", "attempts": "1", "timeout": "1",
			"pidfile": filepath.Join(t.TempDir(), "ping.state")}}
	step(t, e, req, "monitor", lrmd.OCFNotRunning)
	step(t, e, req, "start", 0)
	checkAttr(t, cib, "pingd", "100")
	// Losing the network: loopback down, nothing answers.
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "down").CombinedOutput(); err != nil {
		t.Fatalf("lo down: %v: %s", err, out)
	}
	step(t, e, req, "monitor", 0)
	checkAttr(t, cib, "pingd", "0")
	failing := req
	failing.Params = map[string]string{}
	for k, v := range req.Params {
		failing.Params[k] = v
	}
	failing.Params["failure_score"] = "100"
	step(t, e, failing, "monitor", lrmd.OCFUnknownError)
	step(t, e, req, "stop", 0)
	checkAttr(t, cib, "pingd", "")
}

// TestOCFTester runs resource-agents' ocf-tester on each agent. Its
// meta-data check validates against the OCF 1.0 DTD, which rejects the OCF
// 1.1 attributes (reloadable, unique-group, reload-agent) that Pacemaker's
// own agents use as well; every other check must pass.
func TestOCFTester(t *testing.T) {
	tester, err := exec.LookPath("ocf-tester")
	if err != nil {
		t.Skip("ocf-tester (resource-agents) not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("ocf-tester needs root")
	}
	root := ocfRoot(t)
	// ocf-tester runs meta-data as nobody: the tree must be readable.
	for _, d := range []string{filepath.Dir(root), root, filepath.Join(root, "resource.d")} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for agent, opts := range map[string][]string{
		"Dummy":    {"-o", "state=" + filepath.Join(dir, "d.state")},
		"Stateful": {"-o", "state=" + filepath.Join(dir, "s.state")},
		"ping":     {"-o", "host_list=127.0.0.1", "-o", "attempts=1", "-o", "timeout=1", "-o", "pidfile=" + filepath.Join(dir, "p.pid")},
	} {
		args := append([]string{"-n", "t" + agent}, opts...)
		args = append(args, filepath.Join(root, "resource.d", "pacer", agent))
		cmd := exec.Command(tester, args...)
		cmd.Env = append(os.Environ(), "OCF_ROOT="+root)
		out, _ := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "* rc=") && !strings.Contains(line, "does not conform to ra-api-1.dtd") {
				t.Errorf("ocf-tester %s: %s", agent, line)
			}
		}
		if !strings.Contains(string(out), "failed 1 tests") && !strings.Contains(string(out), "passed all tests") {
			t.Errorf("ocf-tester %s: unexpected summary:\n%s", agent, out)
		}
	}
}
