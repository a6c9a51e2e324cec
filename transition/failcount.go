package transition

import (
	"strconv"
	"strings"
	"time"

	"github.com/pacer-ha/pacer/lrmd"
)

// FailCountUpdate is the node attribute update the controller makes (via
// the attribute manager) for a failed operation, as Pacemaker does.
type FailCountUpdate struct {
	// Name is "fail-count-RSC#TASK_INTERVAL"; Value is "INFINITY" or
	// "value++" (the attribute manager's increment).
	Name, Value string
	// LastFailureName is "last-failure-RSC#TASK_INTERVAL"; LastFailure is
	// the time in seconds since the epoch.
	LastFailureName, LastFailure string
}

// FailCount decides the fail-count update for a result: none for an
// expected, cancelled or pending result, nor for a probe that only
// discovered the resource's state (rc 0, 7 or 8). A failed start sets
// the count to the graph's failed-start-offset when that is INFINITY
// (start-failure-is-fatal), a failed stop to failed-stop-offset when
// INFINITY; every other failure increments it. startOffset and
// stopOffset are the graph's FailedStartOffset and FailedStopOffset
// ("" means INFINITY). Anonymous clone instances count under the base
// id, as the scheduler reads them.
func FailCount(res *lrmd.Result, targetRC int, startOffset, stopOffset string, now time.Time) (FailCountUpdate, bool) {
	req := res.Request
	if !DidFail(res, targetRC) {
		return FailCountUpdate{}, false
	}
	if req.Action == "monitor" && req.IntervalMS == 0 && res.Status == lrmd.StatusDone {
		switch res.RC {
		case lrmd.OCFSuccess, lrmd.OCFNotRunning, lrmd.OCFRunningPromoted:
			return FailCountUpdate{}, false
		}
	}
	rsc := req.RscID
	if i := strings.IndexByte(rsc, ':'); i >= 0 {
		rsc = rsc[:i]
	}
	suffix := rsc + "#" + req.Action + "_" + strconv.FormatUint(req.IntervalMS, 10)
	value := "value++"
	offset := ""
	switch req.Action {
	case "start":
		offset = startOffset
	case "stop":
		offset = stopOffset
	}
	if (req.Action == "start" || req.Action == "stop") && (offset == "" || strings.EqualFold(offset, "INFINITY")) {
		value = "INFINITY"
	}
	return FailCountUpdate{Name: "fail-count-" + suffix, Value: value,
		LastFailureName: "last-failure-" + suffix, LastFailure: strconv.FormatInt(now.Unix(), 10)}, true
}

// FailCount is FailCount with the graph's offsets.
func (g *Graph) FailCount(res *lrmd.Result, targetRC int, now time.Time) (FailCountUpdate, bool) {
	return FailCount(res, targetRC, g.FailedStartOffset, g.FailedStopOffset, now)
}
