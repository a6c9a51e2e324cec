package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/controller"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/transition"
)

// execPrefix starts every executor message on the wire; controller messages
// are JSON objects and start with '{'.
const execPrefix = 'X'

// Executor message types.
const (
	execRequest = "exec"        // DC -> node: run this action
	execResult  = "exec-result" // node -> DC: its outcome
	historyReq  = "history-req" // DC -> node: report your executor's history
	historyRes  = "history"     // node -> DC: Doc is its <lrm_resources>
	recurring   = "recurring"   // node -> DC: a recurring operation's result changed
)

// wireAction is the part of a graph action a node needs to run it.
type wireAction struct {
	Kind       transition.Kind       `json:"kind"`
	Operation  string                `json:"op"`
	Key        string                `json:"key"`
	Node       string                `json:"node"`
	NodeUUID   string                `json:"uuid,omitempty"`
	Rsc        *transition.Primitive `json:"rsc,omitempty"`
	Attrs      map[string]string     `json:"attrs,omitempty"`
	IntervalMS uint64                `json:"interval,omitempty"`
	TimeoutMS  uint64                `json:"timeout,omitempty"`
	TargetRC   int                   `json:"target"`
}

// execMsg is an action request or result between crmds.
type execMsg struct {
	Type    string              `json:"type"`
	From    string              `json:"from"`
	To      string              `json:"to"`
	ID      uint64              `json:"id"`
	TKey    string              `json:"tkey,omitempty"`
	Action  *wireAction         `json:"action,omitempty"`
	Outcome *transition.Outcome `json:"outcome,omitempty"`
	Doc     []byte              `json:"doc,omitempty"`
}

func encodeExec(m execMsg) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding %s message: %w", m.Type, err)
	}
	return append([]byte{execPrefix}, b...), nil
}

func decodeExec(b []byte) (execMsg, error) {
	var m execMsg
	if len(b) == 0 || b[0] != execPrefix {
		return m, errors.New("malformed executor message: no prefix")
	}
	if err := json.Unmarshal(b[1:], &m); err != nil {
		return m, fmt.Errorf("malformed executor message: %w", err)
	}
	if m.From == "" || m.To == "" {
		return m, errors.New("malformed executor message: bad from/to")
	}
	switch m.Type {
	case execRequest:
		a := m.Action
		if a == nil || a.Node == "" {
			return m, errors.New("malformed executor message: request without an action")
		}
		if a.Kind == transition.RscOp && (a.Rsc == nil || a.Rsc.ID == "" || a.Rsc.Class == "" || a.Rsc.Type == "") {
			return m, errors.New("malformed executor message: resource action without a resource")
		}
	case execResult:
		if m.Outcome == nil {
			return m, errors.New("malformed executor message: result without an outcome")
		}
	case recurring:
		a := m.Action
		if a == nil || a.Kind != transition.RscOp || a.Rsc == nil || a.Rsc.ID == "" || a.Node != m.From || m.Outcome == nil || m.Outcome.Result == nil {
			return m, errors.New("malformed executor message: bad recurring result")
		}
	case execFail:
		a := m.Action
		if a == nil || a.Kind != transition.RscOp || a.Rsc == nil || a.Rsc.ID == "" || a.Rsc.Class == "" || a.Rsc.Type == "" || a.Node != m.To {
			return m, errors.New("malformed executor message: bad fail request")
		}
	case historyReq, historyRes, lrmDelete, lrmDeleted:
	default:
		return m, fmt.Errorf("malformed executor message: unknown type %q", m.Type)
	}
	return m, nil
}

func toWire(a *transition.Action) *wireAction {
	return &wireAction{Kind: a.Kind, Operation: a.Operation, Key: a.Key, Node: a.Node, NodeUUID: a.NodeUUID,
		Rsc: a.Rsc, Attrs: a.Attrs, IntervalMS: a.IntervalMS, TimeoutMS: a.TimeoutMS, TargetRC: a.TargetRC}
}

func (w *wireAction) action() *transition.Action {
	return &transition.Action{Kind: w.Kind, Operation: w.Operation, Key: w.Key, Node: w.Node, NodeUUID: w.NodeUUID,
		Rsc: w.Rsc, Attrs: w.Attrs, IntervalMS: w.IntervalMS, TimeoutMS: w.TimeoutMS, TargetRC: w.TargetRC}
}

// remote dispatches actions for other nodes over membership messages and
// matches their results. Safe for concurrent use.
type remote struct {
	self string
	send func(to string, b []byte) bool
	up   func(node string) bool

	mu      sync.Mutex
	next    uint64
	pending map[uint64]remoteJob
}

type remoteJob struct {
	node   string
	report func(transition.Outcome)
}

func newRemote(self string, send func(string, []byte) bool, up func(string) bool) *remote {
	return &remote{self: self, send: send, up: up, pending: map[uint64]remoteJob{}}
}

