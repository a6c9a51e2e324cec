package lrmd

import (
	"strconv"
	"strings"
)

// RequestFromGraph builds a Request from a transition graph action: the
// resource, the action and the action's attributes as the scheduler writes
// them (instance attributes mixed with CRM_meta_* values). CRM_meta_timeout,
// CRM_meta_interval and CRM_meta_start_delay set the timing; the other
// CRM_meta_* values become Meta (without the prefix), the rest Params.
func RequestFromGraph(rscID, class, provider, typ, action string, attrs map[string]string) Request {
	req := Request{RscID: rscID, Class: class, Provider: provider, Type: typ, Action: action,
		Params: map[string]string{}, Meta: map[string]string{}}
	for k, v := range attrs {
		name, isMeta := strings.CutPrefix(k, "CRM_meta_")
		switch {
		case !isMeta:
			if k != "crm_feature_set" { // the executor sets its own
				req.Params[k] = v
			}
		case name == "timeout":
			req.TimeoutMS, _ = strconv.ParseUint(v, 10, 64)
		case name == "interval":
			req.IntervalMS, _ = strconv.ParseUint(v, 10, 64)
		case name == "start_delay":
			req.StartDelayMS, _ = strconv.ParseUint(v, 10, 64)
		default:
			req.Meta[name] = v
		}
	}
	return req
}
