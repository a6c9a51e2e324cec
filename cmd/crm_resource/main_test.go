package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

const testCIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="n1"/>
    </nodes>
    <resources>
      <primitive class="ocf" id="d1" provider="heartbeat" type="Dummy">
        <instance_attributes id="d1-ia">
          <nvpair id="d1-ia-s" name="state" value="STATEDIR/d1.state"/>
        </instance_attributes>
        <meta_attributes id="d1-ma">
          <nvpair id="d1-ma-1" name="target-role" value="Started"/>
        </meta_attributes>
        <operations>
          <op id="d1-start" name="start" interval="0" timeout="33s"/>
        </operations>
      </primitive>
      <primitive class="ocf" id="bad" provider="heartbeat" type="Nope"/>
      <clone id="c1">
        <primitive class="ocf" id="s1" provider="heartbeat" type="Dummy">
          <instance_attributes id="s1-ia">
            <nvpair id="s1-ia-s" name="state" value="STATEDIR/s1.state"/>
          </instance_attributes>
        </primitive>
        <meta_attributes id="c1-ma">
          <nvpair id="c1-ma-m" name="clone-max" value="2"/>
        </meta_attributes>
      </clone>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`

type outcome struct {
	code           int
	stdout, stderr string
}

func runPacer(t *testing.T, args ...string) outcome {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb, os.Getenv)
	return outcome{int(crmexit.Of(err)), out.String(), errb.String()}
}

func runPacemaker(t *testing.T, bin string, args ...string) outcome {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", bin, err)
	}
	return outcome{code, out.String(), errb.String()}
}

// TestAgainstPacemaker runs the same commands through Pacer's crm_resource
// and Pacemaker's, each on its own copy of a CIB, and compares exit codes,
// output and the resulting CIB contents.
func TestAgainstPacemaker(t *testing.T) {
	pcmk, err := exec.LookPath("crm_resource")
	if err != nil {
		t.Skip("Pacemaker's crm_resource (pacemaker-cli-utils) not installed")
	}
	if _, err := os.Stat("/usr/lib/ocf/resource.d/heartbeat/Dummy"); err != nil {
		t.Skip("resource-agents not installed")
	}
	dir := t.TempDir()
	cibFor := func(name string) string {
		sd := filepath.Join(dir, name)
		if err := os.MkdirAll(sd, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(sd, "cib.xml")
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(testCIB, "STATEDIR", sd)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pcmkCIB, pacerCIB := cibFor("pcmk"), cibFor("pacer")
	commands := [][]string{
		{"--list-standards"}, {"--list-ocf-providers"}, {"--list-agents", "ocf"}, {"--list-agents", "ocf:heartbeat"},
		{"--list-agents", "lsb"}, {"--list-agents", "stonith"}, {"--list-agents", "foo"}, {"--list-agents", "ocf:nonexist"}, {"--list-agents"},
		{"--list-ocf-alternatives", "Dummy"}, {"--list-ocf-alternatives", "Nope"},
		{"--show-metadata", "ocf:heartbeat:IPaddr2"}, {"--show-metadata", "ocf:linbit:drbd"}, {"--show-metadata", "Dummy"},
		{"--show-metadata", "ocf:Dummy"}, {"--show-metadata", "lsb:nope"}, {"--show-metadata", "foo:bar:baz"},
		{"-r", "d1", "--force-check"}, {"-r", "d1", "--force-start"}, {"-r", "d1", "--force-check=10"},
		{"-r", "d1", "--force-stop"}, {"-r", "d1", "--force-check"}, {"-r", "bad", "--force-start"},
		{"-r", "nosuch", "--force-start"}, {"--force-start"}, {"-r", "c1", "--force-start"}, {"-r", "s1", "--force-stop"},
		{"--validate", "--class", "ocf", "--agent", "Dummy", "--provider", "heartbeat"},
		{"--validate", "--class", "ocf", "--agent", "Nope", "--provider", "heartbeat"}, {"--validate", "-r", "d1"},
		{"-r", "d1", "-g", "state"}, {"-r", "d1", "-g", "nope"}, {"-r", "d1", "-g", "target-role", "-m"},
		{"-r", "d1", "-p", "newp", "-v", "42"}, {"-r", "d1", "-p", "state", "-v", "/x"},
		{"-r", "d1", "-p", "is-managed", "-v", "false", "-m"}, {"-r", "d1", "-d", "newp"}, {"-r", "d1", "-d", "nope"},
		{"-r", "nosuch", "-g", "state"}, {"-r", "s1", "-p", "p1", "-v", "v2"}, {"-r", "c1", "-p", "p1", "-v", "v3"},
		{"-r", "d1", "-p", "x"}, {"-r", "d1", "-p", "u1", "-v", "4", "-z"}, {"-r", "d1", "-g", "u1", "-z"},
		// Digests cover the state path, which differs between the two copies:
		// point both at the same one first.
		{"-r", "s1", "-p", "state", "-v", "/s1"},
		{"--digests", "-r", "d1", "-N", "n1"}, {"--digests", "-r", "d1", "-N", "n1", "state=/other", "fake=1"},
		{"--digests", "-r", "c1", "-N", "n1"}, {"--digests", "-r", "s1", "-N", "n1"}, {"--digests", "-r", "d1", "-N", "nosuch"},
		{"--digests", "-r", "d1"}, {"--digests", "-r", "d1", "-N", "n1", "junk"},
	}
	for _, args := range commands {
		// State paths differ per copy; normalise them in the output.
		t.Setenv("CIB_file", pcmkCIB)
		want := runPacemaker(t, pcmk, args...)
		t.Setenv("CIB_file", pacerCIB)
		got := runPacer(t, args...)
		norm := func(s, which string) string { return strings.ReplaceAll(s, filepath.Join(dir, which), "STATEDIR") }
		want.stdout, want.stderr = norm(want.stdout, "pcmk"), norm(want.stderr, "pcmk")
		got.stdout, got.stderr = norm(got.stdout, "pacer"), norm(got.stderr, "pacer")
		if got != want {
			t.Errorf("crm_resource %s:\n got  rc %d\nstdout %q\nstderr %q\n want rc %d\nstdout %q\nstderr %q",
				strings.Join(args, " "), got.code, clip(got.stdout), got.stderr, want.code, clip(want.stdout), want.stderr)
		}
	}
	// Both tools made the same changes to their CIB.
	a, b := canonicalCIB(t, pcmkCIB, filepath.Join(dir, "pcmk")), canonicalCIB(t, pacerCIB, filepath.Join(dir, "pacer"))
	if a != b {
		t.Errorf("CIBs differ after the same commands:\npacemaker: %s\npacer:     %s", a, b)
	}
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

// canonicalCIB is the file's XML with whitespace between tags and the
// cib-last-written stamp removed, for comparing content, not layout.
func canonicalCIB(t *testing.T, path, statedir string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(data), statedir, "STATEDIR")
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(line))
	}
	s = b.String()
	if i := strings.Index(s, ` cib-last-written="`); i >= 0 {
		j := strings.Index(s[i+19:], `"`)
		s = s[:i] + s[i+19+j+1:]
	}
	return s
}

