package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/controller"
	"github.com/pacer-ha/pacer/controller/cibmodel"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/pengine"
	"github.com/pacer-ha/pacer/transition"
)

// dcUUID is the last field of the transition keys this DC writes.
func (d *daemon) dcUUID() string { return fmt.Sprintf("pacer-%d", d.self.ID) }

// execState is the executor side of crmd: this node's lrmd and, on the DC,
// the scheduler loop.
type execState struct {
	ex     *lrmd.Executor
	local  *trackedLocal
	remote *remote

	// do carries work for the event loop (which owns the controller).
	do chan func()

	kickMu     sync.Mutex
	kickReason string
	kickSeq    uint64 // counts kicks; a snapshot records it (see scheduler)
	kickCh     chan struct{}

	dcReady atomic.Bool // the loop's view: this node is the ready DC
	idle    atomic.Bool // the last schedule produced an empty transition

	// hist is this node's executor history (<lrm_resources>), what it
	// reports to a DC that refreshes its status.
	histMu sync.Mutex
	hist   *etree.Element

	// Loop-owned.
	fresh      map[string]bool   // nodes whose history this DC has refreshed
	refreshing map[string]uint64 // nodes asked for their history: request id
	refreshID  uint64
	lrm        lrmBatcher // executor results waiting to be proposed
	// behind: the scheduler wanted a snapshot while recorded results were
	// not applied yet; it is kicked once they are.
	behind bool
	// failCounts: fail-counts proposed and not yet written (node\x00name).
	failCounts map[string]pendingCount
	// parsed is the CIB parsedDoc, parsed (see parsedCIB).
	parsed    *cib.CIB
	parsedDoc []byte
}

// remember applies a patch of this node's own results to its history.
func (d *daemon) remember(patch []byte) {
	d.histMu.Lock()
	defer d.histMu.Unlock()
	if err := cibmodel.ApplyLRMPatch(d.hist, patch); err != nil {
		d.log.Error("keeping the executor history", "err", err)
	}
}

// history is this node's executor history as an <lrm_resources> document.
func (d *daemon) history() []byte {
	d.histMu.Lock()
	defer d.histMu.Unlock()
	x := etree.NewDocument()
	x.SetRoot(d.hist.Copy())
	b, err := x.WriteToBytes()
	if err != nil {
		d.log.Error("rendering the executor history", "err", err)
		return nil
	}
	return b
}

// kick asks the scheduler for a new transition (coalesced; a running one is
// aborted).
func (d *daemon) kick(reason string) {
	d.kickMu.Lock()
	d.kickSeq++
	if d.kickReason == "" {
		d.kickReason = reason
	}
	d.kickMu.Unlock()
	select {
	case d.kickCh <- struct{}{}:
	default:
	}
}

// takeKick returns the first reason of the kicks not taken yet ("" if a
// previous take already had them) and the number of the latest kick.
func (d *daemon) takeKick() (string, uint64) {
	d.kickMu.Lock()
	defer d.kickMu.Unlock()
	r := d.kickReason
	d.kickReason = ""
	return r, d.kickSeq
}

// submit runs f on the event loop.
func (d *daemon) submit(ctx context.Context, f func()) bool {
	select {
	case d.do <- f:
		return true
	case <-ctx.Done():
		return false
	}
}

// proposeOwn submits an operation of crmd's own (executor results, history
// refreshes). Its change of the CIB does not count as a new event unless
// kick says so. Operation-history updates are coalesced per node (see
// lrmBatcher).
func (d *daemon) proposeOwn(op controller.Op, kick string) {
	op.Quiet = true
	if op.Kind != controller.OpLRMUpdate || d.lrm.add(op) {
		d.nextID++
		if op.Kind == controller.OpLRMUpdate {
			d.lrm.sent(op.Node, d.nextID)
		}
		d.node.Propose(d.nextID, op)
	}
	if kick != "" {
		d.kick(kick)
	}
}