// Dispatch sends the job to its node.
func (r *remote) Dispatch(ctx context.Context, job transition.Job, report func(transition.Outcome)) {
	a := job.Action
	notConnected := func(why string) {
		report(transition.Outcome{Status: lrmd.StatusNotConnected, RC: lrmd.OCFUnknownError, Reason: why})
	}
	if !r.up(a.Node) {
		notConnected(fmt.Sprintf("node %s is not a member", a.Node))
		return
	}
	r.mu.Lock()
	r.next++
	id := r.next
	r.pending[id] = remoteJob{node: a.Node, report: report}
	r.mu.Unlock()
	b, err := encodeExec(execMsg{Type: execRequest, From: r.self, To: a.Node, ID: id, TKey: job.TransitionKey, Action: toWire(a)})
	if err == nil && !r.send(a.Node, b) {
		err = fmt.Errorf("send queue to %s full", a.Node)
	}
	if err != nil {
		r.take(id)
		notConnected(err.Error())
		return
	}
	go func() {
		// An abandoned transition does not wait for its remote actions.
		<-ctx.Done()
		if j, ok := r.take(id); ok {
			j.report(transition.Outcome{Status: lrmd.StatusCancelled, RC: lrmd.OCFUnknownError, Reason: "transition abandoned"})
		}
	}()
}

func (r *remote) take(id uint64) (remoteJob, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j, ok := r.pending[id]
	delete(r.pending, id)
	return j, ok
}

// result delivers a node's answer.
func (r *remote) result(m execMsg) error {
	j, ok := r.take(m.ID)
	if !ok {
		return fmt.Errorf("result for unknown request %d from %s", m.ID, m.From)
	}
	if j.node != m.From {
		return fmt.Errorf("result for request %d from %s, sent to %s", m.ID, m.From, j.node)
	}
	j.report(*m.Outcome)
	return nil
}

// nodeDown fails every action in flight on a node that left.
func (r *remote) nodeDown(node string) {
	r.mu.Lock()
	var jobs []remoteJob
	for id, j := range r.pending {
		if j.node == node {
			jobs = append(jobs, j)
			delete(r.pending, id)
		}
	}
	r.mu.Unlock()
	for _, j := range jobs {
		j.report(transition.Outcome{Status: lrmd.StatusNotConnected, RC: lrmd.OCFUnknownError, Reason: "node " + node + " left the cluster"})
	}
}

// trackedLocal is this node's executor dispatcher, counting the actions in
// flight so that crmd does not exit while an agent it started still runs.
type trackedLocal struct {
	*transition.Local
	mu       sync.Mutex
	inflight int
}

// Dispatch runs the job on the local executor.
func (t *trackedLocal) Dispatch(ctx context.Context, job transition.Job, report func(transition.Outcome)) {
	if a := job.Action; a.Kind == transition.RscOp && a.Operation == "delete" {
		// The scheduler deletes a stopped orphan's history: the
		// controller's own work (lrmPatch), no agent runs.
		report(transition.Outcome{Status: lrmd.StatusDone, RC: a.TargetRC})
		return
	}
	t.mu.Lock()
	t.inflight++
	t.mu.Unlock()
	var once sync.Once
	t.Local.Dispatch(ctx, job, func(o transition.Outcome) {
		report(o)
		once.Do(func() {
			t.mu.Lock()
			t.inflight--
			t.mu.Unlock()
		})
	})
}