func TestParseSpec(t *testing.T) {
	for spec, want := range map[string][4]string{
		"ocf:heartbeat:Dummy": {"ocf", "heartbeat", "Dummy", "ok"},
		"lsb:dbus":            {"lsb", "", "dbus", "ok"},
		"ocf:Dummy":           {"", "", "", ""},
		"Dummy":               {"", "", "", ""},
		"ocf::Dummy":          {"ocf", "", "Dummy", "ok"},
		"a:b:c:d":             {"", "", "", ""},
	} {
		c, p, ty, ok := parseSpec(spec)
		okS := ""
		if ok {
			okS = "ok"
		}
		if got := [4]string{c, p, ty, okS}; got != want {
			t.Errorf("parseSpec(%q) = %v, want %v", spec, got, want)
		}
	}
}

func TestHelpHasExamples(t *testing.T) {
	got := runPacer(t, "--help")
	if got.code != 0 || !strings.Contains(got.stdout, "--force-start") || !strings.Contains(got.stdout, "crm_resource --list-agents ocf") {
		t.Errorf("--help: rc %d\n%s", got.code, got.stdout)
	}
}

// TestLSBMetadataAgainstPacemaker writes init scripts with assorted LSB
// headers to /etc/init.d (removed afterwards) and compares the meta-data
// both tools generate for them.
func TestLSBMetadataAgainstPacemaker(t *testing.T) {
	pcmk, err := exec.LookPath("crm_resource")
	if err != nil {
		t.Skip("Pacemaker's crm_resource not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to write to /etc/init.d")
	}
	headers := []string{
		"",
		"### BEGIN INIT INFO\n# Provides:          svc\n# Required-Start:    $remote_fs $syslog\n# Default-Start:     2 3 4 5\n# Default-Stop:      0 1 6\n# Short-Description: A <test> & 'more'\n# Description:       Long text\n#                    continued\n#\tand tabbed\n### END INIT INFO\n",
		"### BEGIN INIT INFO\n# Provides: x\n# Description: one \"quoted\" \x27x\x27\n# X-Start-Before: y\n# Should-Start: z\n### END INIT INFO\n",
		"### BEGIN INIT INFO\n# Short-Description:\n### END INIT INFO\n",
	}
	for i, h := range headers {
		name := fmt.Sprintf("pacer-md-test-%d-%d", os.Getpid(), i)
		path := filepath.Join("/etc/init.d", name)
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+h+"exit 0\n"), 0o755); err != nil {
			t.Skipf("cannot write %s: %v", path, err)
		}
		t.Cleanup(func() { os.Remove(path) })
		want := runPacemaker(t, pcmk, "--show-metadata", "lsb:"+name)
		got := runPacer(t, "--show-metadata", "lsb:"+name)
		if got != want {
			t.Errorf("header %d:\n got  %q\n want %q", i, got.stdout, want.stdout)
		}
	}
}

