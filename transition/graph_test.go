package transition

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/pengine"
)

const sharedCases = "/work/shared/pacemaker-scheduler/xml"

// sampleCases is every 20th shared scheduler case, plus a few chosen for
// fencing, clones, cancels and parameters written as <param>.
func sampleCases(t *testing.T) []string {
	t.Helper()
	all, _ := filepath.Glob(filepath.Join(sharedCases, "*.xml"))
	if len(all) == 0 {
		t.Skip("shared scheduler cases not available")
	}
	sort.Strings(all)
	var out []string
	for i, f := range all {
		if i%20 == 0 {
			out = append(out, f)
		}
	}
	for _, n := range []string{"coloc-group", "stonith-0", "clone-no-shuffle", "bug-5069-op-disabled", "rec-node-13", "master-1", "params-1"} {
		f := filepath.Join(sharedCases, n+".xml")
		if _, err := os.Stat(f); err == nil {
			out = append(out, f)
		}
	}
	return out
}

var actionElem = regexp.MustCompile(`<(rsc_op|pseudo_event|crm_event) id="`)

// countActions counts action elements inside action_sets (triggers repeat
// them, so only the action_set part of each synapse is counted).
func countActions(xml string) int {
	n := 0
	for _, part := range strings.Split(xml, "<action_set>")[1:] {
		set, _, _ := strings.Cut(part, "</action_set>")
		n += len(actionElem.FindAllString(set, -1))
	}
	return n
}

func checkGraph(t *testing.T, name, xml string, g *Graph) {
	t.Helper()
	if want := countActions(xml); g.Len() != want {
		t.Errorf("%s: parsed %d actions, the XML has %d", name, g.Len(), want)
	}
	if want := strings.Count(xml, "<synapse "); len(g.Synapses) != want {
		t.Errorf("%s: parsed %d synapses, the XML has %d", name, len(g.Synapses), want)
	}
	triggers := 0
	for _, s := range g.Synapses {
		triggers += len(s.Inputs)
		for _, a := range s.Actions {
			if a.Synapse != s {
				t.Errorf("%s: action %d not linked to its synapse", name, a.ID)
			}
			if a.Kind == RscOp && (a.Rsc == nil || a.Node == "" || a.Key == "") {
				t.Errorf("%s: rsc_op %d incomplete: %+v", name, a.ID, a)
			}
		}
	}
	if want := strings.Count(xml, "<trigger>"); triggers != want {
		t.Errorf("%s: parsed %d inputs, the XML has %d triggers", name, triggers, want)
	}
}

