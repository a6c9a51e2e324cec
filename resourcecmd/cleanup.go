package resourcecmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
)

// CleanupRequest is a --cleanup or --refresh.
type CleanupRequest struct {
	Tool      string
	Resource  string // "" = all
	Node      string // "" = all
	Operation string // with Interval: only that operation's failures
	Interval  string
	Refresh   bool // forget all history, not only failures
	Quiet     bool
}

// ParseIntervalMS parses an operation interval as Pacemaker does: a bare
// number of seconds, a number with a unit (ms, s, m, h, ...) or an ISO 8601
// duration.
func ParseIntervalMS(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if strings.HasPrefix(s, "P") {
		d, ok := ParseDuration(s)
		return d.Milliseconds(), ok
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, false
	}
	switch strings.TrimSpace(s[i:]) {
	case "", "s", "sec":
		return n * 1000, true
	case "ms", "msec":
		return n, true
	case "us", "usec":
		return n / 1000, true
	case "m", "min":
		return n * 60000, true
	case "h", "hr":
		return n * 3600000, true
	}
	return 0, false
}

// failAttr reports whether a transient attribute name is one of the
// fail-count / last-failure attributes cleaned up for history id rsc
// (restricted to op_intervalMS when op is given).
func failAttr(name, rsc, op string, intervalMS int64) bool {
	for _, prefix := range []string{"fail-count-", "last-failure-"} {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		if op != "" {
			return rest == fmt.Sprintf("%s#%s_%d", rsc, op, intervalMS)
		}
		return rest == rsc || strings.HasPrefix(rest, rsc+"#")
	}
	return false
}

// Run cleans up the CIB: for every matching resource history on a matching
// node with failures (any history with Refresh) it removes the history
// (only the failed records of the operation with Operation) and the
// resource's fail-count and last-failure attributes there, printing
// "Cleaned up RSC on NODE" as Pacemaker does.
func (q *CleanupRequest) Run(c *cib.CIB, cl *cluster.Cluster, stdout, stderr io.Writer) error {
	var prims []*cluster.Resource
	if q.Resource != "" {
		r := cl.ByID[q.Resource]
		if r == nil || r.Implicit {
			return Failf(stderr, q.Tool, crmexit.NoSuch, "Resource '%s' not found", q.Resource)
		}
		if clone := cloneOf(r); clone != nil && !r.IsInstance() {
			// The configured child of a clone: all its instances.
			for _, inst := range clone.Children {
				for _, p := range inst.Primitives() {
					if p.BaseID == r.ID || strings.HasPrefix(p.ID, r.ID+":") || p.ID == r.ID {
						prims = append(prims, p)
					}
				}
			}
		} else {
			prims = r.Primitives()
		}
	} else {
		for _, r := range cl.Resources {
			prims = append(prims, r.Primitives()...)
		}
	}
	var nodes []*cluster.Node
	if q.Node != "" {
		n := cl.NodeByName[q.Node]
		if n == nil {
			return Failf(stderr, q.Tool, crmexit.NoSuch, "Node '%s' not found", q.Node)
		}
		nodes = []*cluster.Node{n}
	} else {
		nodes = cl.Nodes
	}
	var intervalMS int64
	if q.Operation != "" {
		ms, ok := ParseIntervalMS(q.Interval)
		if !ok {
			return Failf(stderr, q.Tool, crmexit.InvalidParam, "Invalid interval '%s'", q.Interval)
		}
		intervalMS = ms
	}
	var cleaned []string
	for _, p := range prims {
		for _, n := range nodes {
			st := p.StatusOn(n.Name)
			hid := p.ID
			if st != nil && st.HistoryID != "" {
				hid = st.HistoryID
			}
			attrs := failAttrs(n, hid, p.ID, q.Operation, intervalMS)
			failed := len(attrs) > 0 || (st != nil && (len(st.Failures()) > 0 || st.Failed))
			if !q.Refresh && !failed {
				continue
			}
			if q.Refresh && st == nil && len(attrs) == 0 {
				continue
			}
			if err := q.clean(c, n, st, hid, attrs, intervalMS); err != nil {
				return err
			}
			cleaned = append(cleaned, fmt.Sprintf("Cleaned up %s on %s", p.ID, n.Name))
		}
	}
	if q.Quiet {
		return nil
	}
	if q.Resource == "" {
		where := "all nodes"
		if q.Node != "" {
			where = q.Node
		}
		fmt.Fprintf(stdout, "Cleaned up all resources on %s\n", where)
		return nil
	}
	for _, l := range cleaned {
		fmt.Fprintln(stdout, l)
	}
	return nil
}

// failAttrs lists node n's transient fail attributes for a resource (by
// history id or instance id).
func failAttrs(n *cluster.Node, hid, id, op string, intervalMS int64) []string {
	var out []string
	for _, a := range n.Transient {
		if failAttr(a.Name, hid, op, intervalMS) || (id != hid && failAttr(a.Name, id, op, intervalMS)) {
			out = append(out, a.Name)
		}
	}
	return out
}

func xpathQuote(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

// clean removes one resource's history and fail attributes on one node.
func (q *CleanupRequest) clean(c *cib.CIB, n *cluster.Node, st *cluster.RscNodeState, hid string, attrs []string, intervalMS int64) error {
	state := "/cib/status/node_state[@id=" + xpathQuote(n.ID) + "]"
	for _, a := range attrs {
		xp := state + "/transient_attributes/instance_attributes/nvpair[@name=" + xpathQuote(a) + "]"
		if err := c.DeleteXPath(xp, true); err != nil {
			return fmt.Errorf("delete %s on %s: %w", a, n.Name, err)
		}
	}
	if st == nil {
		return nil
	}
	lrm := state + "/lrm/lrm_resources/lrm_resource[@id=" + xpathQuote(hid) + "]"
	if q.Operation == "" {
		if err := c.DeleteXPath(lrm, true); err != nil {
			return fmt.Errorf("delete history of %s on %s: %w", hid, n.Name, err)
		}
		return nil
	}
	for _, f := range st.Failures() {
		if f.Operation != q.Operation || f.IntervalMS != intervalMS || f.ID == "" {
			continue
		}
		if err := c.DeleteXPath(lrm+"/lrm_rsc_op[@id="+xpathQuote(f.ID)+"]", true); err != nil {
			return fmt.Errorf("delete %s on %s: %w", f.ID, n.Name, err)
		}
	}
	return nil
}