// TestForceRefusesActiveClone: forcing a start of a clone the status shows
// running on this host is refused without --force, as Pacemaker does.
func TestForceRefusesActiveClone(t *testing.T) {
	pcmk, err := exec.LookPath("crm_resource")
	if err != nil {
		t.Skip("Pacemaker's crm_resource not installed")
	}
	if _, err := os.Stat("/usr/lib/ocf/resource.d/heartbeat/Dummy"); err != nil {
		t.Skip("resource-agents not installed")
	}
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no hostname")
	}
	dir := t.TempDir()
	cib := `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/>` +
		`<nodes><node id="1" uname="` + host + `"/></nodes><resources><clone id="c1"><primitive class="ocf" id="s1" provider="heartbeat" type="Dummy">` +
		`<instance_attributes id="s1-ia"><nvpair id="s1-ia-s" name="state" value="` + dir + `/s1.state"/></instance_attributes></primitive></clone></resources><constraints/></configuration>` +
		`<status><node_state id="1" uname="` + host + `" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>` +
		`<lrm_resource id="s1:0" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="s1:0_last_0" operation_key="s1:0_start_0" operation="start" crm_feature_set="3.16.1" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0" last-rc-change="1" exec-time="1" queue-time="0" op-digest="x"/></lrm_resource>` +
		`</lrm_resources></lrm></node_state></status></cib>`
	path := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(path, []byte(cib), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CIB_file", path)
	for _, args := range [][]string{{"-r", "c1", "--force-start"}, {"-r", "c1", "--force-promote"}, {"-r", "c1", "--force-start", "--force"}, {"-r", "c1", "--force-stop"}} {
		want := runPacemaker(t, pcmk, args...)
		got := runPacer(t, args...)
		if got != want {
			t.Errorf("crm_resource %v:\n got  %+v\n want %+v", args, got, want)
		}
		if len(args) == 3 && args[2] == "--force-start" && got.code != int(crmexit.Unsafe) {
			t.Errorf("force-start of an active clone was not refused: %+v", got)
		}
	}
}

// TestFenceMetadataAgainstPacemaker compares the meta-data printed for a few
// fence agents (Pacemaker re-lays it out and adjusts it).
func TestFenceMetadataAgainstPacemaker(t *testing.T) {
	pcmk, err := exec.LookPath("crm_resource")
	if err != nil {
		t.Skip("Pacemaker's crm_resource not installed")
	}
	n := 0
	for _, agent := range []string{"fence_ipmilan", "fence_virsh", "fence_scsi", "fence_apc", "fence_dummy"} {
		if _, err := os.Stat(filepath.Join("/usr/sbin", agent)); err != nil {
			continue
		}
		n++
		want := runPacemaker(t, pcmk, "--show-metadata", "stonith:"+agent)
		got := runPacer(t, "--show-metadata", "stonith:"+agent)
		if got.code != want.code || got.stdout != want.stdout {
			t.Errorf("%s: rc %d vs %d, output differs:\n got  %s\n want %s", agent, got.code, want.code, clip(got.stdout), clip(want.stdout))
		}
	}
	if n == 0 {
		t.Skip("fence-agents not installed")
	}
}
