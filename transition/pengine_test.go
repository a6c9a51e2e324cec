package transition

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/pengine"
)

const groupCIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config><cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>
      <group id="g">
        <primitive id="d1" class="ocf" provider="pacer" type="Dummy">
          <instance_attributes id="d1-ia"><nvpair id="d1-state" name="state" value="/tmp/x1"/></instance_attributes>
          <operations><op id="d1-mon" name="monitor" interval="10s" timeout="10s"/></operations>
        </primitive>
        <primitive id="d2" class="ocf" provider="pacer" type="Dummy">
          <instance_attributes id="d2-ia"><nvpair id="d2-state" name="state" value="/tmp/x2"/></instance_attributes>
        </primitive>
      </group>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>`

// before is the transitive closure of an action's inputs: what must be
// confirmed before it can fire (redundant direct inputs make no difference
// to execution).
func before(g *Graph, a *Action, seen map[int]bool) {
	for _, id := range a.Synapse.Inputs {
		if !seen[id] {
			seen[id] = true
			before(g, g.Actions[id], seen)
		}
	}
}

// byKey describes each action of a graph by "KEY on NODE": its target rc,
// instance parameters and the keys of all actions it waits for.
func byKey(g *Graph) map[string]string {
	out := map[string]string{}
	for _, a := range g.Actions {
		var params, ins []string
		for k, v := range a.Attrs {
			if !strings.HasPrefix(k, "CRM_meta_") && k != "crm_feature_set" {
				params = append(params, k+"="+v)
			}
		}
		seen := map[int]bool{}
		before(g, a, seen)
		for id := range seen {
			ins = append(ins, g.Actions[id].String())
		}
		sort.Strings(params)
		sort.Strings(ins)
		out[a.String()] = strings.Join([]string{a.Kind.String(), "rc=" + strconv.Itoa(a.TargetRC), "timeout=" + strconv.FormatUint(a.TimeoutMS, 10), strings.Join(params, ","), strings.Join(ins, ",")}, " | ")
	}
	return out
}

// FromTransition completes pengine's graph into what Pacemaker's scheduler
// writes for the same CIB: same actions, target rcs, parameters and inputs.
func TestFromTransitionMatchesPacemaker(t *testing.T) {
	sim, err := exec.LookPath("crm_simulate")
	if err != nil {
		t.Skip("Pacemaker's crm_simulate not installed")
	}
	props := `<nvpair id="o-b" name="batch-limit" value="3"/><nvpair id="o-m" name="migration-limit" value="2"/>` +
		`<nvpair id="o-f" name="start-failure-is-fatal" value="false"/><nvpair id="o-d" name="cluster-delay" value="7s"/>`
	for name, cib := range map[string]string{
		"defaults":   groupCIB,
		"properties": strings.Replace(groupCIB, `value="false"/>`, `value="false"/>`+props, 1),
	} {
		t.Run(name, func(t *testing.T) { matchPacemaker(t, sim, cib) })
	}
}

func matchPacemaker(t *testing.T, sim, cib string) {
	dir := t.TempDir()
	in := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(in, []byte(cib), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "graph.xml")
	if b, err := exec.Command(sim, "-x", in, "-G", out).CombinedOutput(); err != nil {
		t.Fatalf("crm_simulate: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(cib); err != nil {
		t.Fatal(err)
	}
	tr, err := pengine.Schedule(doc.Root(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ours, err := FromTransition(tr)
	if err != nil {
		t.Fatal(err)
	}
	if pm.BatchLimit != ours.BatchLimit || pm.MigrationLimit != ours.MigrationLimit || pm.FailedStartOffset != ours.FailedStartOffset ||
		pm.FailedStopOffset != ours.FailedStopOffset || pm.ClusterDelay != ours.ClusterDelay || pm.StonithTimeout != ours.StonithTimeout {
		t.Errorf("graph settings: got %+v\nwant %+v", *ours, *pm)
	}
	want, got := byKey(pm), byKey(ours)
	if !reflect.DeepEqual(got, want) {
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s:\n got %s\nwant %s", k, got[k], w)
			}
		}
		for k, g := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("extra %s: %s", k, g)
			}
		}
	}
	if len(want) < 8 {
		t.Errorf("Pacemaker's graph has only %d actions", len(want))
	}
}

func TestFromTransitionErrors(t *testing.T) {
	if _, err := FromTransition(nil); err == nil {
		t.Error("no error for a nil transition")
	}
}

// TestPromotableGraph: an anonymous promotable clone's actions name the
// resource by its base id with the instance as long-id (as Pacemaker's graphs
// do: the executor and the history see one resource per node), and the
// promoted-role monitor expects rc 8 (running promoted).
func TestPromotableGraph(t *testing.T) {
	data, err := os.ReadFile("testdata/promotable-ready.xml")
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	tr, err := pengine.Schedule(doc.Root(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	g, err := FromTransition(tr)
	if err != nil {
		t.Fatal(err)
	}
	var promote, promotedMon *Action
	for _, a := range g.SortedActions() {
		if a.Kind != RscOp {
			continue
		}
		if a.Rsc.ID != "st" || !strings.HasPrefix(a.Rsc.LongID, "st:") {
			t.Errorf("%s: primitive id %q long-id %q, want st and st:N", a, a.Rsc.ID, a.Rsc.LongID)
		}
		switch {
		case a.Operation == "promote":
			promote = a
		case a.Operation == "monitor" && a.IntervalMS == 2000:
			promotedMon = a
		}
	}
	if promote == nil || promotedMon == nil {
		t.Fatalf("no promote and promoted monitor in the graph: %v", g.SortedActions())
	}
	if promotedMon.TargetRC != 8 || promotedMon.Attrs["CRM_meta_op_target_rc"] != "8" || promotedMon.Attrs["CRM_meta_role"] != "Promoted" {
		t.Errorf("promoted monitor: target rc %d, attrs %v", promotedMon.TargetRC, promotedMon.Attrs)
	}
	if promotedMon.Node != promote.Node {
		t.Errorf("promoted monitor on %s, promote on %s", promotedMon.Node, promote.Node)
	}
}
