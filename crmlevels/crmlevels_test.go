package crmlevels

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/lrmd"
)

const testCIB = `<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/>
<nodes><node id="1" uname="n1"/><node id="n2" uname="n2"><instance_attributes id="custom"><nvpair id="custom-standby" name="standby" value="off"/></instance_attributes></node></nodes>
<resources>
<primitive id="p" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="p-monitor-10s" name="monitor" interval="10s"/></operations></primitive>
<clone id="c"><primitive id="d" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="d-meta_attributes"><nvpair id="d-meta_attributes-target-role" name="target-role" value="Stopped"/></meta_attributes></primitive></clone>
</resources><constraints/></configuration><status/></cib>`

func parse(t *testing.T) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(testCIB); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

func text(e *etree.Element) string {
	doc := etree.NewDocument()
	doc.SetRoot(e.Copy())
	s, _ := doc.WriteToString()
	return s
}

func TestSetDeepMeta(t *testing.T) {
	root := parse(t)
	if changed, err := SetDeepMeta(root, "d", "target-role", "Started"); err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	d := FindResource(root, "d")
	if d.SelectElement("meta_attributes") != nil {
		t.Errorf("clone child keeps its meta attributes: %s", text(d))
	}
	c := FindResource(root, "c")
	if v, ok, _ := GetAttr(root, "c", Meta, "target-role"); !ok || v != "Started" {
		t.Errorf("clone target-role = %q %v: %s", v, ok, text(c))
	}
	if changed, _ := SetDeepMeta(root, "c", "target-role", "Started"); changed {
		t.Error("setting the same value again reported a change")
	}
	if _, err := SetDeepMeta(root, "nosuch", "target-role", "Started"); !errors.Is(err, ErrNoResource) {
		t.Errorf("missing resource: %v", err)
	}
	// A new set goes at the end of the primitive, after its operations.
	if _, err := SetDeepMeta(root, "p", "is-managed", "false"); err != nil {
		t.Fatal(err)
	}
	p := FindResource(root, "p")
	kids := p.ChildElements()
	if last := kids[len(kids)-1]; last.Tag != "meta_attributes" || last.SelectAttrValue("id", "") != "p-meta_attributes" {
		t.Errorf("meta set misplaced: %s", text(p))
	}
}

func TestResourceAttrs(t *testing.T) {
	root := parse(t)
	var out bytes.Buffer
	if err := SetAttr(root, &out, "p", Params, "fake", "1"); err != nil {
		t.Fatal(err)
	}
	if err := SetAttr(root, &out, "p", Params, "fake", "2"); err != nil {
		t.Fatal(err)
	}
	want := "Set 'p' option: id=p-instance_attributes-fake set=p-instance_attributes name=fake value=1\n" +
		"Set 'p' option: id=p-instance_attributes-fake name=fake value=2\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	if v, ok, _ := GetAttr(root, "p", Params, "fake"); !ok || v != "2" {
		t.Errorf("get = %q %v", v, ok)
	}
	out.Reset()
	if ok, err := DeleteAttr(root, &out, "p", Params, "fake"); !ok || err != nil {
		t.Errorf("delete: %v %v", ok, err)
	}
	if ok, _ := DeleteAttr(root, &out, "p", Params, "fake"); ok {
		t.Error("deleting twice reported a deletion")
	}
	if err := SetAttr(root, &out, "p", Params, "bad name", "1"); err == nil {
		t.Error("a name with a space was accepted")
	}
	before := text(root)
	if err := SetAttr(root, &out, "nosuch", Meta, "a", "1"); !errors.Is(err, ErrNoResource) {
		t.Errorf("missing resource: %v", err)
	}
	if text(root) != before {
		t.Error("a failed set changed the CIB")
	}
}