// wait waits until no action is in flight, or for at most d.
func (t *trackedLocal) wait(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		t.mu.Lock()
		n := t.inflight
		t.mu.Unlock()
		if n == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lrmPatch renders a completed action as an lrm-update patch for its node
// (see controller.OpLRMUpdate), or nil when nothing is recorded.
func lrmPatch(job transition.Job, o transition.Outcome) ([]byte, error) {
	a := job.Action
	if a.Kind != transition.RscOp || a.Rsc == nil {
		return nil, nil
	}
	if a.Operation == "delete" {
		// The resource's history goes, as Pacemaker's controller deletes
		// it; nothing is recorded of the action itself.
		if !o.Expected(a) {
			return nil, nil
		}
		lrs := etree.NewElement("lrm_resources")
		lr := lrs.CreateElement("lrm_resource")
		lr.CreateAttr("id", a.Rsc.ID)
		lr.CreateAttr("remove", "true")
		d := etree.NewDocument()
		d.SetRoot(lrs)
		return d.WriteToBytes()
	}
	scratch := etree.NewElement("status")
	if err := transition.RecordJob(scratch, job, o); err != nil {
		return nil, err
	}
	lrs := scratch.FindElement("node_state/lrm/lrm_resources")
	if lrs == nil {
		lrs = etree.NewElement("lrm_resources")
	}
	// del is the entry to remove; delKey, when set, limits that to the
	// entry this very operation wrote: the cancelled run of a recurring
	// monitor that a new request with the same key replaced must not remove
	// its replacement's entry.
	var del, delKey string
	switch {
	case a.Operation == "cancel" && o.Expected(a):
		task := a.Attrs["CRM_meta_operation"]
		if task == "" {
			task = "monitor"
		}
		del = lrmd.OpKey(a.Rsc.ID, task, a.IntervalMS)
	case o.Result != nil && o.Result.Status == lrmd.StatusCancelled && o.Result.Request.IntervalMS > 0:
		del = lrmd.OpKey(a.Rsc.ID, o.Result.Request.Action, o.Result.Request.IntervalMS)
		delKey = job.TransitionKey
	}
	if del != "" {
		lr := lrs.FindElement("lrm_resource[@id='" + a.Rsc.ID + "']")
		if lr == nil {
			lr = lrs.CreateElement("lrm_resource")
			lr.CreateAttr("id", a.Rsc.ID)
		}
		d := lr.CreateElement("delete")
		d.CreateAttr("id", del)
		if delKey != "" {
			d.CreateAttr("transition-key", delKey)
		}
	}
	if len(lrs.ChildElements()) == 0 {
		return nil, nil
	}
	d := etree.NewDocument()
	d.SetRoot(lrs)
	return d.WriteToBytes()
}

func outcomeOf(r lrmd.Result) transition.Outcome {
	return transition.Outcome{Status: r.Status, RC: r.RC, Reason: r.ExitReason, Result: &r}
}

// recordOp turns a completed action into the controller operation that
// records it, or ok=false when there is nothing to record.
func recordOp(job transition.Job, o transition.Outcome) (controller.Op, bool, error) {
	patch, err := lrmPatch(job, o)
	if err != nil || patch == nil {
		return controller.Op{}, false, err
	}
	return controller.Op{Kind: controller.OpLRMUpdate, Node: job.Action.Node, Doc: patch}, true, nil
}

// lrmBatcher coalesces a node's executor results into one lrm-update: the
// first result is proposed at once; while it is in flight, later results of
// the same node accumulate and go out together when it completes. A lone
// result waits for nothing, a burst costs one proposal per round trip.
// Event loop only.
type lrmBatcher struct {
	inflight map[string]uint64   // node -> id of its lrm-update in flight
	nodeOf   map[uint64]string   // the reverse
	queued   map[string][][]byte // node -> patches waiting
}

// add reports whether op should be proposed now; otherwise it is queued.
func (b *lrmBatcher) add(op controller.Op) bool {
	if b.inflight == nil {
		b.inflight, b.nodeOf, b.queued = map[string]uint64{}, map[uint64]string{}, map[string][][]byte{}
	}
	if _, busy := b.inflight[op.Node]; !busy {
		return true
	}
	b.queued[op.Node] = append(b.queued[op.Node], op.Doc)
	return false
}

// sent records the proposal in flight for node.
func (b *lrmBatcher) sent(node string, id uint64) {
	b.inflight[node] = id
	b.nodeOf[id] = node
}

// done reports whether id is a batched lrm-update (and marks it finished).
func (b *lrmBatcher) done(id uint64) bool {
	node, ok := b.nodeOf[id]
	if !ok {
		return false
	}
	delete(b.nodeOf, id)
	delete(b.inflight, node)
	return true
}

// take returns the next merged patch to propose, if any.
func (b *lrmBatcher) take() (string, []byte, error) {
	for _, node := range slices.Sorted(maps.Keys(b.queued)) {
		if _, busy := b.inflight[node]; busy {
			continue
		}
		patches := b.queued[node]
		delete(b.queued, node)
		doc, err := mergeLRMPatches(patches)
		return node, doc, err
	}
	return "", nil, nil
}

// idle reports whether no result waits to be proposed or applied.
func (b *lrmBatcher) idle() bool { return len(b.queued) == 0 && len(b.inflight) == 0 }

// reset forgets everything (the node is no longer the DC: the next DC
// rebuilds the history from the executors).
func (b *lrmBatcher) reset() { *b = lrmBatcher{} }

// mergeLRMPatches concatenates lrm-update patches; applying the result is
// applying them in order (an entry later in the list replaces an earlier
// one with the same id).
func mergeLRMPatches(patches [][]byte) ([]byte, error) {
	if len(patches) == 1 {
		return patches[0], nil
	}
	out := etree.NewElement("lrm_resources")
	for _, p := range patches {
		x := etree.NewDocument()
		if err := x.ReadFromBytes(p); err != nil {
			return nil, fmt.Errorf("merging operation-history patches: %w", err)
		}
		if r := x.Root(); r != nil {
			for _, c := range r.ChildElements() {
				out.AddChild(c)
			}
		}
	}
	x := etree.NewDocument()
	x.SetRoot(out)
	return x.WriteToBytes()
}

// flushLRM runs when a batched lrm-update completed: the node's queued
// results go out as the next one (event loop only).
func (d *daemon) flushLRM(e controller.Event) {
	if e.Code != 0 {
		d.log.Warn("recording executor results failed", "code", e.Code, "err", e.Err)
	}
	if d.node.Status().DC != d.self.Name {
		d.lrm.reset()
		return
	}
	for {
		node, doc, err := d.lrm.take()
		if err != nil {
			d.log.Error("recording executor results", "err", err)
			continue
		}
		if node == "" {
			return
		}
		d.nextID++
		d.lrm.sent(node, d.nextID)
		d.node.Propose(d.nextID, controller.Op{Kind: controller.OpLRMUpdate, Node: node, Doc: doc, Quiet: true})
	}
}
