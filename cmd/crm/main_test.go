package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

const emptyCIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`

func newCIBFile(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(f, []byte(emptyCIB), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// runCrm runs our crm in-process against the CIB file path.
func runCrm(t *testing.T, path, stdin string, args ...string) (stdout, stderr string, code crmexit.Code) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		open: func(context.Context) (store, error) { return cib.NewFileBackend(path), nil }}
	cmd := a.command()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errb.String(), crmexit.Of(err)
}

func TestOneShotFailureWritesNothing(t *testing.T) {
	f := newCIBFile(t)
	if _, e, code := runCrm(t, f, "", "configure", "primitive", "p1", "ocf:heartbeat:Dummy"); code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	before, _ := os.ReadFile(f)
	_, stderr, code := runCrm(t, f, "", "configure", "primitive", "p2", "ocf:heartbeat:Dummy", "op", "monitor", "foo")
	if code != crmexit.Err {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "ERROR: ") || !strings.Contains(stderr, "(word 6)") {
		t.Errorf("stderr %q should name word 6", stderr)
	}
	after, _ := os.ReadFile(f)
	if !bytes.Equal(before, after) {
		t.Errorf("failed command changed the CIB:\n%s", after)
	}
}

func TestScriptSkipsFailingLine(t *testing.T) {
	f := newCIBFile(t)
	script := filepath.Join(t.TempDir(), "s.crm")
	text := "configure\nprimitive p1 ocf:heartbeat:Dummy\nlocation l1 p1 100 node1\nprimitive p3 ocf:heartbeat:Dummy\nshow p3\n"
	if err := os.WriteFile(script, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCrm(t, f, "", "-f", script)
	if code != crmexit.Err {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, script+":3: syntax in location") {
		t.Errorf("stderr %q should name line 3", stderr)
	}
	if out != "primitive p3 Dummy\n" {
		t.Errorf("show output %q", out)
	}
	c, err := cib.ParseFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version().Epoch != 2 {
		t.Errorf("epoch %d, want 2", c.Version().Epoch)
	}
	ids := c.Root().FindElements("//primitive")
	if len(ids) != 2 {
		t.Errorf("want p1 and p3, got %d primitives", len(ids))
	}
}

func TestStdinAndLevels(t *testing.T) {
	f := newCIBFile(t)
	_, stderr, code := runCrm(t, f, "primitive p1 ocf:heartbeat:Dummy\nprimitive p2 ocf:heartbeat:Dummy\n", "configure")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, _, code = runCrm(t, f, "configure primitive p3 ocf:heartbeat:Dummy\nbogus\n")
	if code != crmexit.Err {
		t.Errorf("top-level bogus: exit %d, want 1", code)
	}
	out, _, _ := runCrm(t, f, "", "configure", "show")
	if out != "primitive p1 Dummy\nprimitive p2 Dummy\nprimitive p3 Dummy\n" {
		t.Errorf("show = %q", out)
	}
	if out, _, code := runCrm(t, f, "", "status"); code != 0 || !strings.Contains(out, "Full List of Resources:") {
		t.Errorf("status: exit %d, output %q", code, out)
	}
}

func TestHelp(t *testing.T) {
	out, _, code := runCrm(t, newCIBFile(t), "", "--help")
	if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--file") {
		t.Errorf("help (exit %d):\n%s", code, out)
	}
}

// TestOneShotAgainstCrmsh runs the same single-shot commands through crmsh and
// ours, each on its own CIB file, and compares exit codes and configurations.
func TestOneShotAgainstCrmsh(t *testing.T) {
	if _, err := exec.LookPath("crm"); err != nil {
		t.Skip("crmsh not installed")
	}
	load := filepath.Join(t.TempDir(), "upd.crm")
	if err := os.WriteFile(load, []byte("primitive p1 Dummy \\\n\tparams fake=9\nprimitive p9 Dummy\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmds := [][]string{
		{"property", "stonith-enabled=false"},
		{"primitive", "p1", "ocf:heartbeat:Dummy", "params", "fake=1", "op", "monitor", "interval=10s"},
		{"primitive", "p2", "ocf:heartbeat:Dummy", "op", "monitor", "foo"},
		{"primitive", "p2", "ocf:heartbeat:Dummy"},
		{"location", "l1", "p1", "-inf:", "node1"},
		{"colocation", "c1", "inf:", "p1", "p2"},
		{"group", "g1", "p1", "p2"},
		{"rename", "g1", "g2"},
		{"load", "update", load},
		{"delete", "nosuch"},
	}
	theirs, ours := newCIBFile(t), newCIBFile(t)
	for _, c := range cmds {
		cmd := exec.Command("crm", append([]string{"-F", "-D", "plain", "configure"}, c...)...)
		cmd.Env = append(os.Environ(), "CIB_file="+theirs, "HOME="+t.TempDir())
		_ = cmd.Run()
		want := 0
		if cmd.ProcessState != nil {
			want = cmd.ProcessState.ExitCode()
		}
		_, stderr, got := runCrm(t, ours, "", append([]string{"configure"}, c...)...)
		if int(got) != want {
			t.Errorf("%v: exit %d, crmsh %d (%s)", c, got, want, stderr)
		}
	}
	if a, b := configOf(t, theirs), configOf(t, ours); a != b {
		t.Errorf("configuration differs\n--- crmsh\n%s\n--- pacer\n%s", a, b)
	}
	show := exec.Command("crm", "-D", "plain", "configure", "show")
	show.Env = append(os.Environ(), "CIB_file="+theirs, "HOME="+t.TempDir())
	want, _ := show.Output()
	got, _, _ := runCrm(t, theirs, "", "configure", "show")
	if strings.TrimSpace(string(want)) != strings.TrimSpace(got) {
		t.Errorf("show differs\n--- crmsh\n%s\n--- pacer\n%s", want, got)
	}
}

// configOf is the file's <configuration> with whitespace dropped.
func configOf(t *testing.T, path string) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.ReadSettings.PreserveCData = true
	if err := doc.ReadFromFile(path); err != nil {
		t.Fatal(err)
	}
	cfg := doc.Root().SelectElement("configuration")
	d := etree.NewDocument()
	d.SetRoot(cfg.Copy())
	d.Indent(1)
	s, _ := d.WriteToString()
	return s
}

// crmsh exits 1 whatever went wrong; so must we (here: no CIB file).
func TestMissingCIBExitsOne(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.xml")
	_, stderr, code := runCrm(t, missing, "", "configure", "show")
	if code != crmexit.Err || !strings.HasPrefix(stderr, "ERROR: ") {
		t.Errorf("exit %d, stderr %q; want 1 and an ERROR line", code, stderr)
	}
}

func TestVerify(t *testing.T) {
	f := newCIBFile(t)
	if _, e, code := runCrm(t, f, "", "configure", "primitive", "p1", "ocf:heartbeat:Dummy"); code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	if _, e, code := runCrm(t, f, "", "configure", "verify"); code != 0 {
		t.Errorf("verify of a good CIB: exit %d: %s", code, e)
	}
	// A dangling reference can only come from outside (crm refuses to write one).
	bad := strings.Replace(emptyCIB, "<constraints/>",
		`<constraints><rsc_location id="l1" rsc="ghost" score="100" node="n1"/></constraints>`, 1)
	if err := os.WriteFile(f, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCrm(t, f, "", "configure", "verify")
	if code != crmexit.Err || !strings.Contains(stderr, "ghost") {
		t.Errorf("verify with a dangling reference: exit %d, stderr %q", code, stderr)
	}
}
