package transition

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/lrmd"
)

// Job is one action sent to a node, with the transition key its result is
// recorded under.
type Job struct {
	Action        *Action
	TransitionKey string
}

// Dispatcher sends actions to where they run. Dispatch must not block for
// the action's duration: it reports the outcome, exactly once, through
// report, from any goroutine, possibly before returning. ctx ends when the
// transition is abandoned.
type Dispatcher interface {
	Dispatch(ctx context.Context, job Job, report func(Outcome))
}

// DispatchFunc adapts a function to Dispatcher.
type DispatchFunc func(ctx context.Context, job Job, report func(Outcome))

// Dispatch calls f.
func (f DispatchFunc) Dispatch(ctx context.Context, job Job, report func(Outcome)) {
	f(ctx, job, report)
}

// Router dispatches fencing to Fencer and every other action to the
// dispatcher of its node (Default for nodes without one).
type Router struct {
	Nodes   map[string]Dispatcher
	Default Dispatcher
	// Fencer runs stonith crm_events. Nil: fencing fails with a clear
	// reason (Pacer's fencer is not built yet).
	Fencer Dispatcher
}

// ErrNoFencer is the reason fencing fails without a Fencer.
var ErrNoFencer = errors.New("fencing is not implemented in this controller (no fencer configured)")

// Dispatch routes the job.
func (r *Router) Dispatch(ctx context.Context, job Job, report func(Outcome)) {
	a := job.Action
	if a.Kind == CRMEvent && a.Operation == "stonith" {
		if r.Fencer == nil {
			report(Outcome{Status: lrmd.StatusError, RC: lrmd.OCFUnknownError, Reason: ErrNoFencer.Error()})
			return
		}
		r.Fencer.Dispatch(ctx, job, report)
		return
	}
	d := r.Nodes[a.Node]
	if d == nil {
		d = r.Default
	}
	if d == nil {
		report(Outcome{Status: lrmd.StatusNotConnected, RC: lrmd.OCFUnknownError,
			Reason: fmt.Sprintf("no executor connection to node %q", a.Node)})
		return
	}
	d.Dispatch(ctx, job, report)
}

// Config configures a Driver.
type Config struct {
	// Dispatcher sends the actions (e.g. a Router of Local executors).
	Dispatcher Dispatcher
	// UUID is the DC's id, the last field of transition keys.
	UUID string
	// OnResult is called, one call at a time from Run's goroutine, for
	// every completed non-pseudo action (timeouts included, with a
	// synthesized lrmd result for resource actions), before the engine
	// fires what depended on it: the controller records it in the CIB
	// (see RecordJob).
	OnResult func(job Job, o Outcome, v Verdict)
	// OnDispatch, if set, is called (from Run's goroutine) just before an
	// action is dispatched: the controller may record it as pending
	// (see RecordPending).
	OnDispatch func(job Job)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// TickEvery is how often action deadlines are checked (default 1s).
	TickEvery time.Duration
	// Logf, if set, receives progress lines.
	Logf func(format string, args ...any)
}

// Driver executes one transition graph: the side-effect shell around an
// Engine.
type Driver struct {
	cfg     Config
	eng     *Engine
	results chan result
	wake    chan struct{}

	mu    sync.Mutex // guards abort
	abort string     // requested abort reason, "" for none
}

type result struct {
	job Job
	o   Outcome
}

// NewDriver prepares the execution of a graph.
func NewDriver(g *Graph, cfg Config) *Driver {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TickEvery <= 0 {
		cfg.TickEvery = time.Second
	}
	return &Driver{cfg: cfg, eng: NewEngine(g),
		results: make(chan result, len(g.Actions)+1), wake: make(chan struct{}, 1)}
}

