package cibmodel

import (
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/controller"
	"github.com/pacer-ha/pacer/crmexit"
)

var ids = map[string]int{"alpha": 1, "beta": 2}

func empty(t *testing.T) []byte {
	b, err := cib.Empty().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStatusOps(t *testing.T) {
	m := New(ids)
	doc := empty(t)
	v0, err := m.Version(doc)
	if err != nil {
		t.Fatal(err)
	}
	step := func(op controller.Op) {
		t.Helper()
		next, err := m.Apply(doc, op)
		if err != nil {
			t.Fatalf("%+v: %v", op, err)
		}
		doc = next
	}
	step(controller.Op{Kind: controller.OpNodeUp, Node: "beta"})
	step(controller.Op{Kind: controller.OpQuorum, Quorate: true, Node: "alpha"})
	step(controller.Op{Kind: controller.OpAttrSet, Node: "beta", Name: "pingd", Value: "100"})
	v, _ := m.Version(doc)
	// Adding beta to configuration/nodes moved the epoch; the rest num_updates.
	if v.Epoch != v0.Epoch+1 || v.NumUpdates != 2 {
		t.Errorf("version %v after a node joined and 2 status changes, from %v", v, v0)
	}
	s := string(doc)
	for _, want := range []string{`<node id="2" uname="beta"/>`, `have-quorum="1"`, `dc-uuid="1"`, `uname="beta"`, `crmd="online"`, `name="pingd"`, `value="100"`, `id="status-2-pingd"`} {
		if !strings.Contains(s, want) {
			t.Errorf("CIB lacks %s:\n%s", want, s)
		}
	}
	if val, ok, err := Attribute(doc, ids, "beta", "pingd"); err != nil || !ok || val != "100" {
		t.Errorf("Attribute = %q %v %v", val, ok, err)
	}
	// Setting the same value again changes nothing, not even the version.
	same, err := m.Apply(doc, controller.Op{Kind: controller.OpAttrSet, Node: "beta", Name: "pingd", Value: "100"})
	if err != nil || string(same) != string(doc) {
		t.Errorf("idempotent set changed the CIB (%v)", err)
	}
	step(controller.Op{Kind: controller.OpNodeDown, Node: "beta"})
	if _, ok, _ := Attribute(doc, ids, "beta", "pingd"); ok {
		t.Error("transient attribute survived the node going down")
	}
	if !strings.Contains(string(doc), `crmd="offline"`) {
		t.Error("node not marked offline")
	}
	if _, err := m.Apply(doc, controller.Op{Kind: controller.OpAttrSet, Node: "nobody", Name: "x", Value: "1"}); crmexit.Of(err) != crmexit.NoHost {
		t.Errorf("attribute on unknown node: %v", err)
	}
}

func TestReplaceCAS(t *testing.T) {
	m := New(ids)
	doc := empty(t)
	base, _ := m.Version(doc)
	c, _ := cib.Parse(doc)
	w := c.Clone()
	v := w.Version()
	v.Epoch++
	w.SetVersion(v)
	nb, _ := w.Bytes()
	next, err := m.Apply(doc, controller.Op{Kind: controller.OpReplace, Base: base, Doc: nb})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Version(next); got.Epoch != base.Epoch+1 {
		t.Errorf("version after replace %v", got)
	}
	// Same base again: the CIB moved on, so this is a conflict.
	_, err = m.Apply(next, controller.Op{Kind: controller.OpReplace, Base: base, Doc: nb})
	if err == nil || !strings.Contains(err.Error(), ConflictPrefix) || crmexit.Of(err) != crmexit.TempFail {
		t.Errorf("stale base: %v", err)
	}
	// A replacement that is not newer is refused like Pacemaker does.
	_, err = m.Apply(doc, controller.Op{Kind: controller.OpReplace, Base: base, Doc: doc})
	if crmexit.Of(err) != crmexit.Old {
		t.Errorf("not-newer replace: %v", err)
	}
}

func TestLRMUpdateAndClear(t *testing.T) {
	m := New(ids)
	doc := empty(t)
	apply := func(op controller.Op) {
		t.Helper()
		next, err := m.Apply(doc, op)
		if err != nil {
			t.Fatalf("%+v: %v", op, err)
		}
		doc = next
	}
	apply(controller.Op{Kind: controller.OpLRMUpdate, Node: "beta", Doc: []byte(`<lrm_resources>
  <lrm_resource id="d" class="ocf" provider="pacer" type="Dummy">
    <lrm_rsc_op id="d_last_0" operation="start" rc-code="0"/>
    <lrm_rsc_op id="d_monitor_10000" operation="monitor" rc-code="0"/>
  </lrm_resource></lrm_resources>`)})
	v1, _ := m.Version(doc)
	s := string(doc)
	for _, want := range []string{`<lrm id="2">`, `<lrm_resource id="d" class="ocf" provider="pacer" type="Dummy">`, `id="d_last_0" operation="start"`, `id="d_monitor_10000"`} {
		if !strings.Contains(s, want) {
			t.Errorf("CIB lacks %s:\n%s", want, s)
		}
	}
	// Put replaces in place; delete removes.
	apply(controller.Op{Kind: controller.OpLRMUpdate, Node: "beta", Doc: []byte(`<lrm_resources><lrm_resource id="d">
    <lrm_rsc_op id="d_last_0" operation="stop" rc-code="0"/><delete id="d_monitor_10000"/></lrm_resource></lrm_resources>`)})
	s = string(doc)
	if !strings.Contains(s, `id="d_last_0" operation="stop"`) || strings.Contains(s, `operation="start"`) || strings.Contains(s, "d_monitor_10000") {
		t.Errorf("after put+delete:\n%s", s)
	}
	if v, _ := m.Version(doc); v.Epoch != v1.Epoch || v.NumUpdates != v1.NumUpdates+1 {
		t.Errorf("status update moved the version %v -> %v", v1, v)
	}
	apply(controller.Op{Kind: controller.OpLRMClear, Node: "beta", Doc: []byte(`<lrm_resources><lrm_resource id="e" class="ocf" provider="pacer" type="Dummy"><lrm_rsc_op id="e_last_0" operation="start"/></lrm_resource></lrm_resources>`)})
	if s := string(doc); strings.Contains(s, "d_last_0") || !strings.Contains(s, `id="e_last_0"`) {
		t.Errorf("lrm-clear with a history did not replace it:\n%s", s)
	}
	apply(controller.Op{Kind: controller.OpLRMClear, Node: "beta"})
	if strings.Contains(string(doc), "<lrm") {
		t.Errorf("history survived lrm-clear:\n%s", doc)
	}
	for _, bad := range []string{`<x/>`, `not xml`, `<lrm_resources><lrm_resource/></lrm_resources>`, `<lrm_resources><lrm_resource id="d"><nope id="x"/></lrm_resource></lrm_resources>`} {
		if _, err := m.Apply(doc, controller.Op{Kind: controller.OpLRMUpdate, Node: "beta", Doc: []byte(bad)}); crmexit.Of(err) != crmexit.InvalidParam {
			t.Errorf("patch %q: %v", bad, err)
		}
	}
}

// A batch gives what the same operations applied one by one give, a failing
// operation in the middle changes nothing, and a model that reuses its parsed
// tree agrees with a fresh one (a follower replaying a diff).
func TestApplyAllMatchesApply(t *testing.T) {
	patch := func(rsc, op, rc string) []byte {
		return []byte(`<lrm_resources><lrm_resource id="` + rsc + `" class="ocf" provider="pacer" type="Dummy"><lrm_rsc_op id="` + rsc + `_` + op + `_0" operation="` + op + `" rc-code="` + rc + `"/></lrm_resource></lrm_resources>`)
	}
	ops := []controller.Op{
		{Kind: controller.OpNodeUp, Node: "alpha"},
		{Kind: controller.OpNodeUp, Node: "beta"},
		{Kind: controller.OpLRMUpdate, Node: "beta", Doc: patch("d1", "start", "0")},
		{Kind: controller.OpAttrSet, Node: "nobody", Name: "x", Value: "1"},          // fails
		{Kind: controller.OpLRMUpdate, Node: "beta", Doc: []byte(`<lrm_resources>`)}, // fails
		{Kind: controller.OpLRMUpdate, Node: "beta", Doc: patch("d1", "start", "0")}, // no-op
		{Kind: controller.OpLRMUpdate, Node: "alpha", Doc: patch("d2", "monitor", "7")},
		{Kind: controller.OpAttrSet, Node: "alpha", Name: "a", Value: "1"},
		{Kind: controller.OpAttrDel, Node: "beta", Name: "never-set"}, // no-op
		{Kind: controller.OpLRMClear, Node: "alpha", Doc: patch("d3", "start", "0")},
		{Kind: controller.OpLRMClear, Node: "alpha", Doc: patch("d3", "start", "0")}, // no-op
		{Kind: controller.OpQuorum, Quorate: true, Node: "alpha"},
	}
	seq := New(ids)
	want := empty(t)
	var wantErrs []bool
	for _, op := range ops {
		next, err := seq.Apply(want, op)
		wantErrs = append(wantErrs, err != nil)
		if err == nil {
			want = next
		}
	}
	batch := New(ids)
	got, errs := batch.ApplyAll(empty(t), ops)
	for i, err := range errs {
		if (err != nil) != wantErrs[i] {
			t.Errorf("op %d (%+v): error %v, one by one: %v", i, ops[i], err, wantErrs[i])
		}
	}
	if string(got) != string(want) {
		t.Fatalf("batch result differs from one by one:\n%s\n%s", got, want)
	}
	v, _ := seq.Version(want)
	v0, _ := seq.Version(empty(t))
	// node-up alpha and beta: two configuration changes; then the status
	// changes that did change something: lrm d1, lrm d2, attr, clear, quorum.
	if v.Epoch != v0.Epoch+2 || v.NumUpdates != 5 {
		t.Errorf("version %v, want epoch +2 from %v and 5 status updates", v, v0)
	}
	// The next batch on the cached tree and on a fresh parse agree.
	more := []controller.Op{{Kind: controller.OpNodeDown, Node: "beta"}, {Kind: controller.OpLRMUpdate, Node: "alpha", Doc: patch("d4", "stop", "0")}}
	cached, _ := batch.ApplyAll(got, more)
	fresh, _ := New(ids).ApplyAll(append([]byte(nil), got...), more)
	if string(cached) != string(fresh) {
		t.Errorf("cached tree and fresh parse differ:\n%s\n%s", cached, fresh)
	}
	if vc, _ := batch.Version(cached); vc.NumUpdates != 7 {
		t.Errorf("cached version %v, want 7 status updates", vc)
	}
}

// TestLRMPatchDeleteByTransitionKey: a delete that names a transition-key
// removes the entry only when that operation wrote it (a cancelled recurring
// monitor must not remove the entry of the monitor that replaced it).
func TestLRMPatchDeleteByTransitionKey(t *testing.T) {
	lrs := etree.NewElement("lrm_resources")
	put := `<lrm_resources><lrm_resource id="d"><lrm_rsc_op id="d_monitor_1000" transition-key="2:9:0:x"/></lrm_resource></lrm_resources>`
	if err := ApplyLRMPatch(lrs, []byte(put)); err != nil {
		t.Fatal(err)
	}
	stale := `<lrm_resources><lrm_resource id="d"><delete id="d_monitor_1000" transition-key="5:7:0:x"/></lrm_resource></lrm_resources>`
	if err := ApplyLRMPatch(lrs, []byte(stale)); err != nil {
		t.Fatal(err)
	}
	if lrs.FindElement("lrm_resource/lrm_rsc_op[@id='d_monitor_1000']") == nil {
		t.Fatal("a delete for another transition's monitor removed the entry")
	}
	own := `<lrm_resources><lrm_resource id="d"><delete id="d_monitor_1000" transition-key="2:9:0:x"/></lrm_resource></lrm_resources>`
	if err := ApplyLRMPatch(lrs, []byte(own)); err != nil {
		t.Fatal(err)
	}
	if lrs.FindElement("lrm_resource/lrm_rsc_op[@id='d_monitor_1000']") != nil {
		t.Error("the delete of the operation that wrote the entry did not remove it")
	}
}

// An lrm_resource with remove="true" removes the resource's whole history
// (a delete action), and only that resource's.
func TestLRMPatchRemoveResource(t *testing.T) {
	lrs := etree.NewElement("lrm_resources")
	put := `<lrm_resources><lrm_resource id="d"><lrm_rsc_op id="d_last_0"/></lrm_resource><lrm_resource id="e"><lrm_rsc_op id="e_last_0"/></lrm_resource></lrm_resources>`
	if err := ApplyLRMPatch(lrs, []byte(put)); err != nil {
		t.Fatal(err)
	}
	if err := ApplyLRMPatch(lrs, []byte(`<lrm_resources><lrm_resource id="d" remove="true"/></lrm_resources>`)); err != nil {
		t.Fatal(err)
	}
	if lrs.FindElement("lrm_resource[@id='d']") != nil || lrs.FindElement("lrm_resource[@id='e']/lrm_rsc_op") == nil {
		t.Errorf("after removing d: %d resources left", len(lrs.ChildElements()))
	}
	// Removing what is not there changes nothing.
	if err := ApplyLRMPatch(lrs, []byte(`<lrm_resources><lrm_resource id="d" remove="true"/></lrm_resources>`)); err != nil {
		t.Fatal(err)
	}
}