// afterStep runs at the end of every event-loop iteration.
func (d *daemon) afterStep() {
	s := d.node.Status()
	ready := s.DC == d.self.Name && s.Ready
	if was := d.dcReady.Swap(ready); ready && !was {
		// The partition is synced: schedule even if the CIB did not change.
		d.kick("DC ready")
	}
	if d.behind && s.Unapplied == 0 && d.lrm.idle() {
		d.behind = false
		d.kick("results recorded")
	}
}

// onRecurring records a recurring monitor's change (a failure, or the
// cancellation by a stop) through the DC, on whichever node it runs.
func (d *daemon) onRecurring(ctx context.Context) func(transition.Job, lrmd.Result) {
	return func(job transition.Job, res lrmd.Result) {
		op, ok, err := recordOp(job, outcomeOf(res))
		if err != nil {
			d.log.Error("recording a recurring result", "op", job.Action.Key, "err", err)
			return
		}
		kick := ""
		if res.Status != lrmd.StatusCancelled {
			d.log.Warn("recurring operation changed", "op", job.Action.Key, "rc", res.RC, "status", res.Status.String(), "reason", res.ExitReason)
			if !outcomeOf(res).Expected(job.Action) {
				kick = "Change in recurring result of " + job.Action.Key
			}
		}
		if ok {
			d.remember(op.Doc)
		}
		if !ok && kick == "" {
			return
		}
		d.submit(ctx, func() {
			switch dc := d.node.Status().DC; dc {
			case d.self.Name:
				d.recordRecurring(job, op, ok, kick, res.Finished)
			case "":
				// No DC now: the next one gets it with this node's history.
			default:
				o := outcomeOf(res)
				b, err := encodeExec(execMsg{Type: recurring, From: d.self.Name, To: dc, TKey: job.TransitionKey, Action: toWire(job.Action), Outcome: &o})
				if err != nil {
					d.log.Error("encoding a recurring result", "err", err)
					return
				}
				if !d.sendRaw(dc, b) {
					d.log.Warn("send queue full, dropping a recurring result", "to", dc)
				}
			}
		})
	}
}

// recordRecurring records a recurring operation's change on the DC (event
// loop only); an unexpected result counts as a failure and a new event.
func (d *daemon) recordRecurring(job transition.Job, op controller.Op, ok bool, kick string, when time.Time) {
	if ok {
		d.proposeOwn(op, kick)
	}
	if kick != "" {
		d.countFailure(job, when)
	}
}

