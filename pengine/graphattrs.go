package pengine

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/pacer-ha/pacer/cluster"
)

// opAttrs are the attributes a resource action carries in the graph besides its
// placement: the resource's instance parameters, CRM_meta_name when the
// operation is configured, CRM_meta_op_target_rc for a probe that expects the
// resource stopped, CRM_meta_role (and rc 8 when promoted) for a monitor of one
// role, and CRM_meta_timeout (the configured operation's, a probe
// taking the monitor with the shortest interval, else op_defaults, else 20s).
// Parameters whose names cannot be XML attribute names come back in params, to
// be written as <param name= value=/> children, as Pacemaker does.
func (t *Transition) opAttrs(a *Action) (out []string, params [][2]string) {
	timeout := int64(20000)
	if a.Rsc != nil && !a.Pseudo && a.Task != "stonith" {
		cr := a.Rsc.cr
		for k, v := range cr.Params {
			if !xmlName(k) {
				params = append(params, [2]string{k, v})
				continue
			}
			out = append(out, fmt.Sprintf(`%s="%s"`, k, xmlEsc(v)))
		}
		sort.Slice(params, func(i, j int) bool { return params[i][0] < params[j][0] })
		op := configuredOp(cr, a)
		if op != nil && a.IntervalMS == 0 && !a.Probe {
			out = append(out, fmt.Sprintf(`CRM_meta_name="%s"`, xmlEsc(a.Task)))
		}
		if op != nil && op.Timeout > 0 {
			timeout = op.Timeout.Milliseconds()
		} else if ms := t.opDefaultTimeoutMS(); ms > 0 {
			timeout = ms
		}
		if a.Probe && !a.ExpectRunning {
			out = append(out, `CRM_meta_op_target_rc="7"`)
		}
		// A recurring monitor of one role says which; the promoted one expects
		// rc 8 (running promoted), else each of its successes is a failure.
		if op != nil && a.IntervalMS > 0 && !a.Probe {
			switch op.Role {
			case cluster.RolePromoted:
				out = append(out, `CRM_meta_op_target_rc="8"`, `CRM_meta_role="Promoted"`)
			case cluster.RoleUnpromoted:
				out = append(out, `CRM_meta_role="Unpromoted"`)
			}
		}
	}
	out = append(out, `CRM_meta_timeout="`+strconv.FormatInt(timeout, 10)+`"`)
	return out, params
}

// xmlName reports whether s can be an XML attribute name (ASCII rules).
func xmlName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
		if i == 0 && !letter {
			return false
		}
		if !letter && !(c >= '0' && c <= '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// configuredOp is the operation configuration that applies to a: the op of the
// same name and interval, or for a probe the monitor with the shortest interval.
func configuredOp(cr *cluster.Resource, a *Action) *cluster.Op {
	var best *cluster.Op
	for i := range cr.Ops {
		op := &cr.Ops[i]
		if op.Name != a.Task || !op.Enabled {
			continue
		}
		if op.IntervalMS == a.IntervalMS && !a.Probe {
			return op
		}
		if a.Probe && op.Timeout > 0 && (best == nil || op.IntervalMS < best.IntervalMS) {
			best = op
		}
	}
	return best
}

// opDefaultTimeoutMS is op_defaults' timeout, 0 when unset.
func (t *Transition) opDefaultTimeoutMS() int64 {
	if t.Cluster == nil {
		return 0
	}
	if v := t.Cluster.OpDefaultMeta["timeout"]; v != "" {
		if d, err := cluster.ParseInterval(v); err == nil && d > 0 {
			return d.Milliseconds()
		}
	}
	return 0
}

// sortAttrs orders name="value" attributes by name, byte-wise, as Pacemaker
// writes them.
func sortAttrs(attrs []string) {
	name := func(s string) string {
		for i := 0; i < len(s); i++ {
			if s[i] == '=' {
				return s[:i]
			}
		}
		return s
	}
	sort.SliceStable(attrs, func(i, j int) bool { return name(attrs[i]) < name(attrs[j]) })
}
