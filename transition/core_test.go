package transition

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/lrmd"
)

// act describes a one-action synapse of a test graph.
type act struct {
	id     int
	kind   string // rsc_op (default), pseudo_event, crm_event
	op     string // default start
	attrs  string // raw attributes, e.g. CRM_meta_op_target_rc="7"
	inputs []int
	prio   int
}

func testGraph(t testing.TB, batch int, acts ...act) *Graph {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `<transition_graph cluster-delay="1s" batch-limit="%d" transition_id="3">`, batch)
	for i, a := range acts {
		kind, op := a.kind, a.op
		if kind == "" {
			kind = "rsc_op"
		}
		if op == "" {
			op = "start"
		}
		fmt.Fprintf(&b, `<synapse id="%d" priority="%d"><action_set><%s id="%d" operation="%s" operation_key="r%d_%s_0" on_node="n1" on_node_uuid="1">`,
			i, a.prio, kind, a.id, op, a.id, op)
		if kind == "rsc_op" {
			fmt.Fprintf(&b, `<primitive id="r%d" class="ocf" provider="pacer" type="Dummy"/>`, a.id)
		}
		fmt.Fprintf(&b, `<attributes CRM_meta_timeout="2000" %s/></%s></action_set><inputs>`, a.attrs, kind)
		for _, in := range a.inputs {
			fmt.Fprintf(&b, `<trigger><rsc_op id="%d"/></trigger>`, in)
		}
		b.WriteString(`</inputs></synapse>`)
	}
	b.WriteString(`</transition_graph>`)
	g, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatalf("test graph: %v", err)
	}
	return g
}

// A step of an engine script.
type step struct {
	do string // "step", "ok", "rc", "timeout-status", "tick", "abort", "done", "notdone", "dup"
	id int    // action for results
	rc int
	at time.Duration // for step and tick: time since start
	// want: for step/tick the fired/expired action ids; for results
	// "expected", "unexpected", "unexpected-abort".
	want  []int
	vwant string
}

