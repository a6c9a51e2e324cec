package transition

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/lrmd"
)

// held is a dispatcher that keeps jobs until the test answers them.
type held struct {
	mu      sync.Mutex
	jobs    map[int]func(Outcome)
	order   []int
	arrived chan int
}

func newHeld() *held { return &held{jobs: map[int]func(Outcome){}, arrived: make(chan int, 64)} }

func (h *held) Dispatch(_ context.Context, job Job, report func(Outcome)) {
	h.mu.Lock()
	h.jobs[job.Action.ID] = report
	h.order = append(h.order, job.Action.ID)
	h.mu.Unlock()
	h.arrived <- job.Action.ID
}

func (h *held) answer(id int, o Outcome) {
	h.mu.Lock()
	r := h.jobs[id]
	h.mu.Unlock()
	r(o)
}

func waitFor(t *testing.T, ch chan int, want int) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("dispatched %d, want %d", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("action %d never dispatched", want)
	}
}

type runResult struct {
	sum Summary
	err error
}

func TestDriverAbortByEvent(t *testing.T) {
	g := testGraph(t, 0, act{id: 1}, act{id: 2}, act{id: 3, inputs: []int{1}})
	h := newHeld()
	var got []string
	d := NewDriver(g, Config{Dispatcher: h, UUID: "u", TickEvery: 10 * time.Millisecond,
		OnResult: func(j Job, o Outcome, v Verdict) { got = append(got, j.TransitionKey) }})
	done := make(chan runResult, 1)
	go func() { s, err := d.Run(context.Background()); done <- runResult{s, err} }()
	first := map[int]bool{}
	for range 2 {
		select {
		case id := <-h.arrived:
			first[id] = true
		case <-time.After(10 * time.Second):
			t.Fatal("actions not dispatched")
		}
	}
	if !first[1] || !first[2] {
		t.Fatalf("dispatched %v", first)
	}
	d.Abort("Node attribute change")
	h.answer(1, Outcome{Status: lrmd.StatusDone})
	select {
	case r := <-done:
		t.Fatalf("run ended with action 2 in flight: %v", r.sum)
	case <-time.After(100 * time.Millisecond):
	}
	h.answer(2, Outcome{Status: lrmd.StatusDone})
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !r.sum.Aborted || r.sum.AbortReason != "Node attribute change" || r.sum.Complete != 2 || r.sum.Skipped != 1 {
		t.Errorf("summary %s", r.sum)
	}
	select {
	case id := <-h.arrived:
		t.Errorf("action %d dispatched after the abort", id)
	default:
	}
	if len(got) != 2 || !strings.HasSuffix(got[0], ":3:0:u") {
		t.Errorf("results delivered: %v", got)
	}
}

// fakeClock is advanced by the test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestDriverTimeoutIsRecorded(t *testing.T) {
	g := testGraph(t, 0, act{id: 1}, act{id: 2, inputs: []int{1}})
	h := newHeld()
	clk := &fakeClock{now: time.Unix(1000, 0)}
	cib := etree.NewElement("cib")
	prev := &lrmd.Result{Request: lrmd.Request{RscID: "r1", Action: "monitor"}, CallID: 41, RC: 7, Status: lrmd.StatusDone}
	if _, err := Record(cib, "n1", "1", g.Actions[1].Rsc, prev, 7); err != nil {
		t.Fatal(err)
	}
	d := NewDriver(g, Config{Dispatcher: h, UUID: "u", Now: clk.Now, TickEvery: 5 * time.Millisecond,
		OnResult: func(j Job, o Outcome, v Verdict) {
			if err := RecordJob(cib, j, o); err != nil {
				t.Error(err)
			}
		}})
	done := make(chan runResult, 1)
	go func() { s, err := d.Run(context.Background()); done <- runResult{s, err} }()
	waitFor(t, h.arrived, 1)
	clk.add(2999 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("timed out too early: %s", r.sum)
	case <-time.After(50 * time.Millisecond):
	}
	clk.add(time.Millisecond)
	r := <-done
	if !r.sum.Aborted || r.sum.Failed != 1 || r.sum.Incomplete != 1 {
		t.Errorf("summary %s", r.sum)
	}
	lf := cib.FindElement("//lrm_rsc_op[@id='r1_last_failure_0']")
	if lf == nil || lf.SelectAttrValue("op-status", "") != "2" || lf.SelectAttrValue("transition-key", "") != "1:3:0:u" ||
		lf.SelectAttrValue("call-id", "") != "42" {
		t.Fatalf("timeout not recorded: %v", lf)
	}
	h.answer(1, Outcome{Status: lrmd.StatusDone}) // late: dropped, no panic
}

func TestDriverFencingStubAndUnknownNode(t *testing.T) {
	g := testGraph(t, 0, act{id: 1, kind: "crm_event", op: "stonith"}, act{id: 2, inputs: []int{1}})
	var outcomes []Outcome
	d := NewDriver(g, Config{Dispatcher: &Router{}, OnResult: func(j Job, o Outcome, v Verdict) { outcomes = append(outcomes, o) }})
	sum, err := d.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != 1 || !strings.Contains(outcomes[0].Reason, "fencing is not implemented") || !sum.Aborted {
		t.Errorf("fencing: %+v %s", outcomes, sum)
	}
	g = testGraph(t, 0, act{id: 1})
	outcomes = nil
	d = NewDriver(g, Config{Dispatcher: &Router{Nodes: map[string]Dispatcher{"other": &Local{}}},
		OnResult: func(j Job, o Outcome, v Verdict) { outcomes = append(outcomes, o) }})
	if sum, _ = d.Run(context.Background()); !sum.Aborted || len(outcomes) != 1 || outcomes[0].Status != lrmd.StatusNotConnected {
		t.Errorf("unknown node: %+v %s", outcomes, sum)
	}
}

func TestDriverCrmEventHandlers(t *testing.T) {
	g := testGraph(t, 0, act{id: 1, kind: "crm_event", op: "clear_failcount"}, act{id: 2, kind: "crm_event", op: "do_shutdown", inputs: []int{1}})
	var cleared []string
	l := &Local{Events: map[string]func(context.Context, *Action) error{
		"clear_failcount": func(_ context.Context, a *Action) error { cleared = append(cleared, a.Node); return nil },
	}}
	var reasons []string
	d := NewDriver(g, Config{Dispatcher: &Router{Default: l}, OnResult: func(j Job, o Outcome, v Verdict) { reasons = append(reasons, o.Reason) }})
	sum, err := d.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cleared) != 1 || cleared[0] != "n1" || len(reasons) != 2 || !strings.Contains(reasons[1], "no handler for crm_event do_shutdown") || !sum.Aborted {
		t.Errorf("cleared %v reasons %q %s", cleared, reasons, sum)
	}
}

func TestDriverContextCancel(t *testing.T) {
	g := testGraph(t, 0, act{id: 1})
	h := newHeld()
	ctx, cancel := context.WithCancel(context.Background())
	d := NewDriver(g, Config{Dispatcher: h})
	done := make(chan runResult, 1)
	go func() { s, err := d.Run(ctx); done <- runResult{s, err} }()
	waitFor(t, h.arrived, 1)
	cancel()
	r := <-done
	if !errors.Is(r.err, context.Canceled) || !r.sum.Aborted || r.sum.Fired != 1 {
		t.Errorf("cancel: %v %s", r.err, r.sum)
	}
	h.answer(1, Outcome{}) // after Run returned: must not block or panic
	if _, err := NewDriver(g, Config{}).Run(context.Background()); err == nil {
		t.Error("ran without a dispatcher")
	}
}
