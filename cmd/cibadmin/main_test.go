package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

// runIn runs cibadmin in-process against the CIB file path.
func runIn(t *testing.T, path, stdin string, args ...string) (string, string, crmexit.Code) {
	t.Helper()
	var out, errb bytes.Buffer
	env := func(k string) string {
		if k == "CIB_file" {
			return path
		}
		return ""
	}
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, env)
	return out.String(), errb.String(), code
}

func newFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cib.xml")
	b, _ := cib.Empty().Bytes()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func version(t *testing.T, path string) cib.Version {
	t.Helper()
	c, err := cib.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return c.Version()
}

const prim = `<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>`

// The "done when" scenario, built as a real binary and run with CIB_file set.
func TestDoneWhenBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cibadmin")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	path := newFile(t)
	sh := func(args ...string) (string, string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "CIB_file="+path)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	v0 := version(t, path)
	if _, e, code := sh("-C", "-o", "resources", "-X", prim); code != 0 {
		t.Fatalf("create: %d %s", code, e)
	}
	out, _, code := sh("-Q", "-o", "resources")
	if code != 0 || !strings.Contains(out, `<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>`) {
		t.Fatalf("query: %d %q", code, out)
	}
	if v := version(t, path); v.Epoch != v0.Epoch+1 {
		t.Errorf("epoch %d -> %d, want +1", v0.Epoch, v.Epoch)
	}
	before, _ := os.ReadFile(path)
	_, e, code := sh("-C", "-o", "resources", "-X", prim)
	if code != 108 || !strings.Contains(e, "already exists") || strings.Count(strings.TrimSpace(e), "\n") != 0 {
		t.Errorf("second create: code %d, stderr %q", code, e)
	}
	for _, bad := range [][]string{
		{"-C", "-o", "resources", "-X", `<primitive id="b"`},
		{"-C", "-o", "resources", "-X", `<foo id="d"/>`},
		{"-C", "-o", "constraints", "-X", `<rsc_location id="l1" rsc="nope" node="n1" score="INFINITY"/>`},
		{"-C", "-o", "constraints", "-X", `<rsc_location id="a" rsc="a" node="n1" score="INFINITY"/>`},
	} {
		_, e, code := sh(bad...)
		if code == 0 || strings.Count(strings.TrimSpace(e), "\n") != 0 || e == "" {
			t.Errorf("%v: code %d stderr %q, want one line and non-zero", bad, code, e)
		}
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("failed commands changed the file")
	}
}

func TestCommands(t *testing.T) {
	path := newFile(t)
	cases := []struct {
		args  []string
		stdin string
		code  crmexit.Code
		out   string // substring of stdout
		err   string // substring of stderr
	}{
		{[]string{"-C", "-o", "resources", "-X", prim}, "", 0, "", ""},
		{[]string{"-C", "-o", "resources", "-p"}, `<primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>`, 0, "", ""},
		{[]string{"-Q", "-A", "//primitive"}, "", 0, "<xpath-query>", ""},
		{[]string{"-Q", "-A", "//primitive[@id='b']"}, "", 0, `<primitive id="b"`, ""},
		{[]string{"-Q", "-A", "//primitive", "-e"}, "", 0, "/cib/configuration/resources/primitive[@id='a']\n", ""},
		{[]string{"-Q", "-A", "//nothing"}, "", 105, "", "Call failed"},
		{[]string{"-Q", "-o", "tags"}, "", 105, "", ""},
		{[]string{"-Q", "-o", "configuration", "-n"}, "", 0, "<configuration/>", ""},
		{[]string{"-M", "-X", `<primitive id="a" description="x"/>`}, "", 0, "", ""},
		{[]string{"-Q", "-A", "//primitive[@description='x']"}, "", 0, `id="a"`, ""},
		{[]string{"-M", "-X", `<primitive id="zz" description="x"/>`}, "", 105, "", "no such element"},
		{[]string{"-M", "-c", "-o", "resources", "-X", `<primitive id="zz" class="ocf" type="Dummy"/>`}, "", 0, "", ""},
		{[]string{"-R", "-X", `<primitive id="zz" class="ocf" provider="heartbeat" type="apache"/>`}, "", 0, "", ""},
		{[]string{"-R", "-X", `<primitive id="nope" class="ocf" type="apache"/>`}, "", 105, "", ""},
		{[]string{"-D", "-X", `<primitive id="zz"/>`}, "", 0, "", ""},
		{[]string{"-D", "-X", `<primitive id="nonexist"/>`}, "", 0, "", ""},
		{[]string{"-D", "-A", "//primitive"}, "", 0, "", ""},
		{[]string{"-D", "-A", "//nothing"}, "", 0, "", ""},
		{[]string{"-D", "-d", "-A", "//primitive"}, "", 107, "", "--force flag is required"},
		{[]string{"-Q", "-A", "//primitive", "-e"}, "", 0, "primitive[@id='b']", ""},
		{[]string{"-B"}, "", 0, "", ""},
		{[]string{"-C", "-o", "resources"}, "", 70, "", "needs XML"},
		{[]string{"-C", "-o", "resources", "-x", "/nonexistent.xml"}, "", 78, "", "Couldn't parse input"},
		{[]string{"-E"}, "", 107, "", "--force flag is required"},
		{[]string{}, "", 64, "", "no command"},
		{[]string{"-Q", "-C"}, "", 64, "", "only one command"},
		{[]string{"--bogus"}, "", 64, "", "unknown flag"},
		{[]string{"-5", "-X", "<cib/>"}, "", 0, "", "Digest: "},
		{[]string{"--empty"}, "", 0, `validate-with="pacemaker-3.9"`, ""},
		{[]string{"-E", "--force"}, "", 0, "", ""},
		{[]string{"-Q", "-o", "resources"}, "", 0, "<resources/>", ""},
	}
	for _, tc := range cases {
		out, e, code := runIn(t, path, tc.stdin, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(e, tc.err) {
			t.Errorf("cibadmin %v: code %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", tc.args, code, tc.code, out, tc.out, e, tc.err)
		}
	}
	if v := version(t, path); v.AdminEpoch != 1 {
		t.Errorf("after erase: %v", v)
	}
}

func TestMissingFileAndLive(t *testing.T) {
	_, e, code := runIn(t, filepath.Join(t.TempDir(), "nope.xml"), "", "-Q")
	if code != crmexit.NoSuch || !strings.Contains(e, "Could not connect") {
		t.Errorf("missing CIB_file: %d %q", code, e)
	}
	var out, errb bytes.Buffer
	code = run(context.Background(), []string{"-Q"}, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	if code != crmexit.Disconnect || !strings.Contains(errb.String(), "cannot connect to the cluster") {
		t.Errorf("live: %d %q", code, errb.String())
	}
}
