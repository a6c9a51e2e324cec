package resourcecmd

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmmon"
)

// opEntry is one recorded operation as --list-operations shows it.
type opEntry struct {
	rsc          *cluster.Resource
	name         string // the resource as shown (an anonymous instance's base id)
	key, node    string
	call, rc     int
	status       int
	lastRCChange string // ctime, "" when not recorded
	exec         string // milliseconds, "" when not recorded
}

// state is the resource's state as crm_resource shows it. An anonymous
// clone's instances are looked up by their common name, which stands for
// one instance: a failed one if any, else the first active one.
func (e *opEntry) state(cl *cluster.Cluster) string {
	r := e.rsc
	if r.ID != r.BaseID && !r.Top().GloballyUnique {
		var first *cluster.Resource
		for i := 0; ; i++ {
			x := cl.ByID[r.BaseID+":"+strconv.Itoa(i)]
			if x == nil {
				break
			}
			if x.Failed {
				return "FAILED"
			}
			if first == nil && len(x.RunningOn) > 0 {
				first = x
			}
		}
		if first != nil {
			r = first
		}
	}
	state := r.Role.String()
	switch {
	case r.Failed:
		state = "FAILED"
	case len(r.RunningOn) == 0:
		state = "Stopped"
	}
	var flags []string
	if r.FailureIgnored {
		flags = append(flags, "failure ignored")
	}
	if r.TargetRoleSet && r.TargetRole == cluster.RoleStopped {
		flags = append(flags, "disabled")
	}
	if r.Blocked {
		flags = append(flags, "blocked")
	} else if !r.Managed {
		flags = append(flags, "unmanaged")
	}
	if len(flags) > 0 {
		state += " (" + strings.Join(flags, ", ") + ")"
	}
	return state
}

func (e *opEntry) statusText() string {
	switch e.status {
	case cluster.OpStatusDone:
		return "complete"
	case cluster.OpStatusPending:
		return "pending"
	}
	return crmmon.StatusText(e.status)
}

// matchesResource tells whether r is the primitive id (or an instance of
// it): naming a group or clone lists nothing, as with Pacemaker.
func matchesResource(r *cluster.Resource, id string) bool {
	return r.ID == id || r.BaseID == id
}

// operations lists the recorded operations, node by node in status order,
// each resource's sorted by call id. With active, a resource's operations
// before its last start (or probe that found it running) are left out, and
// a resource stopped since is left out entirely.
func operations(cl *cluster.Cluster, rscID, node string, active bool) []opEntry {
	var out []opEntry
	if cl.StatusElement == nil {
		return nil
	}
	for _, ns := range cl.StatusElement.SelectElements("node_state") {
		uname := ns.SelectAttrValue("uname", "")
		if node != "" && uname != node {
			continue
		}
		lrs := ns.FindElement("lrm/lrm_resources")
		if lrs == nil {
			continue
		}
		for _, lr := range lrs.SelectElements("lrm_resource") {
			r := cl.ByID[lr.SelectAttrValue("id", "")]
			if r == nil || (rscID != "" && !matchesResource(r, rscID)) {
				continue
			}
			ops := lr.SelectElements("lrm_rsc_op")
			sort.SliceStable(ops, func(i, j int) bool { return callID(ops[i]) < callID(ops[j]) })
			if active {
				ops = activeOps(ops)
			}
			name := r.ID
			if r.InstanceNum >= 0 && !r.Top().GloballyUnique {
				name = r.BaseID
			}
			for _, op := range ops {
				key := op.SelectAttrValue("operation_key", "")
				if key == "" {
					key = op.SelectAttrValue("id", "")
				}
				e := opEntry{rsc: r, name: name, key: key, node: uname, call: callID(op),
					rc:     cluster.ParseInt(op.SelectAttrValue("rc-code", ""), 0),
					status: cluster.ParseInt(op.SelectAttrValue("op-status", ""), 0)}
				if v := op.SelectAttrValue("last-rc-change", ""); v != "" {
					if t, err := strconv.ParseInt(v, 10, 64); err == nil {
						e.lastRCChange = crmmon.EpochTime(t)
					}
				}
				if v := op.SelectAttr("exec-time"); v != nil {
					e.exec = strconv.Itoa(cluster.ParseInt(v.Value, 0))
				}
				out = append(out, e)
			}
		}
	}
	return out
}

func callID(op *etree.Element) int { return cluster.ParseInt(op.SelectAttrValue("call-id", ""), 0) }

// activeOps keeps the operations from the last start (a migrate_from, or a
// probe that found the resource running) on, or none when a stop came after.
func activeOps(ops []*etree.Element) []*etree.Element {
	start, stop := -1, -1
	for i, op := range ops {
		rc := cluster.ParseInt(op.SelectAttrValue("rc-code", ""), 0)
		interval := op.SelectAttrValue("interval", "0")
		switch task := op.SelectAttrValue("operation", ""); {
		case task == "stop" && (rc == 0 || rc == 7):
			stop = i
		case task == "start" || task == "migrate_from":
			start = i
		case start <= stop && task == "monitor" && interval == "0" && (rc == 0 || rc == 8):
			start = i
		}
	}
	if start < stop {
		return nil
	}
	if start < 0 {
		return ops
	}
	return ops[start:]
}

// ListOperations writes --list-operations (active) or --list-all-operations.
func ListOperations(w io.Writer, cl *cluster.Cluster, rscID, node string, all bool) error {
	for _, e := range operations(cl, rscID, node, !all) {
		fmt.Fprintf(w, "%s\t(%s):\t %s: %s (node=%s, call=%d, rc=%d", e.name, agentSpec(e.rsc), e.state(cl), e.key, e.node, e.call, e.rc)
		if e.lastRCChange != "" {
			fmt.Fprintf(w, ", last-rc-change='%s', exec=%sms", e.lastRCChange, e.exec)
		}
		fmt.Fprintf(w, "): %s\n", e.statusText())
	}
	return nil
}

// ListOperationsXML is the XML of --list-operations / --list-all-operations.
func ListOperationsXML(root *etree.Element, _ io.Writer, cl *cluster.Cluster, rscID, node string, all bool) error {
	ops := operations(cl, rscID, node, !all)
	if len(ops) == 0 {
		return nil
	}
	l := root.CreateElement("operations")
	for _, e := range ops {
		x := l.CreateElement("operation")
		x.CreateAttr("op", e.key)
		x.CreateAttr("node", e.node)
		x.CreateAttr("call", strconv.Itoa(e.call))
		x.CreateAttr("rc", strconv.Itoa(e.rc))
		x.CreateAttr("status", e.statusText())
		x.CreateAttr("rsc", e.name)
		// Always three fields here, even without a provider.
		x.CreateAttr("agent", e.rsc.Class+":"+e.rsc.Provider+":"+e.rsc.Type)
		if e.lastRCChange != "" {
			x.CreateAttr("last-rc-change", e.lastRCChange)
			x.CreateAttr("exec-time", e.exec)
		}
	}
	return nil
}

func agentSpec(r *cluster.Resource) string {
	if r.Provider != "" {
		return r.Class + ":" + r.Provider + ":" + r.Type
	}
	return r.Class + ":" + r.Type
}
