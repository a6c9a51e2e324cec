package transition

import (
	"context"
	"fmt"
	"sync"

	"github.com/pacer-ha/pacer/lrmd"
)

// Local dispatches actions for this node to its lrmd executor.
type Local struct {
	Exec *lrmd.Executor
	// OnRecurring receives the results of a recurring monitor after the
	// first one (which confirms the graph action): with Pacemaker's
	// executor semantics these are changes, e.g. a monitor failing. The
	// controller records them and, if unexpected, starts a new transition.
	// Called from the executor's goroutines.
	OnRecurring func(job Job, res lrmd.Result)
	// Events handle crm_events by operation (do_shutdown, clear_failcount,
	// ...); an event without a handler fails with a clear reason.
	Events map[string]func(ctx context.Context, a *Action) error
}

// Request is the executor request for a resource action.
func Request(job Job) (lrmd.Request, error) {
	a := job.Action
	if a.Rsc == nil {
		return lrmd.Request{}, fmt.Errorf("action %d (%s) has no resource", a.ID, a)
	}
	req := lrmd.RequestFromGraph(a.Rsc.ID, a.Rsc.Class, a.Rsc.Provider, a.Rsc.Type, a.Operation, a.Attrs)
	req.TransitionKey = job.TransitionKey
	return req, nil
}

func fromResult(r lrmd.Result) Outcome {
	return Outcome{Status: r.Status, RC: r.RC, Reason: r.ExitReason, Result: &r}
}

// Dispatch runs the job on the local executor.
func (l *Local) Dispatch(ctx context.Context, job Job, report func(Outcome)) {
	a := job.Action
	fail := func(err error) {
		report(Outcome{Status: lrmd.StatusError, RC: lrmd.OCFUnknownError, Reason: err.Error()})
	}
	switch a.Kind {
	case Pseudo:
		report(Outcome{Status: lrmd.StatusDone})
		return
	case CRMEvent:
		h := l.Events[a.Operation]
		if h == nil {
			fail(fmt.Errorf("no handler for crm_event %s on %s", a.Operation, a.Node))
			return
		}
		go func() {
			if err := h(ctx, a); err != nil {
				fail(fmt.Errorf("%s on %s: %w", a.Operation, a.Node, err))
				return
			}
			report(Outcome{Status: lrmd.StatusDone, RC: a.TargetRC})
		}()
		return
	}
	if l.Exec == nil {
		fail(fmt.Errorf("no executor for node %s", a.Node))
		return
	}
	req, err := Request(job)
	if err != nil {
		fail(err)
		return
	}
	switch {
	case a.Operation == "cancel":
		task := a.Attrs["CRM_meta_operation"]
		if task == "" {
			task = "monitor"
		}
		// Cancelling an operation that is not running is success too.
		l.Exec.CancelRecurring(a.Rsc.ID, task, a.IntervalMS)
		report(Outcome{Status: lrmd.StatusDone, RC: a.TargetRC})
	case req.IntervalMS > 0:
		var first sync.Once
		_, err := l.Exec.StartRecurring(req, func(r lrmd.Result) {
			isFirst := false
			first.Do(func() { isFirst = true })
			if isFirst {
				report(fromResult(r))
				return
			}
			if l.OnRecurring != nil {
				l.OnRecurring(job, r)
			}
		})
		if err != nil {
			fail(fmt.Errorf("starting %s: %w", a, err))
		}
	default:
		// Once sent, an action runs to completion (or its own timeout),
		// as in Pacemaker: abandoning the transition does not kill it.
		runCtx := context.WithoutCancel(ctx)
		go func() { report(fromResult(l.Exec.Exec(runCtx, req))) }()
	}
}
