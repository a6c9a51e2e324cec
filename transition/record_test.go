package transition

import (
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/lrmd"
)

func entryIDs(root *etree.Element) string {
	var ids []string
	for _, e := range root.FindElements("//lrm_rsc_op") {
		ids = append(ids, e.SelectAttrValue("id", "")+":"+e.SelectAttrValue("rc-code", "")+":"+e.SelectAttrValue("call-id", ""))
	}
	return strings.Join(ids, " ")
}

func TestRecord(t *testing.T) {
	rsc := &Primitive{ID: "ip", Class: "ocf", Provider: "heartbeat", Type: "IPaddr2"}
	res := func(action string, interval uint64, call, rc int, st lrmd.ExecStatus) *lrmd.Result {
		return &lrmd.Result{Request: lrmd.Request{RscID: "ip", Action: action, IntervalMS: interval, TransitionKey: "1:2:0:u"},
			CallID: call, RC: rc, Status: st, Finished: time.Unix(100, 0)}
	}
	type rec struct {
		r      *lrmd.Result
		target int
	}
	for _, tc := range []struct {
		name string
		recs []rec
		want string
	}{
		{"probe not running is expected", []rec{{res("monitor", 0, 1, 7, lrmd.StatusDone), 7}}, "ip_last_0:7:1"},
		{"probe found running is a failure", []rec{{res("monitor", 0, 1, 0, lrmd.StatusDone), 7}}, "ip_last_failure_0:0:1 ip_last_0:0:1"},
		{"start replaces the probe", []rec{{res("monitor", 0, 1, 7, lrmd.StatusDone), 7}, {res("start", 0, 2, 0, lrmd.StatusDone), 0}}, "ip_last_0:0:2"},
		{"recurring entry kept by key", []rec{{res("start", 0, 2, 0, lrmd.StatusDone), 0}, {res("monitor", 10000, 3, 0, lrmd.StatusDone), 0}},
			"ip_last_0:0:2 ip_monitor_10000:0:3"},
		{"recurring failure: last_failure_0 only", []rec{{res("start", 0, 2, 0, lrmd.StatusDone), 0}, {res("monitor", 10000, 3, 0, lrmd.StatusDone), 0},
			{res("monitor", 10000, 3, 7, lrmd.StatusDone), 0}}, "ip_last_0:0:2 ip_monitor_10000:0:3 ip_last_failure_0:7:3"},
		{"cancelled recurring op is deleted", []rec{{res("monitor", 10000, 3, 0, lrmd.StatusDone), 0}, {res("monitor", 10000, 3, 0, lrmd.StatusCancelled), 0}}, ""},
		{"timeout is a failure", []rec{{res("stop", 0, 4, 1, lrmd.StatusTimeout), 0}}, "ip_last_failure_0:1:4 ip_last_0:1:4"},
		{"failed start then good start: failure kept, last replaced", []rec{{res("start", 0, 4, 1, lrmd.StatusDone), 0}, {res("start", 0, 5, 0, lrmd.StatusDone), 0}},
			"ip_last_failure_0:1:4 ip_last_0:0:5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := etree.NewDocument()
			if err := doc.ReadFromString(`<cib><configuration/><status><node_state id="1" uname="n1"/></status></cib>`); err != nil {
				t.Fatal(err)
			}
			for _, r := range tc.recs {
				if _, err := Record(doc.Root(), "n1", "1", rsc, r.r, r.target); err != nil {
					t.Fatal(err)
				}
			}
			if got := entryIDs(doc.Root()); got != tc.want {
				t.Errorf("entries %q, want %q", got, tc.want)
			}
			if len(doc.Root().FindElements("//node_state")) != 1 || len(doc.Root().FindElements("//lrm_resource")) != 1 {
				t.Error("node_state or lrm_resource duplicated")
			}
			if lr := doc.Root().FindElement("//node_state[@id='1']/lrm[@id='1']/lrm_resources/lrm_resource[@id='ip']"); lr == nil ||
				lr.SelectAttrValue("provider", "") != "heartbeat" || lr.SelectAttrValue("type", "") != "IPaddr2" {
				t.Errorf("lrm_resource %v", lr)
			}
		})
	}
}

func TestRecordCreatesNodeState(t *testing.T) {
	root := etree.NewElement("cib")
	r := &lrmd.Result{Request: lrmd.Request{RscID: "d", Action: "start"}, Status: lrmd.StatusDone}
	if _, err := Record(root, "n2", "2", &Primitive{ID: "d", Class: "lsb", Type: "d"}, r, 0); err != nil {
		t.Fatal(err)
	}
	e := root.FindElement("status/node_state[@id='2'][@uname='n2']/lrm/lrm_resources/lrm_resource[@id='d']/lrm_rsc_op[@id='d_last_0']")
	if e == nil || e.SelectAttrValue("on_node", "") != "n2" {
		t.Fatal("history not created")
	}
	if root.FindElement("//lrm_resource[@provider]") != nil {
		t.Error("provider written for an lsb resource")
	}
	if _, err := Record(etree.NewElement("configuration"), "n", "", &Primitive{ID: "d"}, r, 0); err == nil {
		t.Error("recorded into a <configuration>")
	}
	if _, err := Record(root, "n", "", nil, r, 0); err == nil {
		t.Error("recorded without a resource")
	}
	if _, err := Record(root, "n", "", &Primitive{ID: "d"}, nil, 0); err == nil {
		t.Error("recorded without a result")
	}
	ok, err := DeleteOp(root, "n2", "2", "d", "d_last_0")
	if err != nil || !ok || root.FindElement("//lrm_rsc_op") != nil {
		t.Errorf("DeleteOp: %v %v", ok, err)
	}
}

func TestRecordPending(t *testing.T) {
	g := testGraph(t, 0, act{id: 1}, act{id: 2, op: "monitor", attrs: `CRM_meta_interval="1000"`},
		act{id: 3, op: "stop", attrs: `CRM_meta_record_pending="false"`})
	root := etree.NewElement("cib")
	for id, want := range map[int]bool{1: true, 2: false, 3: false} {
		job := Job{Action: g.Actions[id], TransitionKey: g.TransitionKey(g.Actions[id], "u")}
		ok, err := RecordPending(root, job, time.Unix(5, 0))
		if err != nil || ok != want {
			t.Errorf("action %d: recorded %v (%v), want %v", id, ok, err, want)
		}
	}
	e := root.FindElement("//lrm_resource[@id='r1']/lrm_rsc_op[@id='r1_last_0']")
	if e == nil || e.SelectAttrValue("op-status", "") != "-1" || e.SelectAttrValue("rc-code", "") != "193" ||
		e.SelectAttrValue("call-id", "") != "-1" || e.SelectAttrValue("transition-magic", "") != "-1:193;1:3:0:u" {
		t.Fatalf("pending entry %v", e)
	}
	if n := len(root.FindElements("//lrm_rsc_op")); n != 1 {
		t.Errorf("%d entries", n)
	}
	job := Job{Action: g.Actions[1], TransitionKey: "1:3:0:u"}
	if err := RecordJob(root, job, Outcome{Status: lrmd.StatusDone, Result: &lrmd.Result{Request: lrmd.Request{RscID: "r1", Action: "start", TransitionKey: "1:3:0:u"}, CallID: 9, Status: lrmd.StatusDone}}); err != nil {
		t.Fatal(err)
	}
	if ops := root.FindElements("//lrm_rsc_op"); len(ops) != 1 || ops[0].SelectAttrValue("call-id", "") != "9" {
		t.Errorf("result did not replace the pending entry: %s", entryIDs(root))
	}
}