// onExecMessage handles an executor request or result from a peer.
func (d *daemon) onExecMessage(ctx context.Context, b []byte) {
	m, err := decodeExec(b)
	if err != nil {
		d.log.Warn("dropping malformed executor message", "err", err)
		return
	}
	if m.To != d.self.Name {
		d.log.Warn("dropping executor message for another node", "to", m.To, "from", m.From)
		return
	}
	if _, ok := d.ids[m.From]; !ok {
		d.log.Warn("dropping executor message from an unknown node", "from", m.From)
		return
	}
	switch m.Type {
	case execResult:
		if err := d.remote.result(m); err != nil {
			d.log.Debug("ignoring executor result", "err", err)
		}
	case recurring:
		if d.node.Status().DC != d.self.Name {
			d.log.Debug("ignoring a recurring result: not the DC", "from", m.From)
			return
		}
		job := transition.Job{Action: m.Action.action(), TransitionKey: m.TKey}
		o := *m.Outcome
		op, ok, err := recordOp(job, o)
		if err != nil {
			d.log.Warn("dropping a recurring result", "from", m.From, "err", err)
			return
		}
		kick := ""
		if o.Status != lrmd.StatusCancelled && !o.Expected(job.Action) {
			kick = "Change in recurring result of " + job.Action.Key + " on " + m.From
		}
		d.recordRecurring(job, op, ok, kick, o.Result.Finished)
	case execFail:
		d.onFailRequest(ctx, m)
	case lrmDelete:
		d.forget(m.Doc, m.From)
		b, err := encodeExec(execMsg{Type: lrmDeleted, From: d.self.Name, To: m.From, ID: m.ID})
		if err == nil {
			d.sendRaw(m.From, b)
		}
	case lrmDeleted:
		d.onHistoryDeleted(m)
	case historyReq:
		b, err := encodeExec(execMsg{Type: historyRes, From: d.self.Name, To: m.From, ID: m.ID, Doc: d.history()})
		if err != nil {
			d.log.Error("encoding the executor history", "err", err)
			return
		}
		if !d.sendRaw(m.From, b) {
			d.log.Warn("send queue full, dropping the executor history", "to", m.From)
		}
	case historyRes:
		if id, ok := d.refreshing[m.From]; !ok || id != m.ID || d.node.Status().DC != d.self.Name {
			d.log.Debug("ignoring a stale executor history", "from", m.From)
			return
		}
		delete(d.refreshing, m.From)
		d.log.Info("operation history refreshed from the node's executor", "peer", m.From)
		d.proposeOwn(controller.Op{Kind: controller.OpLRMClear, Node: m.From, Doc: m.Doc}, "history of "+m.From+" refreshed")
	case execRequest:
		if m.Action.Node != d.self.Name {
			d.log.Warn("dropping an action for another node", "node", m.Action.Node, "from", m.From)
			return
		}
		if m.Action.Kind == transition.CRMEvent && m.Action.Operation == "do_shutdown" {
			d.log.Info("the DC sent do_shutdown", "from", m.From)
			d.onRemoteShutdown(m)
			return
		}
		job := transition.Job{Action: m.Action.action(), TransitionKey: m.TKey}
		from, id := m.From, m.ID
		d.log.Info("executing", "op", job.Action.Key, "for", from)
		// Not on the event loop: cancelling a recurring operation waits for
		// its last result, which is recorded through the loop.
		go d.local.Dispatch(ctx, job, func(o transition.Outcome) {
			if op, ok, err := recordOp(job, o); err == nil && ok {
				d.remember(op.Doc)
			}
			b, err := encodeExec(execMsg{Type: execResult, From: d.self.Name, To: from, ID: id, Outcome: &o})
			if err != nil {
				d.log.Error("encoding an executor result", "err", err)
				return
			}
			if !d.sendRaw(from, b) {
				d.log.Warn("send queue full, dropping an executor result", "to", from)
			}
		})
	}
}

type snapshot struct {
	doc   []byte
	ready bool
	kicks uint64 // kicks before it: their events are in doc
}

func (d *daemon) snapshot(ctx context.Context) (snapshot, bool) {
	reply := make(chan snapshot, 1)
	if !d.submit(ctx, func() {
		doc, _ := d.node.Doc()
		s := d.node.Status()
		// Results still queued (a burst of them is recorded as one batch)
		// are not in the document yet: schedule once they are, rather than
		// repeat actions whose results are on their way.
		behind := s.Unapplied > 0 || !d.lrm.idle()
		d.behind = d.behind || behind
		// While a node's history is being fetched the status is not to be
		// trusted: its arrival kicks the scheduler again.
		d.kickMu.Lock()
		kicks := d.kickSeq
		d.kickMu.Unlock()
		reply <- snapshot{doc: doc, ready: s.DC == d.self.Name && s.Ready && len(d.refreshing) == 0 && !behind, kicks: kicks}
	}) {
		return snapshot{}, false
	}
	select {
	case s := <-reply:
		return s, true
	case <-ctx.Done():
		return snapshot{}, false
	}
}

