package transition

import (
	"testing"
	"time"

	"github.com/pacer-ha/pacer/lrmd"
)

func TestFailCount(t *testing.T) {
	now := time.Unix(1700000000, 0)
	res := func(rsc, action string, interval uint64, rc int, st lrmd.ExecStatus) *lrmd.Result {
		return &lrmd.Result{Request: lrmd.Request{RscID: rsc, Action: action, IntervalMS: interval}, RC: rc, Status: st}
	}
	for _, tc := range []struct {
		name          string
		r             *lrmd.Result
		target        int
		start, stop   string
		want, wantVal string
	}{
		{"monitor failure increments", res("d1", "monitor", 10000, 7, lrmd.StatusDone), 0, "INFINITY", "INFINITY", "fail-count-d1#monitor_10000", "value++"},
		{"expected result: none", res("d1", "monitor", 10000, 0, lrmd.StatusDone), 0, "", "", "", ""},
		{"probe not running: none", res("d1", "monitor", 0, 7, lrmd.StatusDone), 7, "", "", "", ""},
		{"probe found running: none", res("d1", "monitor", 0, 0, lrmd.StatusDone), 7, "", "", "", ""},
		{"probe error counts", res("d1", "monitor", 0, 5, lrmd.StatusDone), 7, "", "", "fail-count-d1#monitor_0", "value++"},
		{"start failure is fatal", res("d1", "start", 0, 1, lrmd.StatusDone), 0, "INFINITY", "INFINITY", "fail-count-d1#start_0", "INFINITY"},
		{"start failure not fatal", res("d1", "start", 0, 1, lrmd.StatusDone), 0, "1", "INFINITY", "fail-count-d1#start_0", "value++"},
		{"stop timeout", res("d1", "stop", 0, 1, lrmd.StatusTimeout), 0, "1", "INFINITY", "fail-count-d1#stop_0", "INFINITY"},
		{"clone instance under base id", res("c:2", "monitor", 5000, 1, lrmd.StatusDone), 0, "", "", "fail-count-c#monitor_5000", "value++"},
		{"cancelled: none", res("d1", "monitor", 5000, 0, lrmd.StatusCancelled), 0, "", "", "", ""},
	} {
		u, ok := FailCount(tc.r, tc.target, tc.start, tc.stop, now)
		if ok != (tc.want != "") || u.Name != tc.want || u.Value != tc.wantVal {
			t.Errorf("%s: %+v %v", tc.name, u, ok)
		}
		if ok && (u.LastFailure != "1700000000" || u.LastFailureName != "last-failure-"+u.Name[len("fail-count-"):]) {
			t.Errorf("%s: last failure %+v", tc.name, u)
		}
	}
}
