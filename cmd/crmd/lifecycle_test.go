package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmmon"
	"github.com/pacer-ha/pacer/transition"
)

func TestWithBootstrap(t *testing.T) {
	doc := []byte(`<cib admin_epoch="0" epoch="3" num_updates="7"><configuration><crm_config>` +
		`<cluster_property_set id="opts"><nvpair id="o-dc" name="dc-version" value="old"/></cluster_property_set>` +
		`</crm_config><nodes/><resources/><constraints/></configuration><status/></cib>`)
	vals := [][2]string{{"dc-version", "pacer-x"}, {"cluster-infrastructure", "pacer"}}
	out, err := withBootstrap(doc, vals)
	if err != nil {
		t.Fatal(err)
	}
	x := etree.NewDocument()
	if err := x.ReadFromBytes(out); err != nil {
		t.Fatal(err)
	}
	if got := x.Root().SelectAttrValue("epoch", ""); got != "4" {
		t.Errorf("epoch %s, want 4", got)
	}
	if n := len(x.FindElements("//nvpair[@name='dc-version']")); n != 1 {
		t.Errorf("%d dc-version nvpairs, want the existing one updated", n)
	}
	if v := x.FindElement("//nvpair[@id='o-dc']").SelectAttrValue("value", ""); v != "pacer-x" {
		t.Errorf("dc-version %q", v)
	}
	if e := x.FindElement("//cluster_property_set[@id='cib-bootstrap-options']/nvpair[@name='cluster-infrastructure']"); e == nil ||
		e.SelectAttrValue("id", "") != "cib-bootstrap-options-cluster-infrastructure" {
		t.Errorf("cluster-infrastructure not added to cib-bootstrap-options:\n%s", out)
	}
	// Unchanged: nothing to write.
	if again, err := withBootstrap(out, vals); err != nil || again != nil {
		t.Errorf("second write: %v, %s", err, again)
	}
}

// currentDCLine is the "Current DC:" line of crm_mon -1 output.
func currentDCLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Current DC:") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// TestDCWritesItsVersion: the DC records dc-version and
// cluster-infrastructure, and crm_mon shows them as Pacemaker's does on
// the same CIB.
func TestDCWritesItsVersion(t *testing.T) {
	names := []string{"alpha", "beta"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	var doc []byte
	var cl *cluster.Cluster
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if _, doc, err = status(c.nodes["beta"].sock); err != nil {
			t.Fatal(err)
		}
		x := etree.NewDocument()
		if err := x.ReadFromBytes(doc); err != nil {
			t.Fatal(err)
		}
		if cl, err = cluster.Unpack(x.Root(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if cl.Properties.DCVersion() != "" && cl.Properties.ClusterInfrastructure() != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dc-version/cluster-infrastructure in the CIB:\n%s", doc)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v := cl.Properties.DCVersion(); !strings.HasPrefix(v, "pacer-") {
		t.Errorf("dc-version %q", v)
	}
	if v := cl.Properties.ClusterInfrastructure(); v != "pacer" {
		t.Errorf("cluster-infrastructure %q", v)
	}
	if v, _ := cl.Properties.Get("cluster-name"); v != "test" {
		t.Errorf("cluster-name %q", v)
	}
	var ours bytes.Buffer
	if err := crmmon.Render(&ours, cl, crmmon.Header{Stack: "pacer", Now: time.Now()}, crmmon.Options{}); err != nil {
		t.Fatal(err)
	}
	line := currentDCLine(ours.String())
	want := "* Current DC: " + dc + " (version " + cl.Properties.DCVersion() + ") - partition with quorum"
	if line != want {
		t.Errorf("crm_mon: %q, want %q", line, want)
	}
	// Pacemaker's crm_mon reads the same CIB the same way.
	oracle, err := exec.LookPath("/usr/sbin/crm_mon")
	if err != nil {
		t.Logf("no Pacemaker crm_mon to compare with: %v", err)
		return
	}
	f := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(oracle, "-1")
	cmd.Env = append(os.Environ(), "CIB_file="+f)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Pacemaker's crm_mon -1: %v\n%s", err, out)
	}
	if got := currentDCLine(string(out)); got != line {
		t.Errorf("Pacemaker's crm_mon says %q, ours %q", got, line)
	}
}

func TestFailAttrsOf(t *testing.T) {
	doc := []byte(`<cib><status>
<node_state id="1"><transient_attributes id="1"><instance_attributes id="status-1">
  <nvpair id="a" name="fail-count-d#monitor_2000" value="1"/>
  <nvpair id="b" name="last-failure-d#monitor_2000" value="17"/>
  <nvpair id="c" name="fail-count-d#start_0" value="INFINITY"/>
  <nvpair id="d" name="fail-count-dd#start_0" value="1"/>
  <nvpair id="e" name="fail-count-c:1#monitor_10000" value="1"/>
  <nvpair id="f" name="fail-count-c#monitor_10000" value="1"/>
  <nvpair id="g" name="pingd" value="1"/>
</instance_attributes></transient_attributes></node_state>
<node_state id="2"><transient_attributes id="2"><instance_attributes id="status-2">
  <nvpair id="h" name="fail-count-d#start_0" value="1"/>
</instance_attributes></transient_attributes></node_state>
</status></cib>`)
	got := failAttrsOf(doc, 1, &transition.Primitive{ID: "d"})
	want := []string{"fail-count-d#monitor_2000", "fail-count-d#start_0", "last-failure-d#monitor_2000"}
	if !slices.Equal(got, want) {
		t.Errorf("d on node 1: %v, want %v", got, want)
	}
	// An anonymous clone instance: every instance number shares the count.
	got = failAttrsOf(doc, 1, &transition.Primitive{ID: "c", LongID: "c:0"})
	if want := []string{"fail-count-c#monitor_10000", "fail-count-c:1#monitor_10000"}; !slices.Equal(got, want) {
		t.Errorf("c:0 on node 1: %v, want %v", got, want)
	}
	// A unique clone instance is its own.
	if got := failAttrsOf(doc, 1, &transition.Primitive{ID: "c:0"}); len(got) != 0 {
		t.Errorf("unique c:0: %v", got)
	}
}