// scheduler is the DC's loop: schedule, execute, record, until the
// scheduler's graph is empty. A new event aborts the running transition
// (in-flight actions are still collected) and schedules again at once.
func (d *daemon) scheduler(ctx context.Context) {
	var (
		drv       *transition.Driver
		cancelRun context.CancelFunc
		done      = make(chan transition.Summary, 1)
		round     int
		failures  int // consecutive transitions that did not complete
		retry     <-chan time.Time
		recheck   *time.Timer
		recheckC  <-chan time.Time // the scheduler's recheck-by / cluster-recheck-interval
		lastKeys  string           // actions of the last transition that completed cleanly
		runKeys   string
		// scheduled counts the kicks before the snapshot last scheduled:
		// a kick up to there (e.g. one that came while the scheduler ran
		// on a CIB that already had its change) is not a new event.
		scheduled uint64
	)
	router := &transition.Router{Nodes: map[string]transition.Dispatcher{d.self.Name: d.local}, Default: d.remote}
	start := func(reason string) {
		began := time.Now()
		snap, ok := d.snapshot(ctx)
		if !ok || !snap.ready {
			d.log.Debug("not scheduling", "cause", reason, "ok", ok)
			return
		}
		scheduled = snap.kicks
		g, err := d.graph(snap.doc)
		if err != nil {
			d.log.Error("scheduling", "err", err)
			failures++
			retry = time.After(backoff(failures))
			return
		}
		if recheck != nil {
			recheck.Stop()
		}
		recheck, recheckC = nil, nil
		if !g.RecheckBy.IsZero() {
			recheck = time.NewTimer(max(0, time.Until(g.RecheckBy)))
			recheckC = recheck.C
			d.log.Debug("scheduling again by", "recheck-by", g.RecheckBy.Format(time.RFC3339))
		}
		if g.Len() == 0 {
			if !d.idle.Swap(true) {
				d.log.Info("cluster idle: the scheduler has nothing to do")
			}
			failures = 0
			return
		}
		keys := graphKeys(g)
		if reason == afterTransition && keys == lastKeys {
			// The transition just completed and the scheduler asks for
			// exactly the same again (e.g. pengine does not count a
			// recurring monitor after a probe that found the resource
			// running): do not spin, wait for a new event.
			d.log.Warn("the scheduler repeats the transition that just completed; waiting for a new event", "actions", keys)
			return
		}
		runKeys = keys
		d.idle.Store(false)
		g.TransitionID = round
		round++
		d.log.Info("starting transition", "id", g.TransitionID, "actions", g.Len(), "cause", reason, "scheduled_in", time.Since(began).Round(time.Millisecond))
		var rctx context.Context
		rctx, cancelRun = context.WithCancel(ctx)
		drv = transition.NewDriver(g, transition.Config{
			Dispatcher: d.dcDispatcher(ctx, router), UUID: d.dcUUID(), TickEvery: 100 * time.Millisecond,
			OnResult: func(job transition.Job, o transition.Outcome, v transition.Verdict) { d.onResult(ctx, job, o, v) },
			Logf:     func(f string, args ...any) { d.log.Debug(fmt.Sprintf(f, args...)) },
		})
		go func(drv *transition.Driver) {
			sum, err := drv.Run(rctx)
			if err != nil {
				d.log.Warn("transition abandoned", "err", err)
			}
			done <- sum
		}(drv)
	}
	for {
		select {
		case <-ctx.Done():
			if cancelRun != nil {
				cancelRun()
			}
			return
		case <-d.kickCh:
			reason, seq := d.takeKick()
			if drv != nil && !d.dcReady.Load() {
				cancelRun() // no longer the DC: stop waiting for anything
				continue
			}
			if reason == "" || seq <= scheduled {
				continue // taken already, or already in the CIB scheduled last
			}
			if drv != nil {
				drv.Abort(reason)
				continue
			}
			if retry != nil {
				continue // backing off after repeated failures; retry fires
			}
			start(reason)
		case sum := <-done:
			drv = nil
			cancelRun()
			d.log.Info("transition finished", "summary", sum.String())
			lastKeys = ""
			if sum.Aborted || sum.Failed > 0 || sum.Incomplete > 0 {
				failures++
			} else {
				failures = 0
				lastKeys = runKeys
			}
			if failures >= 3 {
				retry = time.After(backoff(failures))
				continue
			}
			start(afterTransition)
		case <-retry:
			retry = nil
			start("retry")
		case <-recheckC:
			// A transition running (or backing off) schedules again when
			// it ends, which re-arms the timer.
			recheckC = nil
			if drv == nil && retry == nil {
				start("recheck: a failure-timeout, date rule or cluster-recheck-interval is due")
			}
		}
	}
}

const afterTransition = "previous transition finished"

