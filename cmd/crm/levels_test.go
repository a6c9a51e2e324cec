package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// levelsScript builds a CIB with groups, a clone of a group, a promotable
// clone and attributes already set, to exercise crmsh's rules for where
// start/stop/manage write.
const levelsScript = `configure
primitive a ocf:heartbeat:Dummy meta target-role=Stopped is-managed=false
primitive b ocf:heartbeat:Dummy meta target-role=Stopped is-managed=false
group g a b meta target-role=Stopped is-managed=false
clone cl g meta is-managed=false
primitive p ocf:heartbeat:Dummy meta target-role=Stopped
primitive q ocf:heartbeat:Dummy params x=1
group g2 p q
primitive d ocf:heartbeat:Dummy meta target-role=Stopped
clone cl2 d meta target-role=Started
primitive e ocf:heartbeat:Dummy
ms m e
commit
`

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestLevelsAgainstCrmsh runs resource, node, status and ra commands through
// real crmsh and through Pacer's crm on copies of the same CIB files and
// compares the CIB (configuration and version), standard output and exit
// status.
func TestLevelsAgainstCrmsh(t *testing.T) {
	if _, err := exec.LookPath("crm"); err != nil {
		t.Skip("crmsh not installed")
	}
	host := localNode(context.Background())
	dir := t.TempDir()
	example, err := os.ReadFile("../../docs/examples/cib.xml")
	if err != nil {
		t.Fatal(err)
	}
	bases := map[string]string{"example": filepath.Join(dir, "example.xml"), "rich": filepath.Join(dir, "rich.xml")}
	if err := os.WriteFile(bases["example"], example, 0o600); err != nil {
		t.Fatal(err)
	}
	// rich: two nodes, the second named after this host (crmsh only puts
	// nodes it can reach in standby), built by Pacer's configure level.
	rich := strings.Replace(emptyCIB, "<nodes/>", `<nodes><node id="1" uname="node1"/><node id="2" uname="`+host+`"/></nodes>`, 1)
	if err := os.WriteFile(bases["rich"], []byte(rich), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCrm(t, bases["rich"], levelsScript); code != 0 {
		t.Fatalf("building the rich CIB: exit %d: %s", code, stderr)
	}
	// moved: the example with a cli-prefer constraint, made by crmsh.
	bases["moved"] = filepath.Join(dir, "moved.xml")
	if err := os.WriteFile(bases["moved"], example, 0o600); err != nil {
		t.Fatal(err)
	}
	runCrmsh(t, bases["moved"], "resource", "move", "db", "node2")
	// attrs: rich with node attributes set by crmsh.
	bases["attrs"] = filepath.Join(dir, "attrs.xml")
	data, err := os.ReadFile(bases["rich"])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bases["attrs"], data, 0o600); err != nil {
		t.Fatal(err)
	}
	runCrmsh(t, bases["attrs"], "node", "maintenance", "node1")
	runCrmsh(t, bases["attrs"], "node", "attribute", "node1", "set", "foo", "bar")

	cases := []struct {
		base string
		args string
	}{
		{"example", "resource start db"},
		{"example", "resource stop db"},
		{"example", "resource unmanage db"},
		{"example", "resource stop web"},
		{"example", "resource manage web"},
		{"example", "resource stop web-ip"},
		{"example", "resource stop nosuch"},
		{"example", "resource param web-fs set a b"},
		{"example", "resource meta web-fs set a b"},
		{"example", "resource param web set a b"},
		{"example", "resource param web-ip set fake 1"},
		{"example", "resource param nosuch set a b"},
		{"example", "resource param web-ip show fake"},
		{"example", "resource param web-ip delete fake"},
		{"example", "resource meta db show resource-stickiness"},
		{"example", "resource move db node2"},
		{"example", "resource migrate db node3"},
		{"example", "resource ban db node2"},
		{"example", "resource ban db"},
		{"example", "resource restart db"},
		{"example", "resource restart nosuch"},
		{"example", "resource status"},
		{"example", "resource status db"},
		{"example", "resource locate web"},
		{"moved", "resource clear db"},
		{"moved", "resource unmove db"},
		{"moved", "resource clear db node2"},
		{"moved", "resource move db node1"},
		{"rich", "resource stop a b"},
		{"rich", "resource start a"},
		{"rich", "resource start g"},
		{"rich", "resource start cl"},
		{"rich", "resource manage cl"},
		{"rich", "resource manage g"},
		{"rich", "resource start g2"},
		{"rich", "resource stop p"},
		{"rich", "resource stop d"},
		{"rich", "resource start cl2"},
		{"rich", "resource stop m"},
		{"rich", "node standby " + host},
		{"rich", "node standby"},
		{"rich", "node maintenance node1"},
		{"rich", "node ready " + host},
		{"rich", "node attribute node1 set foo bar"},
		{"rich", "node utilization " + host + " set cpu 4"},
		{"rich", "node show"},
		{"rich", "node show node1"},
		{"attrs", "node show"},
		{"attrs", "node ready node1"},
		{"attrs", "node attribute node1 set foo baz"},
		{"attrs", "node maintenance node1"},
		{"example", "status"},
		{"example", "status bynode"},
		{"example", "status inactive"},
		{"example", "status failcounts"},
		{"example", "status simple"},
		{"example", "ra classes"},
		{"example", "ra list ocf pacemaker"},
		{"example", "ra list ocf"},
		{"example", "ra providers Dummy"},
		{"example", "ra info ocf:heartbeat:apache"},
		{"example", "ra info ocf:heartbeat:IPsrcaddr"},
	}
	for _, c := range cases {
		args := strings.Fields(c.args)
		theirs, ours := filepath.Join(dir, "theirs.xml"), filepath.Join(dir, "ours.xml")
		for _, f := range []string{theirs, ours} {
			data, err := os.ReadFile(bases[c.base])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		wantOut, wantCode := runCrmsh(t, theirs, args...)
		gotOut, gotErr, gotCode := runCrm(t, ours, "", args...)
		if int(gotCode) != wantCode {
			t.Errorf("%s: exit %d, crmsh %d (%s)", c.args, gotCode, wantCode, gotErr)
		}
		if a, b := comparable(wantOut), comparable(gotOut); a != b {
			t.Errorf("%s: output differs\n--- crmsh\n%s--- pacer\n%s", c.args, a, b)
		}
		if a, b := configOf(t, theirs), configOf(t, ours); a != b {
			t.Errorf("%s: configuration differs\n--- crmsh\n%s\n--- pacer\n%s", c.args, a, b)
		}
		if a, b := versionOf(t, theirs), versionOf(t, ours); a != b {
			t.Errorf("%s: version %s, crmsh %s", c.args, b, a)
		}
	}
}

// runCrmsh runs crmsh on file and returns its standard output and exit code.
func runCrmsh(t *testing.T, file string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("crm", append([]string{"-D", "plain"}, args...)...)
	cmd.Env = append(os.Environ(), "CIB_file="+file, "HOME="+t.TempDir())
	out, _ := cmd.Output()
	code := 0
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	return string(out), code
}

// comparable drops colours and the clock line of status output.
func comparable(s string) string {
	s = ansi.ReplaceAllString(s, "")
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "  * Last updated: ") {
			b.WriteString(l)
		}
	}
	return b.String()
}

