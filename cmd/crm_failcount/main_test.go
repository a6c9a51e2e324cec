package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/internal/clitest"
)

func runPacer(args ...string) clitest.Outcome { return clitest.Call(run, args...) }

// TestQueryAgainstPacemaker compares queries and usage errors with
// Pacemaker's crm_failcount (a script around crm_attribute and cibadmin).
func TestQueryAgainstPacemaker(t *testing.T) {
	pcmk := clitest.Oracle(t, "crm_failcount", "crm_attribute", "cibadmin")
	base := clitest.ReadFile(t, "testdata/group-anticolocation.xml")
	// The legacy per-resource attribute is added to a copy for the @COMPAT
	// path.
	legacy := strings.Replace(string(base), `name="fail-count-member2b#monitor_10000" value="1"/>`,
		`name="fail-count-member2b#monitor_10000" value="1"/><nvpair id="legacy-fc" name="fail-count-member2a" value="7"/><nvpair id="inf-fc" name="fail-count-member1a#start_0" value="INFINITY"/>`, 1)
	if legacy == string(base) {
		t.Fatal("fixture changed shape")
	}
	legacyCIB := []byte(legacy)
	cases := []struct {
		cib  []byte
		args []string
	}{
		{base, []string{"-r", "member2b", "-N", "node1", "-G"}}, {base, []string{"-r", "member2b", "-N", "node1", "-G", "-n", "monitor", "-I", "10s"}},
		{base, []string{"-r", "member2b", "-N", "node1", "-G", "-n", "monitor", "-I", "10000ms", "-q"}},
		{base, []string{"-r", "member2b", "-N", "node1", "-G", "-n", "monitor", "-I", "PT10S"}},
		{base, []string{"-r", "member2b", "-N", "node1", "-G", "-n", "monitor"}}, {base, []string{"-r", "member2b", "-N", "node2", "-G"}},
		{base, []string{"-r", "nosuch", "-N", "node1", "-G"}}, {base, []string{"-r", "member2b", "-N", "nodeX", "-G"}},
		{base, []string{"-r", "member2b", "-N", "nodeX", "-G", "-n", "start"}}, {base, []string{"-r", "x", "-G", "-N", "node1", "-I", "10x", "-n", "start"}},
		{base, []string{"-r", "x", "-N", "node1"}}, {base, []string{"-G", "-N", "node1"}}, {base, []string{"-r", "x", "-N", "node1", "-G", "-v", "3"}},
		{base, []string{"-r", "x", "-N", "node1", "-G", "-l", "forever", "--attr-id", "y"}}, {base, []string{"-x"}}, {base, []string{"-r"}},
		{legacyCIB, []string{"-r", "member2a", "-N", "node1", "-G"}}, {legacyCIB, []string{"-r", "member1a", "-N", "node1", "-G", "-Q"}},
		{legacyCIB, []string{"--resource", "member2b", "--node", "node1", "--query"}},
	}
	var cmp []clitest.Case
	for _, tc := range cases {
		name := "group-anticolocation"
		if bytes.Equal(tc.cib, legacyCIB) {
			name = "legacy"
		}
		cmp = append(cmp, clitest.Case{Name: name, CIB: tc.cib, Args: tc.args})
	}
	clitest.Compare(t, clitest.Options{Tool: "crm_failcount", Oracle: pcmk, Pacer: runPacer}, cmp)
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
	if got.Code != 0 || got.Stdout != "Cleaned up member2b on node1\n" {
		t.Fatalf("delete: %+v", got)
	}
	if q := runPacer("-r", "member2b", "-N", "node1", "-G"); q.Stdout != "scope=status  name=fail-count-member2b value=0\n" {
		t.Errorf("after delete: %+v", q)
	}
	after, _ := os.ReadFile(path)
	if bytes.Contains(after, []byte(`name="last-failure-member2b#monitor_10000"`)) {
		t.Errorf("last-failure attribute left")
	}
}