func TestNodeAttrs(t *testing.T) {
	root := parse(t)
	if _, err := SetStandby(root, "n1", "on"); err != nil {
		t.Fatal(err)
	}
	if _, err := SetStandby(root, "n2", "on"); err != nil {
		t.Fatal(err)
	}
	n1, n2 := FindNode(root, "n1"), FindNode(root, "n2")
	if n1.FindElement("./instance_attributes[@id='num-1-instance_attributes']/nvpair[@id='num-1-instance_attributes-standby']") == nil {
		t.Errorf("n1: %s", text(n1))
	}
	if n2.FindElement("./instance_attributes[@id='custom']/nvpair[@value='on']") == nil {
		t.Errorf("n2: %s", text(n2))
	}
	if _, err := SetNodeAttr(root, "n2", NodeAttr, "foo", "bar"); err != nil {
		t.Fatal(err)
	}
	if n2.FindElement("./instance_attributes[@id='nodes-n2']/nvpair[@id='nodes-n2-foo']") == nil {
		t.Errorf("crm_attribute set: %s", text(n2))
	}
	if _, err := SetNodeAttr(root, "n1", NodeUtilization, "cpu", "4"); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := GetNodeAttr(root, "n1", NodeUtilization, "cpu"); !ok || v != "4" {
		t.Errorf("utilization = %q %v", v, ok)
	}
	if _, err := SetNodeAttr(root, "n1", NodeStatusAttr, "fail-count-p#monitor_10000", "2"); err != nil {
		t.Fatal(err)
	}
	if n, _ := FailCount(root, "p", "n1"); n != "2" {
		t.Errorf("fail count %s", n)
	}
	if ta := root.FindElement("./status/node_state[@id='1']/transient_attributes/instance_attributes[@id='status-1']"); ta == nil {
		t.Errorf("status attribute misplaced: %s", text(root.SelectElement("status")))
	}
	if ok, _ := DeleteNodeAttr(root, "n1", NodeStatusAttr, "fail-count-p#monitor_10000"); !ok {
		t.Error("status attribute not deleted")
	}
	if _, err := SetNodeAttr(root, "nosuch", NodeAttr, "a", "b"); !errors.Is(err, ErrNoNode) {
		t.Errorf("missing node: %v", err)
	}
}

func TestColumns(t *testing.T) {
	// 14-wide names: 5 columns of 16 over 80, the last row padded.
	names := []string{"ClusterMon", "Dummy", "HealthCPU", "HealthIOWait", "HealthSMART", "Stateful", "o2cb"}
	want := "ClusterMon      Dummy           HealthCPU       HealthIOWait    HealthSMART\n" +
		"Stateful        o2cb            \n"
	if got := Columns(names, 80); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if Columns(nil, 80) != "" {
		t.Error("no names should print nothing")
	}
	if got := Columns([]string{strings.Repeat("x", 100)}, 80); got != strings.Repeat("x", 100)+"\n" {
		t.Errorf("long name: %q", got)
	}
}

type fakeAgents struct{}

func (fakeAgents) Standards() []string { return []string{"ocf", "lsb", "service", "stonith"} }
func (fakeAgents) Providers() []string { return []string{"heartbeat", "pacemaker"} }
func (fakeAgents) Agents(class, provider string) ([]string, error) {
	if provider == "heartbeat" {
		return []string{"Dummy", "IPaddr2"}, nil
	}
	return []string{"Dummy", "Stateful"}, nil
}
func (fakeAgents) Metadata(ctx context.Context, class, provider, typ string) (*lrmd.Metadata, error) {
	raw := `<resource-agent name="X"><longdesc lang="en">Line one
line two</longdesc><shortdesc lang="en">Short</shortdesc>
<parameters><parameter name="a" required="1"><longdesc lang="en">Long a</longdesc><shortdesc lang="en">Short a</shortdesc><content type="string" default="x"/></parameter>
<parameter name="b"><longdesc lang="en">b</longdesc><shortdesc lang="en">b</shortdesc><content type="integer"/></parameter></parameters>
<actions><action name="start" timeout="20s"/><action name="monitor" depth="0" timeout="20s" interval="10s" role="Promoted"/><action name="meta-data" timeout="5s"/></actions></resource-agent>`
	return lrmd.ParseMetadata([]byte(raw))
}

func TestRA(t *testing.T) {
	var b bytes.Buffer
	if err := Classes(&b, fakeAgents{}); err != nil || b.String() != "lsb\nocf / heartbeat pacemaker\nservice\nstonith\n" {
		t.Errorf("classes %q %v", b.String(), err)
	}
	b.Reset()
	if err := Providers(&b, fakeAgents{}, "Dummy"); err != nil || b.String() != "heartbeat pacemaker\n" {
		t.Errorf("providers %q %v", b.String(), err)
	}
	if err := List(&b, fakeAgents{}, "nope", ""); err == nil {
		t.Error("unknown class accepted")
	}
	b.Reset()
	if err := Info(context.Background(), &b, fakeAgents{}, "Stateful"); err != nil {
		t.Fatal(err)
	}
	want := "Short (ocf:pacemaker:Stateful)\n\nLine one\nline two\n\n" +
		"Parameters (*: required, []: default):\n\n" +
		"a* (string, [x]): Short a\n    Long a\n\n" +
		"b (integer): \n    b\n\n" +
		"Operations' defaults (advisory minimum):\n\n" +
		"    start         timeout=20s\n" +
		"    monitor       depth=0 timeout=20s interval=10s role=Promoted\n"
	if b.String() != want {
		t.Errorf("info\n%s\nwant\n%s", b.String(), want)
	}
}