func ids(as []*Action) []int {
	out := []int{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	sort.Ints(out)
	return out
}

func TestEngine(t *testing.T) {
	t0 := time.Unix(1000, 0)
	probe := `CRM_meta_op_target_rc="7"`
	for _, tc := range []struct {
		name  string
		batch int
		acts  []act
		steps []step
		sum   string // expected Summary().String()
	}{
		{
			name: "chain with pseudo action and probe",
			acts: []act{{id: 1, op: "monitor", attrs: probe}, {id: 2, inputs: []int{1}},
				{id: 3, kind: "pseudo_event", op: "running", inputs: []int{2}}, {id: 4, op: "monitor", attrs: `CRM_meta_interval="10000"`, inputs: []int{3}}},
			steps: []step{
				{do: "step", want: []int{1}}, {do: "notdone"},
				{do: "step", want: []int{}}, // nothing new while 1 is in flight
				{do: "rc", id: 1, rc: 7, vwant: "expected"},
				{do: "step", want: []int{2}},
				{do: "ok", id: 2, vwant: "expected"},
				{do: "step", want: []int{4}}, // 3 is pseudo: confirmed at once
				{do: "notdone"},
				{do: "ok", id: 4, vwant: "expected"}, {do: "step", want: []int{}}, {do: "done"},
			},
			sum: "Transition 3 (Complete=4, Pending=0, Fired=0, Skipped=0, Incomplete=0, Failed=0, Source=Complete)",
		},
		{
			name: "probe finds the resource running: abort, dependents skipped",
			acts: []act{{id: 1, op: "monitor", attrs: probe}, {id: 2, inputs: []int{1}}, {id: 3, inputs: []int{2}}},
			steps: []step{
				{do: "step", want: []int{1}},
				{do: "rc", id: 1, rc: 0, vwant: "unexpected-abort"},
				{do: "step", want: []int{}}, {do: "done"},
			},
			sum: "Transition 3 (Complete=1, Pending=0, Fired=0, Skipped=1, Incomplete=1, Failed=1, Source=Aborted: Event failed: r1_monitor_0 on n1: expected 'not running' but got 'ok')",
		},
		{
			name: "abort by a new event: nothing new fires, in-flight results collected",
			acts: []act{{id: 1}, {id: 2}, {id: 3, inputs: []int{1}}},
			steps: []step{
				{do: "step", want: []int{1, 2}},
				{do: "abort"},
				{do: "ok", id: 1, vwant: "expected"},
				{do: "step", want: []int{}}, {do: "notdone"},
				{do: "rc", id: 2, rc: 1, vwant: "unexpected"}, // already aborted
				{do: "done"},
			},
			sum: "Transition 3 (Complete=2, Pending=0, Fired=0, Skipped=1, Incomplete=0, Failed=1, Source=Aborted: Configuration change)",
		},
		{
			name:  "batch-limit 1 runs one action at a time, higher priority first",
			batch: 1,
			acts:  []act{{id: 1}, {id: 2, prio: 5}, {id: 3, kind: "pseudo_event", op: "running"}, {id: 4}},
			steps: []step{
				{do: "step", want: []int{2}}, // pseudo 3 is confirmed too
				{do: "ok", id: 2, vwant: "expected"},
				{do: "step", want: []int{1}},
				{do: "ok", id: 1, vwant: "expected"},
				{do: "step", want: []int{4}},
				{do: "ok", id: 4, vwant: "expected"}, {do: "done"},
			},
			sum: "Transition 3 (Complete=4, Pending=0, Fired=0, Skipped=0, Incomplete=0, Failed=0, Source=Complete)",
		},
		{
			name:  "migration-limit 1: one live migration per node at a time",
			batch: -1, // migration-limit="1", see below
			acts:  []act{{id: 1, op: "migrate_to"}, {id: 2, op: "migrate_to"}, {id: 3}},
			steps: []step{
				{do: "step", want: []int{1, 3}},
				{do: "ok", id: 3, vwant: "expected"},
				{do: "step", want: []int{}},
				{do: "ok", id: 1, vwant: "expected"},
				{do: "step", want: []int{2}},
				{do: "ok", id: 2, vwant: "expected"}, {do: "done"},
			},
			sum: "Transition 3 (Complete=3, Pending=0, Fired=0, Skipped=0, Incomplete=0, Failed=0, Source=Complete)",
		},
		{
			name: "timeout is CRM_meta_timeout plus cluster-delay",
			acts: []act{{id: 1}, {id: 2, inputs: []int{1}}},
			steps: []step{
				{do: "step", at: 0, want: []int{1}},
				{do: "tick", at: 3*time.Second - time.Millisecond, want: []int{}},
				{do: "tick", at: 3 * time.Second, want: []int{1}},
				{do: "dup", id: 1}, // a late result is refused
				{do: "step", at: 3 * time.Second, want: []int{}}, {do: "done"},
			},
			sum: "Transition 3 (Complete=1, Pending=0, Fired=0, Skipped=0, Incomplete=1, Failed=1, Source=Aborted: Event failed: r1_start_0 on n1: Timed Out (action timed out after 3s))",
		},
		{
			name: "an action that can fail does not abort nor block",
			acts: []act{{id: 1, op: "notify", attrs: `CRM_meta_can_fail="true"`}, {id: 2, inputs: []int{1}}},
			steps: []step{
				{do: "step", want: []int{1}},
				{do: "rc", id: 1, rc: 1, vwant: "unexpected"},
				{do: "step", want: []int{2}},
				{do: "ok", id: 2, vwant: "expected"}, {do: "done"},
			},
			sum: "Transition 3 (Complete=2, Pending=0, Fired=0, Skipped=0, Incomplete=0, Failed=1, Source=Complete)",
		},
		{
			name: "duplicate and unknown results are refused",
			acts: []act{{id: 1}},
			steps: []step{
				{do: "dup", id: 1}, // not fired yet
				{do: "step", want: []int{1}},
				{do: "ok", id: 1, vwant: "expected"},
				{do: "dup", id: 1}, {do: "dup", id: 99}, {do: "done"},
			},
			sum: "Transition 3 (Complete=1, Pending=0, Fired=0, Skipped=0, Incomplete=0, Failed=0, Source=Complete)",
		},
		{
			name:  "empty graph is done at once",
			steps: []step{{do: "done"}, {do: "step", want: []int{}}},
			sum:   "Transition 3 (Complete=0, Pending=0, Fired=0, Skipped=0, Incomplete=0, Failed=0, Source=Complete)",
		},
		{
			name:  "a cycle never fires and does not hang",
			acts:  []act{{id: 1, inputs: []int{2}}, {id: 2, inputs: []int{1}}},
			steps: []step{{do: "step", want: []int{}}, {do: "done"}},
			sum:   "Transition 3 (Complete=0, Pending=2, Fired=0, Skipped=0, Incomplete=0, Failed=0, Source=Complete)",
		},
		{
			name: "crm_event with rc 0 expected",
			acts: []act{{id: 1, kind: "crm_event", op: "do_shutdown"}},
			steps: []step{
				{do: "step", want: []int{1}},
				{do: "timeout-status", id: 1, vwant: "unexpected-abort"}, {do: "done"},
			},
			sum: "Transition 3 (Complete=1, Pending=0, Fired=0, Skipped=0, Incomplete=0, Failed=1, Source=Aborted: Event failed: r1_do_shutdown_0 on n1: Timed Out)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := testGraph(t, max(tc.batch, 0), tc.acts...)
			if tc.batch == -1 {
				g.MigrationLimit = 1
			}
			e := NewEngine(g)
			for i, s := range tc.steps {
				var v Verdict
				var err error
				isResult := false
				switch s.do {
				case "step":
					if got := ids(e.Step(t0.Add(s.at))); !reflect.DeepEqual(got, s.want) {
						t.Fatalf("step %d: fired %v, want %v", i, got, s.want)
					}
				case "tick":
					if got := ids(e.Tick(t0.Add(s.at))); !reflect.DeepEqual(got, s.want) {
						t.Fatalf("step %d: expired %v, want %v", i, got, s.want)
					}
				case "ok":
					v, err = e.Result(s.id, Outcome{Status: lrmd.StatusDone})
					isResult = true
				case "rc":
					v, err = e.Result(s.id, Outcome{Status: lrmd.StatusDone, RC: s.rc})
					isResult = true
				case "timeout-status":
					v, err = e.Result(s.id, Outcome{Status: lrmd.StatusTimeout, RC: 1})
					isResult = true
				case "dup":
					if _, err := e.Result(s.id, Outcome{Status: lrmd.StatusDone}); !errors.Is(err, ErrNotInFlight) {
						t.Fatalf("step %d: result for %d: %v, want ErrNotInFlight", i, s.id, err)
					}
				case "abort":
					if !e.Abort("Configuration change") || e.Abort("second") {
						t.Fatalf("step %d: Abort should succeed once", i)
					}
				case "done":
					if !e.Done() {
						t.Fatalf("step %d: not done: %s", i, e.Summary())
					}
				case "notdone":
					if e.Done() {
						t.Fatalf("step %d: done too early: %s", i, e.Summary())
					}
				}
				if isResult {
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					got := "expected"
					if !v.Expected {
						got = "unexpected"
						if v.Aborted {
							got += "-abort"
						}
					}
					if got != s.vwant {
						t.Fatalf("step %d: verdict %s, want %s", i, got, s.vwant)
					}
				}
			}
			if got := e.Summary().String(); got != tc.sum {
				t.Errorf("summary\n got %s\nwant %s", got, tc.sum)
			}
		})
	}
}

func TestNextDeadline(t *testing.T) {
	e := NewEngine(testGraph(t, 0, act{id: 1}, act{id: 2, attrs: `CRM_meta_start_delay="500"`}))
	if _, ok := e.NextDeadline(); ok {
		t.Error("deadline before anything fired")
	}
	t0 := time.Unix(50, 0)
	e.Step(t0)
	d, ok := e.NextDeadline()
	if !ok || !d.Equal(t0.Add(3*time.Second)) {
		t.Errorf("next deadline %v %v", d, ok)
	}
	if got := ids(e.Tick(t0.Add(3 * time.Second))); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("expired %v (action 2 has a start delay)", got)
	}
	if e.InFlight() != 1 {
		t.Errorf("in flight %d", e.InFlight())
	}
}