// Graphs written by Pacemaker's scheduler (crm_simulate -G) and by
// pengine's GraphXML for the same CIBs both parse, completely.
func TestParseSharedGraphs(t *testing.T) {
	sim, err := exec.LookPath("crm_simulate")
	if err != nil {
		t.Skip("Pacemaker's crm_simulate not installed")
	}
	dir := t.TempDir()
	nPM, nOurs, probes := 0, 0, 0
	for _, f := range sampleCases(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		out := filepath.Join(dir, name+".graph")
		if err := exec.Command(sim, "-x", f, "-G", out).Run(); err == nil {
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			g, err := Parse(data)
			if err != nil {
				t.Errorf("%s (Pacemaker): %v", name, err)
			} else {
				checkGraph(t, name+" (Pacemaker)", string(data), g)
				for _, a := range g.Actions {
					if a.IsProbe() && a.TargetRC == 7 {
						probes++
					}
				}
				nPM++
			}
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromFile(f); err != nil {
			t.Fatal(err)
		}
		tr, err := pengine.Schedule(doc.Root(), time.Unix(1700000000, 0))
		if err != nil {
			continue // pengine rejects some CIBs, as Pacemaker does
		}
		xml, err := graphXML(tr)
		if err != nil {
			t.Logf("%s: %v (pengine bug, not this package's)", name, err)
			continue
		}
		g, err := Parse([]byte(xml))
		if err != nil {
			t.Errorf("%s (pengine): %v", name, err)
			continue
		}
		checkGraph(t, name+" (pengine)", xml, g)
		if _, err := FromTransition(tr); err != nil {
			t.Errorf("%s: FromTransition: %v", name, err)
		}
		nOurs++
	}
	if nPM < 10 || nOurs < 10 {
		t.Errorf("only %d Pacemaker and %d pengine graphs parsed", nPM, nOurs)
	}
	if probes == 0 {
		t.Error("no probe with target rc 7 in the sample")
	}
	t.Logf("parsed %d Pacemaker and %d pengine graphs", nPM, nOurs)
}

func TestParseDetails(t *testing.T) {
	xml := `<transition_graph cluster-delay="2min" stonith-timeout="90s" failed-stop-offset="INFINITY" failed-start-offset="INFINITY" batch-limit="10" transition_id="7">
  <synapse id="0" priority="INFINITY">
    <action_set>
      <rsc_op id="3" operation="monitor" operation_key="ip_monitor_0" on_node="n1" on_node_uuid="1">
        <primitive id="ip:0" long-id="ipclone:ip:0" class="ocf" provider="heartbeat" type="IPaddr"/>
        <attributes CRM_meta_op_target_rc="7" CRM_meta_timeout="15000" CRM_meta_can_fail="true" ip="10.0.0.1">
          <param name="1" value="x"/>
        </attributes>
      </rsc_op>
    </action_set>
    <inputs/>
  </synapse>
  <synapse id="1">
    <action_set>
      <crm_event id="1" operation="stonith" operation_key="stonith-n2-reboot" on_node="n2" on_node_uuid="2">
        <attributes CRM_meta_stonith_action="reboot"/>
        <downed><node id="2"/></downed>
      </crm_event>
    </action_set>
    <inputs><trigger><rsc_op id="3" operation="monitor" operation_key="ip_monitor_0" on_node="n1" on_node_uuid="1"/></trigger></inputs>
  </synapse>
</transition_graph>`
	g, err := Parse([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	if g.TransitionID != 7 || g.BatchLimit != 10 || g.ClusterDelay != 2*time.Minute || g.StonithTimeout != 90*time.Second {
		t.Errorf("graph attributes: %+v", g)
	}
	a := g.Actions[3]
	if a.Kind != RscOp || a.Rsc.ID != "ip:0" || a.Rsc.LongID != "ipclone:ip:0" || a.Rsc.Provider != "heartbeat" ||
		a.TargetRC != 7 || a.TimeoutMS != 15000 || !a.CanFail || !a.IsProbe() || a.Attrs["ip"] != "10.0.0.1" || a.Attrs["1"] != "x" {
		t.Errorf("rsc_op: %+v %+v", a, a.Rsc)
	}
	if a.Synapse.Priority != 1000000 {
		t.Errorf("priority %d", a.Synapse.Priority)
	}
	f := g.Actions[1]
	if f.Kind != CRMEvent || f.Operation != "stonith" || len(f.Downed) != 1 || f.Downed[0] != "2" || f.Node != "n2" {
		t.Errorf("crm_event: %+v", f)
	}
	if got := g.Synapses[1].Inputs; len(got) != 1 || got[0] != 3 {
		t.Errorf("inputs %v", got)
	}
	if k := g.TransitionKey(a, "uuid"); k != "3:7:7:uuid" {
		t.Errorf("transition key %q", k)
	}
	e := NewEngine(g)
	if got := e.Timeout(f); got != 90*time.Second+2*time.Minute {
		t.Errorf("stonith timeout %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	for name, xml := range map[string]string{
		"not xml":        `<transition_graph`,
		"wrong root":     `<cib/>`,
		"bad delay":      `<transition_graph cluster-delay="soon"/>`,
		"no action":      `<transition_graph><synapse id="0"><action_set/></synapse></transition_graph>`,
		"unknown input":  `<transition_graph><synapse id="0"><action_set><pseudo_event id="1" operation="start" operation_key="g_start_0"/></action_set><inputs><trigger><pseudo_event id="2"/></trigger></inputs></synapse></transition_graph>`,
		"duplicate id":   `<transition_graph><synapse id="0"><action_set><pseudo_event id="1" operation="a"/><pseudo_event id="1" operation="b"/></action_set></synapse></transition_graph>`,
		"rsc_op no rsc":  `<transition_graph><synapse id="0"><action_set><rsc_op id="1" operation="start" on_node="n"/></action_set></synapse></transition_graph>`,
		"bad timeout":    `<transition_graph><synapse id="0"><action_set><pseudo_event id="1" operation="a"><attributes CRM_meta_timeout="-1"/></pseudo_event></action_set></synapse></transition_graph>`,
		"unknown action": `<transition_graph><synapse id="0"><action_set><job id="1" operation="a"/></action_set></synapse></transition_graph>`,
	} {
		if _, err := Parse([]byte(xml)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`<transition_graph batch-limit="1"><synapse id="0"><action_set><pseudo_event id="1" operation="start"/></action_set><inputs/></synapse></transition_graph>`))
	f.Add([]byte(`<transition_graph><synapse id="0" priority="x"><action_set><rsc_op id="1" operation="start" on_node="n"><primitive id="r" class="ocf" type="Dummy"/><attributes CRM_meta_interval="10"/></rsc_op></action_set><inputs><trigger><rsc_op id="1"/></trigger></inputs></synapse></transition_graph>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses must run to completion without panicking.
		e := NewEngine(g)
		now := time.Unix(0, 0)
		for i := 0; i < 3*len(g.Actions)+3 && !e.Done(); i++ {
			for _, a := range e.Step(now) {
				if _, err := e.Result(a.ID, Outcome{RC: a.TargetRC}); err != nil {
					t.Fatal(err)
				}
			}
		}
		_ = e.Summary().String()
	})
}