func versionOf(t *testing.T, path string) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(path); err != nil {
		t.Fatal(err)
	}
	r := doc.Root()
	return r.SelectAttrValue("admin_epoch", "") + "." + r.SelectAttrValue("epoch", "") + "." + r.SelectAttrValue("num_updates", "")
}

// Bad level commands fail with crmsh's exit status 1 (3 for what Pacer does
// not do yet), never panic, and leave the CIB file as it was.
func TestLevelErrorsWriteNothing(t *testing.T) {
	example, err := os.ReadFile("../../docs/examples/cib.xml")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(f, example, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := []string{
		"resource bogus", "resource stop", "resource stop web-ip nosuch",
		"resource param", "resource param db", "resource param db set", "resource param db set a",
		"resource param db bogus a", "resource meta nosuch set a b", "resource param db set 'a b' 1",
		"resource move", "resource move nosuch node1", "resource move db nosuch", "resource move db node1 PXYZ",
		"resource move db node1 node2 node3 node1", "resource clear", "resource clear db node1", "resource clear nosuch",
		"resource ban db", "resource cleanup nosuch", "resource cleanup db nosuch", "resource cleanup a b c",
		"resource failcount db", "resource failcount db show nosuch", "resource failcount db set node1 5",
		"resource restart nosuch", "resource locate", "resource status nosuch",
		"node bogus", "node standby nosuch", "node standby node1 sometimes", "node standby node1 forever x",
		"node maintenance node1 reboot", "node attribute", "node attribute node1 set", "node attribute node1 set a",
		"node attribute nosuch set a b", "node attribute node1 bogus a", "node utilization node1 show nope",
		"node status-attr nosuch set a 1", "node show nosuch", "node fence node1",
		"status bogus", "ra bogus", "ra list", "ra list nope", "ra providers", "ra info",
	}
	for _, c := range bad {
		_, stderr, code := runCrm(t, f, "", strings.Fields(c)...)
		if code != 1 && code != 3 {
			t.Errorf("%s: exit %d, want 1 or 3", c, code)
		}
		if strings.TrimSpace(stderr) == "" {
			t.Errorf("%s: no error message", c)
		}
		after, _ := os.ReadFile(f)
		if string(after) != string(example) {
			t.Fatalf("%s: the failed command changed the CIB", c)
		}
	}
}

// Scripts mix levels: resource/node/status lines work on the CIB the script
// is changing, a failing line is reported and skipped.
func TestScriptWithLevels(t *testing.T) {
	f := newCIBFile(t)
	script := "configure\nnode node1\nprimitive p1 ocf:heartbeat:Dummy\nend\n" +
		"resource stop p1\nresource\nparam p1 set fake 3\nbogus\nup\n" +
		"node attribute node1 set foo bar\nresource stop nosuch\n" +
		"configure primitive p2 ocf:heartbeat:Dummy meta target-role=Stopped\nresource start p2\nstatus\n"
	out, stderr, code := runCrm(t, f, script)
	if code != 1 {
		t.Errorf("exit %d, want 1 (two failing lines)", code)
	}
	if !strings.Contains(stderr, "<stdin>:8: resource: unknown command") || !strings.Contains(stderr, "<stdin>:11: Resource not found: nosuch") {
		t.Errorf("stderr %q", stderr)
	}
	if !strings.Contains(out, "Set 'p1' option: id=p1-instance_attributes-fake") || !strings.Contains(out, "Cluster Summary:") {
		t.Errorf("stdout %q", out)
	}
	show, _, _ := runCrm(t, f, "", "configure", "show")
	want := "node node1 \\\n\tattributes foo=bar\n" +
		"primitive p1 Dummy \\\n\tmeta target-role=Stopped \\\n\tparams fake=3\n" +
		"primitive p2 Dummy \\\n\tmeta target-role=Started\n"
	if show != want {
		t.Errorf("show:\n%s\nwant:\n%s", show, want)
	}
}

// `crm resource` (or node, ra) reads that level's commands from standard input.
func TestLevelOnStdin(t *testing.T) {
	f := newCIBFile(t)
	if _, stderr, code := runCrm(t, f, "primitive p1 ocf:heartbeat:Dummy\n", "configure"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, stderr, code := runCrm(t, f, "stop p1\nmeta p1 set m 1\n", "resource"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out, _, _ := runCrm(t, f, "", "resource", "meta", "p1", "show", "target-role")
	if out != "Stopped\n" {
		t.Errorf("target-role = %q", out)
	}
}