// Abort asks the running transition to stop firing new actions (a new
// event: configuration, membership or attribute change). Safe to call
// from any goroutine, before or during Run; it takes effect before any
// result that arrives after it returns can fire new actions.
func (d *Driver) Abort(reason string) {
	if reason == "" {
		reason = "aborted"
	}
	d.mu.Lock()
	if d.abort == "" {
		d.abort = reason
	}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// applyAbort hands a requested abort to the engine.
func (d *Driver) applyAbort() {
	d.mu.Lock()
	reason := d.abort
	d.mu.Unlock()
	if reason != "" && d.eng.Abort(reason) {
		d.logf("Transition %d aborted: %s", d.eng.Graph().TransitionID, reason)
	}
}

// Engine exposes the engine (for inspection after Run returns).
func (d *Driver) Engine() *Engine { return d.eng }

func (d *Driver) logf(format string, args ...any) {
	if d.cfg.Logf != nil {
		d.cfg.Logf(format, args...)
	}
}

// Run executes the graph until it is done (completed, or aborted with
// nothing left in flight) and returns its summary. If ctx ends first, the
// transition is aborted and Run returns at once with ctx's error; results
// still arriving are dropped.
func (d *Driver) Run(ctx context.Context) (Summary, error) {
	if d.cfg.Dispatcher == nil {
		return Summary{}, errors.New("running transition: no dispatcher")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g := d.eng.Graph()
	ticker := time.NewTicker(d.cfg.TickEvery)
	defer ticker.Stop()
	for {
		d.applyAbort()
		for _, a := range d.eng.Step(d.cfg.Now()) {
			job := Job{Action: a, TransitionKey: g.TransitionKey(a, d.cfg.UUID)}
			d.logf("Initiating %s %s (transition %d action %d)", a.Operation, a, g.TransitionID, a.ID)
			if d.cfg.OnDispatch != nil {
				d.cfg.OnDispatch(job)
			}
			var reported sync.Once
			d.cfg.Dispatcher.Dispatch(ctx, job, func(o Outcome) {
				reported.Do(func() {
					select {
					case d.results <- result{job, o}:
					case <-ctx.Done():
					}
				})
			})
		}
		if d.eng.Done() {
			sum := d.eng.Summary()
			d.logf("%s", sum)
			return sum, nil
		}
		select {
		case <-ctx.Done():
			d.eng.Abort("transition cancelled: " + ctx.Err().Error())
			return d.eng.Summary(), fmt.Errorf("running transition %d: %w", g.TransitionID, ctx.Err())
		case <-d.wake:
		case r := <-d.results:
			v, err := d.eng.Result(r.job.Action.ID, r.o)
			if err != nil {
				d.logf("ignoring result of %s: %v", r.job.Action, err)
				continue
			}
			if v.Aborted {
				_, why := d.eng.Aborted()
				d.logf("Transition %d aborted: %s", g.TransitionID, why)
			}
			d.deliver(r.job, r.o, v)
		case <-ticker.C:
			for _, a := range d.eng.Tick(d.cfg.Now()) {
				o, _ := d.eng.Outcome(a.ID)
				job := Job{Action: a, TransitionKey: g.TransitionKey(a, d.cfg.UUID)}
				d.logf("Action %d (%s) timed out", a.ID, a)
				d.deliver(job, withResult(job, o), Verdict{Aborted: true})
			}
		}
	}
}

func (d *Driver) deliver(job Job, o Outcome, v Verdict) {
	if d.cfg.OnResult != nil {
		d.cfg.OnResult(job, o, v)
	}
}

// withResult gives a resource action's outcome an lrmd result when the
// dispatcher had none (timeouts, transport failures), so it can be
// recorded.
func withResult(job Job, o Outcome) Outcome {
	a := job.Action
	if o.Result != nil || a.Kind != RscOp || a.Rsc == nil {
		return o
	}
	req := lrmd.RequestFromGraph(a.Rsc.ID, a.Rsc.Class, a.Rsc.Provider, a.Rsc.Type, a.Operation, a.Attrs)
	req.TransitionKey = job.TransitionKey
	res := lrmd.Result{Request: req, CallID: -1, RC: o.RC, Status: o.Status, ExitReason: o.Reason, Finished: time.Now()}
	o.Result = &res
	return o
}

// RecordJob records a completed resource action in the CIB status section
// (see Record): a confirmed cancel deletes the cancelled operation's entry;
// other crm_events and pseudo actions record nothing.
func RecordJob(root *etree.Element, job Job, o Outcome) error {
	a := job.Action
	if a.Kind != RscOp || a.Rsc == nil {
		return nil
	}
	if a.Operation == "cancel" {
		if !o.Expected(a) {
			return nil
		}
		task := a.Attrs["CRM_meta_operation"]
		if task == "" {
			task = "monitor"
		}
		_, err := DeleteOp(root, a.Node, a.NodeUUID, a.Rsc.ID, lrmd.OpKey(a.Rsc.ID, task, a.IntervalMS))
		return err
	}
	o = withResult(job, o)
	if o.Result.CallID < 0 {
		// No executor call: the scheduler would read call-id -1 as a
		// pending operation, so number it after the resource's history.
		res := *o.Result
		res.CallID = nextCallID(root, a)
		o.Result = &res
	}
	_, err := Record(root, a.Node, a.NodeUUID, a.Rsc, o.Result, a.TargetRC)
	return err
}

// nextCallID is one more than the highest call-id in the resource's
// history on the action's node.
func nextCallID(root *etree.Element, a *Action) int {
	lrs, err := lrmResources(root, a.Node, a.NodeUUID)
	if err != nil {
		return 1
	}
	high := 0
	if lr := childWithID(lrs, "lrm_resource", a.Rsc.ID); lr != nil {
		for _, op := range lr.SelectElements("lrm_rsc_op") {
			if n, err := strconv.Atoi(op.SelectAttrValue("call-id", "")); err == nil && n > high {
				high = n
			}
		}
	}
	return high + 1
}

// RecordPending records a resource action about to run as pending
// (op-status -1, rc-code 193, call-id -1), as Pacemaker's controller does
// with record-pending, so status displays show "Starting", "Stopping"...
// Monitors are not recorded pending, nor actions whose
// CRM_meta_record_pending is false. The result later replaces the entry.
// It reports whether an entry was written.
func RecordPending(root *etree.Element, job Job, now time.Time) (bool, error) {
	a := job.Action
	if a.Kind != RscOp || a.Rsc == nil || a.Operation == "monitor" || a.Operation == "cancel" {
		return false, nil
	}
	if v, ok := a.Attrs["CRM_meta_record_pending"]; ok && !isTrue(v) {
		return false, nil
	}
	req := lrmd.RequestFromGraph(a.Rsc.ID, a.Rsc.Class, a.Rsc.Provider, a.Rsc.Type, a.Operation, a.Attrs)
	req.TransitionKey = job.TransitionKey
	res := lrmd.Result{Request: req, CallID: -1, RC: pendingRC, Status: lrmd.StatusPending, Queued: now, Finished: now}
	lrs, err := lrmResources(root, a.Node, a.NodeUUID)
	if err != nil {
		return false, fmt.Errorf("recording pending %s: %w", a, err)
	}
	putEntry(lrmResource(lrs, a.Rsc), res.HistoryEntry(lrmd.HistoryID(a.Rsc.ID, a.Operation, a.IntervalMS, false), a.Node))
	return true, nil
}

// pendingRC is the rc Pacemaker records for a pending operation.
const pendingRC = 193
