package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/controller/cibmodel"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/transition"
)

func TestExecMessageCodec(t *testing.T) {
	a := &transition.Action{Kind: transition.RscOp, Operation: "start", Key: "d_start_0", Node: "n2",
		Rsc: &transition.Primitive{ID: "d", Class: "ocf", Provider: "pacer", Type: "Dummy"}, Attrs: map[string]string{"CRM_meta_timeout": "20000"}}
	b, err := encodeExec(execMsg{Type: execRequest, From: "n1", To: "n2", ID: 7, TKey: "1:2:0:x", Action: toWire(a)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeExec(b)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Action.action()
	if m.ID != 7 || m.TKey != "1:2:0:x" || got.Key != a.Key || got.Rsc.Type != "Dummy" || got.Attrs["CRM_meta_timeout"] != "20000" {
		t.Errorf("round trip: %+v %+v", m, got)
	}
	// A forwarded --fail names the node it is for.
	f := failAction("n2", a.Rsc)
	if b, err = encodeExec(execMsg{Type: execFail, From: "n1", To: "n2", Action: toWire(f)}); err != nil {
		t.Fatal(err)
	}
	if m, err := decodeExec(b); err != nil || m.Action.Operation != "asyncmon" || m.Action.Key != "d_asyncmon_0" {
		t.Errorf("fail request: %+v %v", m, err)
	}
	// Malformed messages are errors, never panics.
	for _, bad := range []string{"", "X", "Xnot json", `X{"type":"exec","from":"a","to":"b"}`,
		`X{"type":"exec","from":"a","to":"b","action":{"kind":0,"node":"b"}}`,
		`X{"type":"exec-result","from":"a","to":"b"}`, `X{"type":"nope","from":"a","to":"b"}`, `X{"type":"history"}`,
		`X{"type":"recurring","from":"a","to":"b","action":{"kind":0,"node":"c","rsc":{"ID":"d"}},"outcome":{"Result":{}}}`,
		`X{"type":"recurring","from":"a","to":"b","action":{"kind":0,"node":"a","rsc":{"ID":"d"}},"outcome":{}}`,
		`X{"type":"fail","from":"a","to":"b"}`,
		`X{"type":"fail","from":"a","to":"b","action":{"kind":0,"node":"c","rsc":{"ID":"d","Class":"ocf","Type":"Dummy"}}}`,
		`X{"type":"fail","from":"a","to":"b","action":{"kind":0,"node":"b","rsc":{"ID":"d","Class":"ocf"}}}`} {
		if _, err := decodeExec([]byte(bad)); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

func TestLRMPatch(t *testing.T) {
	a := &transition.Action{Kind: transition.RscOp, Operation: "monitor", Key: "d_monitor_10000", Node: "n2", IntervalMS: 10000,
		Rsc: &transition.Primitive{ID: "d", Class: "ocf", Provider: "pacer", Type: "Dummy"}, Attrs: map[string]string{}}
	job := transition.Job{Action: a, TransitionKey: "1:2:0:x"}
	res := lrmd.Result{Request: lrmd.Request{RscID: "d", Action: "monitor", IntervalMS: 10000}, CallID: 3, Status: lrmd.StatusDone, Finished: time.Now()}
	op, ok, err := recordOp(job, outcomeOf(res))
	if err != nil || !ok || op.Node != "n2" || !strings.Contains(string(op.Doc), `id="d_monitor_10000"`) {
		t.Fatalf("monitor result: %v %v %+v %s", ok, err, op, op.Doc)
	}
	// A delete (of a stopped orphan) removes the resource's history.
	del := &transition.Action{Kind: transition.RscOp, Operation: "delete", Key: "d_delete_0", Node: "n2", Rsc: a.Rsc}
	op, ok, err = recordOp(transition.Job{Action: del}, transition.Outcome{Status: lrmd.StatusDone})
	if err != nil || !ok || !strings.Contains(string(op.Doc), `<lrm_resource id="d" remove="true"/>`) || strings.Contains(string(op.Doc), "lrm_rsc_op") {
		t.Errorf("delete: %v %v %s", ok, err, op.Doc)
	}
	// A cancelled recurring monitor deletes its entry, only if it wrote it.
	res.Status = lrmd.StatusCancelled
	op, ok, err = recordOp(job, outcomeOf(res))
	if err != nil || !ok || !strings.Contains(string(op.Doc), `<delete id="d_monitor_10000" transition-key="1:2:0:x"/>`) {
		t.Fatalf("cancelled monitor: %v %v %s", ok, err, op.Doc)
	}
	// Pseudo actions record nothing.
	if _, ok, err := recordOp(transition.Job{Action: &transition.Action{Kind: transition.Pseudo, Key: "g_running_0"}}, transition.Outcome{}); ok || err != nil {
		t.Errorf("pseudo action recorded (%v)", err)
	}
}

func TestMessageBatch(t *testing.T) {
	msgs := [][]byte{[]byte(`{"type":"ack"}`), {execPrefix, '{', '}'}, bytes.Repeat([]byte("x"), 300)}
	var got [][]byte
	if err := splitBatch(joinBatch(msgs), func(m []byte) { got = append(got, m) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) {
		t.Fatalf("%d messages back, want %d", len(got), len(msgs))
	}
	for i := range msgs {
		if !bytes.Equal(got[i], msgs[i]) {
			t.Errorf("message %d: %q, want %q", i, got[i], msgs[i])
		}
	}
	// A single message is not framed.
	got = nil
	splitBatch(msgs[0], func(m []byte) { got = append(got, m) })
	if len(got) != 1 || !bytes.Equal(got[0], msgs[0]) {
		t.Errorf("single message: %q", got)
	}
	// A truncated batch is an error, not a panic.
	b := joinBatch(msgs)
	if err := splitBatch(b[:len(b)-10], func([]byte) {}); err == nil {
		t.Error("truncated batch accepted")
	}
}

func TestMergeLRMPatches(t *testing.T) {
	a := []byte(`<lrm_resources><lrm_resource id="d1"><lrm_rsc_op id="d1_start_0" rc-code="0"/></lrm_resource></lrm_resources>`)
	b := []byte(`<lrm_resources><lrm_resource id="d1"><lrm_rsc_op id="d1_monitor_10000" rc-code="0"/></lrm_resource><lrm_resource id="d2"><delete id="d2_monitor_10000"/></lrm_resource></lrm_resources>`)
	m, err := mergeLRMPatches([][]byte{a, b})
	if err != nil {
		t.Fatal(err)
	}
	one, two := etree.NewElement("lrm_resources"), etree.NewElement("lrm_resources")
	if err := cibmodel.ApplyLRMPatch(one, m); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]byte{a, b} {
		if err := cibmodel.ApplyLRMPatch(two, p); err != nil {
			t.Fatal(err)
		}
	}
	x, y := etree.NewDocument(), etree.NewDocument()
	x.SetRoot(one)
	y.SetRoot(two)
	xs, _ := x.WriteToString()
	ys, _ := y.WriteToString()
	if xs != ys {
		t.Errorf("merged patch gives\n%s\none by one\n%s", xs, ys)
	}
}

func TestStartFailureIsFatal(t *testing.T) {
	for _, tc := range []struct {
		props string
		want  bool
	}{
		{``, true},
		{`<cluster_property_set id="o"><nvpair id="o-s" name="start-failure-is-fatal" value="false"/></cluster_property_set>`, false},
		{`<cluster_property_set id="o"><nvpair id="o-s" name="start-failure-is-fatal" value="true"/></cluster_property_set>`, true},
	} {
		c, err := cib.Parse([]byte(`<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config>` + tc.props +
			`</crm_config><nodes/><resources/><constraints/></configuration><status/></cib>`))
		if err != nil {
			t.Fatal(err)
		}
		if got := startFailureIsFatal(c); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.props, got, tc.want)
		}
	}
}
