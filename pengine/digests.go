package pengine

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/opdigest"
)

// defChange is how a running resource's configuration differs from what it was
// started with, judged by the op-digest recorded with its last one-shot operation.
type defChange int

const (
	defSame    defChange = iota
	defReload            // only reloadable parameters changed
	defRestart           // the resource must be restarted
)

// definitionChange compares the recorded digests on node n with the configuration.
func definitionChange(r *rsc, n *node) defChange {
	st := r.cr.StatusOn(n.name)
	if st == nil || r.top().cr.Kind == cluster.Bundle {
		// Bundle-generated resources get parameters we do not reproduce yet.
		return defSame
	}
	var last *cluster.OpRecord
	for _, op := range st.History {
		if op.IntervalMS != 0 || op.Digest == "" || op.Pending() {
			continue
		}
		switch op.Operation {
		case "start", "migrate_from", "promote", "demote", "reload", "reload-agent":
			last = op
		case "stop":
			last = nil
		}
	}
	if last == nil || last.Element == nil || isCloneInstance(r) && !strings.HasSuffix(last.ID, "_last_0") {
		// Clone instances recorded by old versions (per-instance entries,
		// no _last_0) were digested differently; trust them.
		return defSame
	}
	// One pass over the entry's attributes (its element is cold by now)
	// instead of a search for each; the first of a name counts, as
	// SelectAttr's.
	var fs, forceRestart, secureParams, secureDigest *etree.Attr
	for i := range last.Element.Attr {
		a := &last.Element.Attr[i]
		var p **etree.Attr
		switch a.Key {
		case "crm_feature_set":
			p = &fs
		case "op-force-restart":
			p = &forceRestart
		case "op-secure-params":
			p = &secureParams
		case "op-secure-digest":
			p = &secureDigest
		default:
			continue
		}
		if *p == nil {
			*p = a
		}
	}
	if fs == nil || fs.Value == "" || fs.Value < "3" {
		// Histories written by very old versions digested differently; trust them.
		return defSame
	}
	params := make([]opdigest.Param, 0, len(r.cr.Params))
	for k, v := range r.cr.Params {
		params = append(params, opdigest.Param{Name: k, Value: v})
	}
	in := opdigest.Input{
		Params:     params,
		Op:         opdigest.Op{Name: last.Operation, Params: opParams(r, last.Operation)},
		FeatureSet: fs.Value,
		Fencing:    r.cr.Class == "stonith",
	}
	if forceRestart != nil {
		in.RestartParams = opdigest.ParseList(forceRestart.Value)
	}
	if secureParams != nil {
		in.SecureParams = opdigest.ParseList(secureParams.Value)
	}
	d := opdigest.Compute(in)
	if d.All == last.Digest {
		return defSame
	}
	if secureParams != nil && secureDigest != nil && secureDigest.Value != "" && d.Secure == secureDigest.Value {
		// Only private parameters (op-secure-params) changed: they are not
		// what a change of definition is judged by.
		return defSame
	}
	// A reload can apply new resource parameters, not the operation's own.
	if last.RestartDigest() != "" && d.Restart == last.RestartDigest() && len(in.Op.Params) == 0 {
		return defReload
	}
	return defRestart
}

// opParams are the instance attributes of the configured one-shot operation name.
func opParams(r *rsc, name string) []opdigest.Param {
	var out []opdigest.Param
	for _, op := range r.cr.Ops {
		if op.Name != name || op.IntervalMS != 0 || op.Element == nil {
			continue
		}
		for _, ia := range op.Element.SelectElements("instance_attributes") {
			for _, nv := range ia.SelectElements("nvpair") {
				out = append(out, opdigest.Param{Name: nv.SelectAttrValue("name", ""), Value: nv.SelectAttrValue("value", "")})
			}
		}
	}
	return out
}

// isCloneInstance reports whether r is (a member of) a clone instance.
func isCloneInstance(r *rsc) bool {
	c, _ := instanceOf(r)
	return c != nil
}

// lastFailureChanged reports whether the _last_failure_0 entry of a start or
// probe on st's node was recorded with other parameters than r has now.
func lastFailureChanged(r *rsc, st *cluster.RscNodeState) bool {
	if !st.HasLastFailure() || r.top().cr.Kind == cluster.Bundle {
		return false
	}
	for _, op := range st.History {
		if !strings.HasSuffix(op.ID, "_last_failure_0") || op.Digest == "" || op.IntervalMS != 0 ||
			op.Operation != "start" && op.Operation != "monitor" || op.Element == nil {
			continue
		}
		fs := op.Element.SelectAttrValue("crm_feature_set", "")
		if fs == "" || fs < "3" {
			continue
		}
		params := make([]opdigest.Param, 0, len(r.cr.Params))
		for k, v := range r.cr.Params {
			params = append(params, opdigest.Param{Name: k, Value: v})
		}
		d := opdigest.Compute(opdigest.Input{
			Params:     params,
			Op:         opdigest.Op{Name: op.Operation, Params: opParams(r, op.Operation)},
			FeatureSet: fs,
			Fencing:    r.cr.Class == "stonith",
		})
		if d.All != op.Digest {
			return true
		}
	}
	return false
}
