package transition

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pacer-ha/pacer/lrmd"
)

// State is where an action is in its execution.
type State int

// Action states.
const (
	// Waiting: not fired yet (inputs unconfirmed, batch limit, abort).
	Waiting State = iota
	// InFlight: sent to its node, no result yet.
	InFlight
	// Confirmed: the action completed as expected (pseudo actions once ready).
	Confirmed
	// Failed: the result was not the expected one, or the action timed out.
	Failed
)

func (s State) String() string {
	switch s {
	case Waiting:
		return "waiting"
	case InFlight:
		return "in-flight"
	case Confirmed:
		return "confirmed"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("state %d", int(s))
}

// Outcome is the result of one action as its node reports it.
type Outcome struct {
	// Status is the execution status (lrmd.StatusDone when the agent ran
	// to completion, whatever its rc).
	Status lrmd.ExecStatus
	// RC is the agent's OCF exit code.
	RC int
	// Reason explains a failure (exit reason or dispatcher error).
	Reason string
	// Result is the executor's full result when there is one; the driver
	// records it in the CIB status section.
	Result *lrmd.Result
}

// Expected reports whether the outcome is what the graph asked for: the
// action ran to completion with its target rc (CRM_meta_op_target_rc,
// e.g. 7 "not running" for most probes).
func (o Outcome) Expected(a *Action) bool {
	return o.Status == lrmd.StatusDone && o.RC == a.TargetRC
}

// Verdict is what the engine made of a result.
type Verdict struct {
	// Expected: the result matched the action's target.
	Expected bool
	// Aborted: this result aborted the transition.
	Aborted bool
}

// Summary counts actions by state, as Pacemaker's "Transition N (Complete=,
// Pending=, Fired=, Skipped=, Incomplete=)" line does.
type Summary struct {
	TransitionID int
	// Complete actions were confirmed (or failed: see Failed).
	Complete int
	// Failed counts completed actions whose result was unexpected.
	Failed int
	// Fired actions are in flight.
	Fired int
	// Pending actions may still fire.
	Pending int
	// Skipped actions will not fire: the transition was aborted.
	Skipped int
	// Incomplete actions cannot fire: an input failed.
	Incomplete  int
	Aborted     bool
	AbortReason string
}

func (s Summary) String() string {
	src := "Complete"
	if s.Aborted {
		src = "Aborted: " + s.AbortReason
	}
	return fmt.Sprintf("Transition %d (Complete=%d, Pending=%d, Fired=%d, Skipped=%d, Incomplete=%d, Failed=%d, Source=%s)",
		s.TransitionID, s.Complete, s.Pending, s.Fired, s.Skipped, s.Incomplete, s.Failed, src)
}

type actionState struct {
	state    State
	deadline time.Time
	outcome  Outcome
}

// Engine is the pure execution core of a transition: it performs no I/O
// and reads no clock (time is passed in). It says which actions to send,
// takes their results, and decides when the transition is over. It is not
// safe for concurrent use; the Driver serializes access.
type Engine struct {
	g        *Graph
	st       map[int]*actionState
	fired    map[*Synapse]bool
	order    []*Synapse
	inflight int
	aborted  bool
	reason   string
}

// NewEngine starts executing a graph.
func NewEngine(g *Graph) *Engine {
	e := &Engine{g: g, st: make(map[int]*actionState, len(g.Actions)), fired: map[*Synapse]bool{}}
	for id := range g.Actions {
		e.st[id] = &actionState{}
	}
	e.order = append([]*Synapse(nil), g.Synapses...)
	// Higher priority synapses go first (they matter when batch-limit
	// holds the rest back); otherwise graph order.
	sort.SliceStable(e.order, func(i, j int) bool { return e.order[i].Priority > e.order[j].Priority })
	return e
}

// Graph is the graph being executed.
func (e *Engine) Graph() *Graph { return e.g }

// State is the state of an action, Waiting for unknown ids.
func (e *Engine) State(id int) State {
	if s, ok := e.st[id]; ok {
		return s.state
	}
	return Waiting
}

// Outcome is the recorded outcome of a completed action.
func (e *Engine) Outcome(id int) (Outcome, bool) {
	s, ok := e.st[id]
	if !ok || (s.state != Confirmed && s.state != Failed) {
		return Outcome{}, false
	}
	return s.outcome, true
}

// Aborted reports whether the transition was aborted, and why.
func (e *Engine) Aborted() (bool, string) { return e.aborted, e.reason }

// Abort stops the transition from firing new actions (actions in flight
// are still collected). It reports false if it was already aborted; the
// first reason is kept.
func (e *Engine) Abort(reason string) bool {
	if e.aborted {
		return false
	}
	e.aborted, e.reason = true, reason
	return true
}

// inputOK: the input is done and does not block its dependents.
func (e *Engine) inputOK(id int) bool {
	s := e.st[id]
	return s.state == Confirmed || (s.state == Failed && e.g.Actions[id].CanFail)
}

// blocked: some input failed and cannot fail, so the synapse never fires.
func (e *Engine) blocked(syn *Synapse) bool {
	for _, id := range syn.Inputs {
		s := e.st[id]
		if s.state == Failed && !e.g.Actions[id].CanFail {
			return true
		}
	}
	return false
}

func (e *Engine) ready(syn *Synapse) bool {
	for _, id := range syn.Inputs {
		if !e.inputOK(id) {
			return false
		}
	}
	return true
}

// Timeout is how long the engine waits for an action's result: its
// CRM_meta_timeout (the stonith-timeout for fencing without one, 20s
// otherwise) plus start delay plus the graph's cluster-delay.
func (e *Engine) Timeout(a *Action) time.Duration {
	t := time.Duration(a.TimeoutMS) * time.Millisecond
	if t == 0 {
		if a.Operation == "stonith" {
			t = e.g.StonithTimeout
		} else {
			t = 20 * time.Second
		}
	}
	return t + time.Duration(a.StartDelayMS)*time.Millisecond + e.g.ClusterDelay
}

// Step fires every ready synapse, at time now: pseudo actions are confirmed
// at once (which may make more synapses ready), the others are returned,
// in flight, for the caller to send to their nodes. It returns nothing
// once the transition is aborted.
func (e *Engine) Step(now time.Time) []*Action {
	var out []*Action
	for progress := true; progress && !e.aborted; {
		progress = false
		for _, syn := range e.order {
			if e.fired[syn] || !e.ready(syn) {
				continue
			}
			real := 0
			for _, a := range syn.Actions {
				if a.Kind != Pseudo {
					real++
				}
			}
			if real > 0 && e.g.BatchLimit > 0 && e.inflight > 0 && e.inflight+real > e.g.BatchLimit {
				continue
			}
			if e.overMigrationLimit(syn) {
				continue
			}
			e.fired[syn] = true
			progress = true
			for _, a := range syn.Actions {
				s := e.st[a.ID]
				if a.Kind == Pseudo {
					s.state = Confirmed
					s.outcome = Outcome{Status: lrmd.StatusDone}
					continue
				}
				s.state = InFlight
				s.deadline = now.Add(e.Timeout(a))
				e.inflight++
				out = append(out, a)
			}
		}
	}
	return out
}

func isMigration(a *Action) bool {
	return a.Kind == RscOp && (a.Operation == "migrate_to" || a.Operation == "migrate_from")
}

// overMigrationLimit: firing syn would run more live migrations on a node
// at once than the graph's migration-limit (-1: no limit).
func (e *Engine) overMigrationLimit(syn *Synapse) bool {
	if e.g.MigrationLimit < 0 {
		return false
	}
	for _, a := range syn.Actions {
		if !isMigration(a) {
			continue
		}
		n := 1
		for _, b := range e.g.Actions {
			if b != a && isMigration(b) && b.Node == a.Node && e.st[b.ID].state == InFlight {
				n++
			}
		}
		if n > max(e.g.MigrationLimit, 1) {
			return true
		}
	}
	return false
}

// ErrNotInFlight is returned for a result of an action that is not waiting
// for one (unknown, not fired, already completed or timed out).
var ErrNotInFlight = errors.New("action is not in flight")

// Result records the outcome of an in-flight action. An unexpected outcome
// fails the action and, unless it may fail (CRM_meta_can_fail), aborts the
// transition.
func (e *Engine) Result(id int, o Outcome) (Verdict, error) {
	s, ok := e.st[id]
	if !ok || s.state != InFlight {
		return Verdict{}, fmt.Errorf("result for action %d: %w", id, ErrNotInFlight)
	}
	a := e.g.Actions[id]
	e.inflight--
	s.outcome = o
	v := Verdict{Expected: o.Expected(a)}
	if v.Expected {
		s.state = Confirmed
		return v, nil
	}
	s.state = Failed
	if !a.CanFail {
		v.Aborted = e.Abort(fmt.Sprintf("Event failed: %s: %s", a, describe(a, o)))
	}
	return v, nil
}

func describe(a *Action, o Outcome) string {
	var s string
	if o.Status != lrmd.StatusDone {
		s = o.Status.String()
	} else {
		s = fmt.Sprintf("expected '%s' but got '%s'", lrmd.RCString(a.TargetRC), lrmd.RCString(o.RC))
	}
	if o.Reason != "" {
		s += " (" + o.Reason + ")"
	}
	return s
}

// Tick expires in-flight actions whose deadline passed by now: each fails
// with a Timeout outcome and aborts the transition. It returns them so the
// caller can record the timeouts.
func (e *Engine) Tick(now time.Time) []*Action {
	var out []*Action
	for _, a := range e.g.SortedActions() {
		s := e.st[a.ID]
		if s.state != InFlight || now.Before(s.deadline) {
			continue
		}
		reason := fmt.Sprintf("action timed out after %s", e.Timeout(a))
		_, _ = e.Result(a.ID, Outcome{Status: lrmd.StatusTimeout, RC: lrmd.OCFUnknownError, Reason: reason})
		out = append(out, a)
	}
	return out
}

// NextDeadline is the earliest deadline of an in-flight action.
func (e *Engine) NextDeadline() (time.Time, bool) {
	var t time.Time
	found := false
	for _, s := range e.st {
		if s.state == InFlight && (!found || s.deadline.Before(t)) {
			t, found = s.deadline, true
		}
	}
	return t, found
}

// InFlight is the number of actions waiting for a result.
func (e *Engine) InFlight() int { return e.inflight }

// Done reports whether the transition is over: nothing in flight and
// nothing left that could fire (all fired, blocked behind failures, in a
// cycle, or the transition aborted). With nothing in flight, only a
// synapse that is ready now could still fire.
func (e *Engine) Done() bool {
	if e.inflight > 0 {
		return false
	}
	if e.aborted {
		return true
	}
	for _, syn := range e.order {
		if !e.fired[syn] && e.ready(syn) {
			return false // Step has not been called since it became ready
		}
	}
	return true
}

// Summary counts the actions by state.
func (e *Engine) Summary() Summary {
	sum := Summary{TransitionID: e.g.TransitionID, Aborted: e.aborted, AbortReason: e.reason}
	for _, syn := range e.g.Synapses {
		blocked := !e.fired[syn] && e.blocked(syn)
		for _, a := range syn.Actions {
			switch e.st[a.ID].state {
			case Confirmed:
				sum.Complete++
			case Failed:
				sum.Complete++
				sum.Failed++
			case InFlight:
				sum.Fired++
			case Waiting:
				switch {
				case blocked:
					sum.Incomplete++
				case e.aborted:
					sum.Skipped++
				default:
					sum.Pending++
				}
			}
		}
	}
	return sum
}
