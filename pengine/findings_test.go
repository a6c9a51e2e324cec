package pengine

import (
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// A lost node with something running on it, a resource active on two nodes and an
// active orphan: the findings crm_verify reports, in Pacemaker's words.
func TestFindings(t *testing.T) {
	const x = `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
<configuration>
  <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="true"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3"/></nodes>
  <resources>
    <primitive id="fence" class="stonith" type="fence_dummy"/>
    <primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
  </resources>
  <constraints/>
</configuration>
<status>
  <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
    <lrm id="1"><lrm_resources>
      <lrm_resource id="fence" class="stonith" type="fence_dummy"><lrm_rsc_op id="fence_last_0" operation_key="fence_start_0" operation="start" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="1" rc-code="0" op-status="0" interval="0"/></lrm_resource>
      <lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0"/></lrm_resource>
      <lrm_resource id="gone" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="gone_last_0" operation_key="gone_start_0" operation="start" transition-key="3:1:0:x" transition-magic="0:0;3:1:0:x" call-id="3" rc-code="0" op-status="0" interval="0"/></lrm_resource>
    </lrm_resources></lrm>
  </node_state>
  <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member">
    <lrm id="2"><lrm_resources>
      <lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" transition-key="4:1:0:x" transition-magic="0:0;4:1:0:x" call-id="4" rc-code="0" op-status="0" interval="0"/></lrm_resource>
    </lrm_resources></lrm>
  </node_state>
  <node_state id="3" uname="n3" in_ccm="false" crmd="offline" join="down" expected="member"/>
</status>
</cib>`
	doc := etree.NewDocument()
	if err := doc.ReadFromString(x); err != nil {
		t.Fatal(err)
	}
	tr, err := Schedule(doc.Root(), time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range tr.Findings() {
		got = append(got, f.Origin+"|"+f.Message)
	}
	all := strings.Join(got, "\n")
	for _, w := range []string{
		"determine_online_status|n3 is unclean",
		"schedule_fencing|Scheduling node n3 for fencing",
		"process_rsc_state|Detected active orphan gone running on n1",
		"pcmk__primitive_create_actions|ocf resource a might be active on 2 nodes (attempting recovery)",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("missing %q in\n%s", w, all)
		}
	}
	// The same CIB without fencing devices cannot fence n3.
	for _, e := range doc.Root().FindElements(".//*[@id='fence']") {
		e.Parent().RemoveChild(e)
	}
	tr, err = Schedule(doc.Root(), time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, f := range tr.Findings() {
		got = append(got, f.Origin+"|"+f.Message)
	}
	all = strings.Join(got, "\n")
	if !strings.Contains(all, "schedule_fencing_and_shutdowns|Node n3 is unclean but cannot be fenced") || strings.Contains(all, "Scheduling node") {
		t.Errorf("without a fencing device:\n%s", all)
	}
}
