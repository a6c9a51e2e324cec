package lrmd

import (
	"context"
	"fmt"
	"time"
)

// OpKey is Pacemaker's operation key: RSC_ACTION_INTERVALMS.
func OpKey(rscID, action string, intervalMS uint64) string {
	return fmt.Sprintf("%s_%s_%d", rscID, action, intervalMS)
}

type recurringOp struct {
	req    Request
	cancel context.CancelFunc
	done   chan struct{}
}

// StartRecurring schedules a recurring operation (normally a monitor with
// IntervalMS > 0): the first run after StartDelayMS, then every interval
// after the previous run completed. notify receives the first result and
// every result whose rc or status differs from the previous one (every
// result with Options.NotifyAllRecurring), and finally one result with
// StatusCancelled when the operation is cancelled. notify is called from
// the operation's own goroutine and must not block for long.
//
// Starting an operation with the key of a running one replaces it.
func (e *Executor) StartRecurring(req Request, notify func(Result)) (string, error) {
	if req.IntervalMS == 0 {
		return "", fmt.Errorf("recurring %s of %s needs an interval", req.Action, req.RscID)
	}
	if req.RscID == "" {
		return "", fmt.Errorf("recurring %s needs a resource id", req.Action)
	}
	key := OpKey(req.RscID, req.Action, req.IntervalMS)
	e.CancelRecurring(req.RscID, req.Action, req.IntervalMS)

	ctx, cancel := context.WithCancel(context.Background())
	op := &recurringOp{req: req, cancel: cancel, done: make(chan struct{})}
	e.mu.Lock()
	e.recurring[key] = op
	e.mu.Unlock()

	go func() {
		defer close(op.done)
		delay := time.Duration(req.StartDelayMS) * time.Millisecond
		var last *Result
		for {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				notify(e.cancelledResult(req))
				return
			}
			res := e.exec(ctx, req, time.Now())
			if ctx.Err() != nil {
				notify(e.cancelledResult(req))
				return
			}
			if e.opts.NotifyAllRecurring || last == nil || last.RC != res.RC || last.Status != res.Status {
				notify(res)
			}
			last = &res
			delay = time.Duration(req.IntervalMS) * time.Millisecond
		}
	}()
	return key, nil
}

func (e *Executor) cancelledResult(req Request) Result {
	r := e.newResult(req, time.Now())
	r.Status, r.RC = StatusCancelled, OCFSuccess
	r.Started, r.Finished = r.Queued, r.Queued
	return r
}

// CancelRecurring stops a recurring operation, killing a run in progress.
// It returns once the operation's goroutine has delivered its cancelled
// result, and reports whether such an operation existed.
func (e *Executor) CancelRecurring(rscID, action string, intervalMS uint64) bool {
	key := OpKey(rscID, action, intervalMS)
	e.mu.Lock()
	op := e.recurring[key]
	delete(e.recurring, key)
	e.mu.Unlock()
	if op == nil {
		return false
	}
	op.cancel()
	<-op.done
	return true
}

// CancelResource cancels every recurring operation of a resource.
func (e *Executor) CancelResource(rscID string) {
	e.mu.Lock()
	var ops []*recurringOp
	for k, op := range e.recurring {
		if op.req.RscID == rscID {
			ops = append(ops, op)
			delete(e.recurring, k)
		}
	}
	e.mu.Unlock()
	for _, op := range ops {
		op.cancel()
	}
	for _, op := range ops {
		<-op.done
	}
}

// Recurring lists the keys of the active recurring operations.
func (e *Executor) Recurring() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.recurring))
	for k := range e.recurring {
		out = append(out, k)
	}
	return out
}

// Close cancels every recurring operation.
func (e *Executor) Close() error {
	e.mu.Lock()
	ids := map[string]bool{}
	for _, op := range e.recurring {
		ids[op.req.RscID] = true
	}
	e.mu.Unlock()
	for id := range ids {
		e.CancelResource(id)
	}
	return nil
}
