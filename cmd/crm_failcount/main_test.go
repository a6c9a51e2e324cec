package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

type outcome struct {
	code           int
	stdout, stderr string
}

func runPacer(args ...string) outcome {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return outcome{int(crmexit.Of(err)), out.String(), errb.String()}
}

// TestQueryAgainstPacemaker compares queries and usage errors with
// Pacemaker's crm_failcount (a script around crm_attribute and cibadmin).
func TestQueryAgainstPacemaker(t *testing.T) {
	pcmk, err := exec.LookPath("crm_failcount")
	if err != nil {
		t.Skip("Pacemaker's crm_failcount not installed")
	}
	for _, tool := range []string{"crm_attribute", "cibadmin"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("Pacemaker's %s not installed", tool)
		}
	}
	abs, err := filepath.Abs("testdata/group-anticolocation.xml")
	if err != nil {
		t.Fatal(err)
	}
	// The CIB is only read; the legacy per-resource attribute is added to
	// a copy for the @COMPAT path.
	data, err := os.ReadFile(abs)
	if err != nil {
		t.Fatal(err)
	}
	legacy := strings.Replace(string(data), `name="fail-count-member2b#monitor_10000" value="1"/>`,
		`name="fail-count-member2b#monitor_10000" value="1"/><nvpair id="legacy-fc" name="fail-count-member2a" value="7"/><nvpair id="inf-fc" name="fail-count-member1a#start_0" value="INFINITY"/>`, 1)
	if legacy == string(data) {
		t.Fatal("fixture changed shape")
	}
	legacyPath := filepath.Join(t.TempDir(), "legacy.xml")
	if err := os.WriteFile(legacyPath, []byte(legacy), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cib  string
		args []string
	}{
		{abs, []string{"-r", "member2b", "-N", "node1", "-G"}}, {abs, []string{"-r", "member2b", "-N", "node1", "-G", "-n", "monitor", "-I", "10s"}},
		{abs, []string{"-r", "member2b", "-N", "node1", "-G", "-n", "monitor", "-I", "10000ms", "-q"}},
		{abs, []string{"-r", "member2b", "-N", "node1", "-G", "-n", "monitor", "-I", "PT10S"}},
		{abs, []string{"-r", "member2b", "-N", "node1", "-G", "-n", "monitor"}}, {abs, []string{"-r", "member2b", "-N", "node2", "-G"}},
		{abs, []string{"-r", "nosuch", "-N", "node1", "-G"}}, {abs, []string{"-r", "member2b", "-N", "nodeX", "-G"}},
		{abs, []string{"-r", "member2b", "-N", "nodeX", "-G", "-n", "start"}}, {abs, []string{"-r", "x", "-G", "-N", "node1", "-I", "10x", "-n", "start"}},
		{abs, []string{"-r", "x", "-N", "node1"}}, {abs, []string{"-G", "-N", "node1"}}, {abs, []string{"-r", "x", "-N", "node1", "-G", "-v", "3"}},
		{abs, []string{"-r", "x", "-N", "node1", "-G", "-l", "forever", "--attr-id", "y"}}, {abs, []string{"-x"}}, {abs, []string{"-r"}},
		{legacyPath, []string{"-r", "member2a", "-N", "node1", "-G"}}, {legacyPath, []string{"-r", "member1a", "-N", "node1", "-G", "-Q"}},
		{legacyPath, []string{"--resource", "member2b", "--node", "node1", "--query"}},
	}
	n := 0
	for _, tc := range cases {
		t.Setenv("CIB_file", tc.cib)
		cmd := exec.Command(pcmk, tc.args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		code := 0
		if err := cmd.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatal(err)
			}
			code = ee.ExitCode()
		}
		want := outcome{code, out.String(), errb.String()}
		if got := runPacer(tc.args...); got != want {
			t.Errorf("crm_failcount %v:\n got  %+v\n want %+v", tc.args, got, want)
			continue
		}
		n++
	}
	t.Logf("%d of %d commands match Pacemaker", n, len(cases))
}

// TestDelete: -D cleans the resource up on the node (Pacemaker's script runs
// crm_resource --cleanup, which only dry-runs on a CIB file).
func TestDelete(t *testing.T) {
	data, err := os.ReadFile("testdata/group-anticolocation.xml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CIB_file", path)
	got := runPacer("-r", "member2b", "-N", "node1", "-D")
	if got.code != 0 || got.stdout != "Cleaned up member2b on node1\n" {
		t.Fatalf("delete: %+v", got)
	}
	if q := runPacer("-r", "member2b", "-N", "node1", "-G"); q.stdout != "scope=status  name=fail-count-member2b value=0\n" {
		t.Errorf("after delete: %+v", q)
	}
	after, _ := os.ReadFile(path)
	if bytes.Contains(after, []byte(`name="last-failure-member2b#monitor_10000"`)) {
		t.Errorf("last-failure attribute left")
	}
}