// graphKeys names a graph's actions (sorted), to recognise a repeat.
func graphKeys(g *transition.Graph) string {
	var keys []string
	for _, a := range g.SortedActions() {
		keys = append(keys, a.Key+"@"+a.Node)
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

// backoff spaces transitions that keep failing (an action that always
// fails must not spin the DC); the first retries are immediate.
func backoff(failures int) time.Duration {
	if failures < 3 {
		return 0
	}
	return min(5*time.Second, 100*time.Millisecond<<min(failures-3, 6))
}

// graph schedules a CIB and returns the transition graph.
func (d *daemon) graph(doc []byte) (*transition.Graph, error) { return scheduleGraph(doc) }

// scheduleGraph runs the scheduler on a CIB and returns its transition graph.
func scheduleGraph(doc []byte) (*transition.Graph, error) {
	// cib's parser: several times faster than etree's on a large status.
	c, err := cib.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("parsing the CIB: %w", err)
	}
	now := time.Now()
	t, err := pengine.Schedule(c.Root(), now)
	if err != nil {
		return nil, fmt.Errorf("pengine: %w", err)
	}
	g, err := transition.FromTransition(t)
	if err != nil {
		return nil, err
	}
	holdShutdowns(g)
	// The DC schedules again by the scheduler's recheck-by, and at the
	// latest after cluster-recheck-interval (0 disables the interval), as
	// Pacemaker's controller does: g.RecheckBy becomes the earlier of both.
	if iv := t.Cluster.Properties.ClusterRecheckInterval(); iv > 0 {
		if at := now.Add(iv); g.RecheckBy.IsZero() || at.Before(g.RecheckBy) {
			g.RecheckBy = at
		}
	}
	return g, nil
}

// onResult records a completed action (called from the driver).
func (d *daemon) onResult(ctx context.Context, job transition.Job, o transition.Outcome, v transition.Verdict) {
	a := job.Action
	if a.Kind == transition.CRMEvent && a.Operation == "stonith" {
		d.log.Error("fencing requested but Pacer has no fencer yet: set stonith-enabled=false", "action", a.Key, "reason", o.Reason)
	}
	lvl := d.log.Info
	if !v.Expected {
		lvl = d.log.Warn
	}
	lvl("action result", "op", a.Key, "node", a.Node, "rc", o.RC, "status", o.Status.String(), "expected", v.Expected, "reason", o.Reason)
	op, ok, err := recordOp(job, o)
	if err != nil {
		d.log.Error("recording a result", "op", a.Key, "err", err)
		return
	}
	if !ok {
		return
	}
	if a.Node == d.self.Name {
		d.remember(op.Doc)
	}
	finished := time.Now()
	if o.Result != nil {
		finished = o.Result.Finished
	}
	d.submit(ctx, func() {
		// Only the DC records graph results: a DC that lost its role leaves
		// the node's history to the next one (which refreshes it).
		if d.node.Status().DC == d.self.Name {
			d.proposeOwn(op, "")
			if !v.Expected && !a.IsProbe() && o.Status != lrmd.StatusCancelled && a.Operation != "cancel" {
				d.countFailure(job, finished)
			}
		}
	})
}

// countFailure updates the node's fail-count and last-failure attributes
// for a failed action as Pacemaker's controller does: a failed start counts
// INFINITY (start-failure-is-fatal, the default), anything else one more.
// Event loop only.
func (d *daemon) countFailure(job transition.Job, when time.Time) {
	a := job.Action
	if a.Rsc == nil || a.Node == "" {
		return
	}
	// Named by the id the executor knows, as Pacemaker's controller does
	// (an anonymous clone's instances share "fail-count-BASE#...").
	rsc := a.Rsc.ID
	suffix := fmt.Sprintf("%s#%s_%d", rsc, a.Operation, a.IntervalMS)
	c := d.parsedCIB()
	value := "INFINITY"
	if a.Operation != "start" || c == nil || !startFailureIsFatal(c) {
		name := "fail-count-" + suffix
		var cur string
		if c != nil {
			cur, _, _ = cibmodel.AttributeIn(c, d.ids, a.Node, name)
		}
		// A count proposed but not applied yet (the next write batch) is
		// newer than the CIB's.
		if p, ok := d.failCounts[a.Node+"\x00"+name]; ok {
			cur = p.value
		}
		n := cluster.ParseScore(cur)
		if cur == "" {
			n = 0
		}
		value = cluster.ScoreString(min(n+1, cluster.ParseScore("INFINITY")))
	}
	if when.IsZero() {
		when = time.Now()
	}
	d.log.Warn("updating the fail count", "node", a.Node, "name", "fail-count-"+suffix, "value", value)
	d.proposeOwn(controller.Op{Kind: controller.OpAttrSet, Node: a.Node, Name: "fail-count-" + suffix, Value: value}, "")
	if d.failCounts == nil {
		d.failCounts = map[string]pendingCount{}
	}
	d.failCounts[a.Node+"\x00fail-count-"+suffix] = pendingCount{value: value, id: d.nextID}
	d.proposeOwn(controller.Op{Kind: controller.OpAttrSet, Node: a.Node, Name: "last-failure-" + suffix, Value: fmt.Sprint(when.Unix())}, "")
}

// pendingCount is a fail-count this DC proposed (request id), until its
// write completes.
type pendingCount struct {
	value string
	id    uint64
}

// countDone forgets the pending fail-counts of a completed request.
func (d *daemon) countDone(id uint64) {
	for k, p := range d.failCounts {
		if p.id == id {
			delete(d.failCounts, k)
		}
	}
}

// parsedCIB returns the current CIB parsed, parsing it once per version: a
// burst of failures reads it for every one (event loop only; nil if it
// does not parse).
func (d *daemon) parsedCIB() *cib.CIB {
	doc, _ := d.node.Doc()
	if len(doc) > 0 && len(doc) == len(d.parsedDoc) && &doc[0] == &d.parsedDoc[0] {
		return d.parsed
	}
	c, err := cib.Parse(doc)
	if err != nil {
		return nil
	}
	d.parsed, d.parsedDoc = c, doc
	return c
}

// startFailureIsFatal reads start-failure-is-fatal (default true).
func startFailureIsFatal(c *cib.CIB) bool {
	for _, nv := range c.Root().FindElements("//crm_config//nvpair[@name='start-failure-is-fatal']") {
		switch nv.SelectAttrValue("value", "") {
		case "false", "no", "0", "off", "n":
			return false
		}
	}
	return true
}

// statusEvent handles the controller events that concern the executor.
func (d *daemon) statusEvent(e controller.Event) {
	switch e.Kind {
	case controller.EventDC:
		if e.Node != "" && e.Node != d.self.Name {
			d.fresh = map[string]bool{}
			d.refreshing = map[string]uint64{}
			d.lrm.reset()
		}
		d.kick("DC changed")
	case controller.EventQuorum:
		d.kick("quorum changed")
	case controller.EventEvicted:
		delete(d.fresh, e.Node)
		delete(d.refreshing, e.Node)
	case controller.EventRefreshStatus:
		if d.fresh[e.Node] {
			return
		}
		// The node's history is rebuilt from its executor, not from
		// whichever copy of the status section won the election.
		d.fresh[e.Node] = true
		if e.Node == d.self.Name {
			d.proposeOwn(controller.Op{Kind: controller.OpLRMClear, Node: e.Node, Doc: d.history()}, "history of "+e.Node+" refreshed")
			return
		}
		d.refreshID++
		id, node := d.refreshID, e.Node
		d.refreshing[node] = id
		d.log.Info("asking for the operation history", "peer", node)
		b, err := encodeExec(execMsg{Type: historyReq, From: d.self.Name, To: node, ID: id})
		if err == nil {
			d.sendRaw(node, b)
		}
		// No answer in time: forget the node's history and let the
		// scheduler probe it.
		time.AfterFunc(refreshTimeout, func() {
			d.submit(d.ctx, func() {
				if d.refreshing[node] == id && d.node.Status().DC == d.self.Name {
					delete(d.refreshing, node)
					d.log.Warn("no operation history from the node in time: it will be probed", "peer", node)
					d.proposeOwn(controller.Op{Kind: controller.OpLRMClear, Node: node}, "history of "+node+" cleared")
				}
			})
		})
	}
}

// refreshTimeout bounds the wait for a node's executor history.
const refreshTimeout = 2 * time.Second
