package lrmd

import (
	"fmt"
	"strconv"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/opdigest"
)

// HistoryID is the id Pacemaker gives an lrm_rsc_op entry: the op key for
// recurring operations, RSC_last_failure_0 for a failed one-shot action and
// RSC_last_0 otherwise.
func HistoryID(rscID, action string, intervalMS uint64, failed bool) string {
	switch {
	case intervalMS > 0:
		return OpKey(rscID, action, intervalMS)
	case failed:
		return rscID + "_last_failure_0"
	}
	return rscID + "_last_0"
}

// TransitionMagic is "op-status:rc-code;transition-key".
func (r *Result) TransitionMagic() string {
	return fmt.Sprintf("%d:%d;%s", int(r.Status), r.RC, r.Request.TransitionKey)
}

// HistoryEntry renders the result as the lrm_rsc_op element Pacemaker's
// controller records in the status section, with attributes in its order.
// id is the entry's id (see HistoryID); node is the on_node value.
func (r *Result) HistoryEntry(id, node string) *etree.Element {
	req := r.Request
	e := etree.NewElement("lrm_rsc_op")
	set := func(k, v string) { e.CreateAttr(k, v) }
	set("id", id)
	set("operation_key", OpKey(req.RscID, req.Action, req.IntervalMS))
	set("operation", req.Action)
	set("crm-debug-origin", "do_update_resource")
	set("crm_feature_set", FeatureSet)
	set("transition-key", req.TransitionKey)
	set("transition-magic", r.TransitionMagic())
	set("exit-reason", r.ExitReason)
	if node != "" {
		set("on_node", node)
	}
	set("call-id", strconv.Itoa(r.CallID))
	set("rc-code", strconv.Itoa(r.RC))
	set("op-status", strconv.Itoa(int(r.Status)))
	set("interval", strconv.FormatUint(req.IntervalMS, 10))
	set("last-rc-change", strconv.FormatInt(r.Finished.Unix(), 10))
	set("exec-time", strconv.FormatUint(r.ExecTime, 10))
	set("queue-time", strconv.FormatUint(r.QueueTime, 10))
	if r.OpDigest != "" {
		set("op-digest", r.OpDigest)
	}
	if r.RestartParams != nil {
		set("op-force-restart", opdigest.FormatList(r.RestartParams))
		set("op-restart-digest", r.RestartDigest)
	}
	if len(r.SecureParams) > 0 {
		set("op-secure-params", opdigest.FormatList(r.SecureParams))
		set("op-secure-digest", r.SecureDigest)
	}
	return e
}
