package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/crmexit"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newCommand(&out, &errb)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errb.String(), err
}

const feature = "../../pengine/testdata/features/"

func TestSimulateSections(t *testing.T) {
	out, _, err := runCmd(t, "", "-x", feature+"standby.xml", "-S")
	if err != nil {
		t.Fatal(err)
	}
	var pos []int
	for _, h := range []string{"Current cluster status:", "Transition Summary:", "Executing Cluster Transition:", "Revised Cluster Status:"} {
		i := strings.Index(out, h)
		if i < 0 {
			t.Fatalf("missing %q in:\n%s", h, out)
		}
		pos = append(pos, i)
	}
	for i := 1; i < len(pos); i++ {
		if pos[i] < pos[i-1] {
			t.Fatalf("sections out of order:\n%s", out)
		}
	}
	if !strings.Contains(out, "Move       A") || !strings.Contains(out, "Resource action: A               start on node2") {
		t.Errorf("standby move not shown:\n%s", out)
	}
	revised := out[pos[3]:]
	if !strings.Contains(revised, "Started node2") {
		t.Errorf("revised status should show A on node2:\n%s", revised)
	}
}

func TestQuietGraphDotAndOutput(t *testing.T) {
	dir := t.TempDir()
	g, d, o := filepath.Join(dir, "g.xml"), filepath.Join(dir, "g.dot"), filepath.Join(dir, "out.xml")
	out, _, err := runCmd(t, "", "-x", feature+"standby.xml", "-Q", "-S", "-G", g, "-D", d, "-O", o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "" {
		t.Errorf("-Q should print nothing, got %q", out)
	}
	graph, err := os.ReadFile(g)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(graph); err != nil || doc.Root().Tag != "transition_graph" {
		t.Fatalf("bad graph XML: %v\n%s", err, graph)
	}
	if !strings.Contains(string(graph), `operation_key="A_start_0" on_node="node2"`) {
		t.Errorf("graph lacks A's start on node2:\n%s", graph)
	}
	dot, _ := os.ReadFile(d)
	if !strings.Contains(string(dot), `"A_stop_0 node1" -> "A_start_0 node2"`) {
		t.Errorf("dot lacks stop->start edge:\n%s", dot)
	}
	saved, _ := os.ReadFile(o)
	if !strings.Contains(string(saved), `operation="start"`) || !strings.Contains(string(saved), "crm_simulate") {
		t.Errorf("saved output lacks the simulated start")
	}
	// The saved result is stable: scheduling it again has nothing to do.
	out, _, err = runCmd(t, "", "-x", o, "-S")
	if err != nil {
		t.Fatal(err)
	}
	if s := between(out, "Transition Summary:", "Executing Cluster Transition:"); strings.TrimSpace(s) != "" {
		t.Errorf("re-running the saved output should be a no-op, got %q", s)
	}
}

func between(s, a, b string) string {
	i, j := strings.Index(s, a), strings.Index(s, b)
	if i < 0 || j < i {
		return ""
	}
	return s[i+len(a) : j]
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte("<cib><configuration"), 0o644)
	notcib := filepath.Join(dir, "notcib.xml")
	os.WriteFile(notcib, []byte("<foo/>"), 0o644)
	for _, c := range []struct {
		args []string
		code crmexit.Code
	}{
		{[]string{"-x", filepath.Join(dir, "missing.xml"), "-S"}, crmexit.Software},
		{[]string{"-x", bad, "-S"}, crmexit.DataErr},
		{[]string{"-x", notcib, "-S"}, crmexit.DataErr},
		{[]string{"-S"}, crmexit.Usage},
		{[]string{"-x", feature + "standby.xml", "-t", "not a date"}, crmexit.InvalidParam},
		{[]string{"-x", feature + "standby.xml", "-i", "garbage"}, crmexit.InvalidParam},
	} {
		_, _, err := runCmd(t, "", c.args...)
		if got := crmexit.Of(err); got != c.code {
			t.Errorf("%v: exit %d (%v), want %d", c.args, got, err, c.code)
		}
	}
}

func TestInjection(t *testing.T) {
	// Failing node2 leaves the standby node1 as the only one: A cannot run.
	out, _, err := runCmd(t, "", "-x", feature+"standby.xml", "-S", "--node-down", "node2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(between(out, "Transition Summary:", "Executing"), "Stop       A") {
		t.Errorf("with node2 down A should stop:\n%s", out)
	}
	// A failed monitor injected on node1 makes A recover.
	out, _, err = runCmd(t, "", "-x", feature+"stickiness.xml", "-S", "-i", "A_monitor_10000@node1=1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(between(out, "Transition Summary:", "Executing"), "Recover    A") {
		t.Errorf("injected failure should recover A:\n%s", out)
	}
}

func TestPipeAndScores(t *testing.T) {
	data, err := os.ReadFile(feature + "location-score.xml")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, string(data), "-p", "-s", "-Q")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "pcmk__primitive_assign: A allocation score on node2: 50") {
		t.Errorf("scores missing:\n%s", out)
	}
}
