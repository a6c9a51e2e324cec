package pengine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cluster"
)

// Executed reports whether an action is part of the transition (required and runnable).
func (a *Action) Executed() bool { return !a.Optional && a.Runnable }

// ExecutionOrder is the order crm_simulate executes the transition in: passes
// over the graph's synapses, each firing every action whose inputs are done
// (an action is done as soon as it fires, so later synapses of the same pass
// can follow it), until nothing more can fire.
func (t *Transition) ExecutionOrder() []*Action {
	syn := t.Synapses()
	ins := graphInputs(syn)
	done := make(map[*Action]bool, len(syn))
	out := make([]*Action, 0, len(syn))
	for {
		fired := 0
		for _, a := range syn {
			if done[a] || !inputsDone(ins[a], done) {
				continue
			}
			done[a] = true
			out = append(out, a)
			fired++
		}
		if fired == 0 {
			break
		}
	}
	if len(out) < len(syn) {
		// An ordering loop: Pacemaker would stall; run the rest in graph order
		// rather than lose them.
		for _, a := range syn {
			if !done[a] {
				out = append(out, a)
			}
		}
	}
	return out
}

// isLoad reports whether a is a load_stopped_NODE pseudo action.
func isLoad(a *Action) bool {
	return a.Pseudo && a.Rsc == nil && strings.HasPrefix(a.Task, "load_stopped_")
}

func inputsDone(ins []*Action, done map[*Action]bool) bool {
	for _, in := range ins {
		if !done[in] {
			return false
		}
	}
	return true
}

// graphInputs are each synapse's inputs: the executed actions ordered before
// it, except an order behind a load_stopped pseudo action that would close a
// loop (through other orders and the load orders already kept, in synapse order:
// Pacemaker leaves such inputs out rather than stall).
func graphInputs(syn []*Action) map[*Action][]*Action {
	added := map[*edge]bool{}
	reaches := func(from, to *Action) bool {
		seen := map[*Action]bool{}
		stack := []*Action{from}
		for len(stack) > 0 {
			a := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if a == to {
				return true
			}
			if seen[a] {
				continue
			}
			seen[a] = true
			for _, e := range a.out {
				if e.then.Executed() && (!isLoad(e.first) || added[e]) {
					stack = append(stack, e.then)
				}
			}
		}
		return false
	}
	out := make(map[*Action][]*Action, len(syn))
	for _, a := range syn {
		var ins []*Action
		for _, e := range a.in {
			if !e.first.Executed() {
				continue
			}
			if isLoad(e.first) {
				if reaches(a, e.first) {
					continue
				}
				added[e] = true
			}
			ins = append(ins, e.first)
		}
		out[a] = ins
	}
	return out
}

// ExecLine is the "Executing Cluster Transition" line for an action.
func (a *Action) ExecLine() string {
	switch {
	case a.Task == "stonith" && a.Pseudo:
		return fmt.Sprintf("Pseudo action:   %s on %s", graphKey(a), a.Node.name)
	case a.Task == "stonith":
		return fmt.Sprintf("Fencing %s (%s)", a.Node.name, a.FenceAction)
	case a.Pseudo && a.Rsc == nil:
		// Ordering-set pseudo actions are named by their task alone.
		return "Pseudo action:   " + a.Task
	case a.Rsc == nil:
		return fmt.Sprintf("Cluster action:  %s on %s", a.Task, a.NodeName())
	case a.Task == "clear_failcount":
		return fmt.Sprintf("Cluster action:  clear_failcount for %s on %s", a.graphName(), a.NodeName())
	case a.Pseudo && a.Node != nil && a.Rsc.pseudo == nil:
		// A stop implied by fencing is named as the node's history knows
		// the resource.
		return fmt.Sprintf("Pseudo action:   %s_%s_%d", a.historyID(), a.Task, a.IntervalMS)
	case a.Pseudo:
		return "Pseudo action:   " + a.Key()
	}
	return fmt.Sprintf("Resource action: %-15s %s on %s", a.historyID(), a.execTask(), a.NodeName())
}

// execTask is the operation as crm_simulate names it: notifications are
// "notify", recurring operations carry their interval.
func (a *Action) execTask() string {
	switch {
	case isNotify(a):
		return "notify"
	case a.IntervalMS > 0:
		return fmt.Sprintf("%s=%d", a.Task, a.IntervalMS)
	}
	return a.Task
}

// execLine is the line for an executed action; name is what execute recorded a
// resource action under.
func (a *Action) execLine(name string) string {
	if name == "" || a.Rsc == nil || a.Pseudo {
		return a.ExecLine()
	}
	return fmt.Sprintf("Resource action: %-15s %s on %s", name, a.execTask(), a.NodeName())
}

// graphName is the resource name the graph gives an action: an anonymous clone's
// instances share their base name.
func (a *Action) graphName() string {
	if clone, _ := instanceOf(a.Rsc); clone != nil && !clone.cr.GloballyUnique {
		return a.Rsc.cr.BaseID
	}
	return a.Rsc.id
}

// historyID is the name the node's history knows the resource by (an anonymous
// clone's instance may be recorded without its number).
func (a *Action) historyID() string {
	if a.Node != nil {
		if st := a.Rsc.cr.StatusOn(a.Node.name); st != nil && st.HistoryID != "" && (a.Task == "delete" || !inactiveOtherInstance(a.Rsc, st)) {
			return st.HistoryID
		}
	}
	return a.Rsc.id
}

// Simulate pretends the cluster executed the transition: it records each action's
// result in root's status section (as crm_simulate does) and returns the lines to
// print under "Executing Cluster Transition".
func (t *Transition) Simulate(root *etree.Element) []string {
	status := root.SelectElement("status")
	if status == nil {
		status = root.CreateElement("status")
	}
	var lines []string
	for _, a := range t.ExecutionOrder() {
		lines = append(lines, a.execLine(execute(status, a)))
	}
	return lines
}

// execute records in status what executing a did; for a resource action it
// returns the name the node's history records the resource under.
func execute(status *etree.Element, a *Action) string {
	switch {
	case a.Task == "stonith" && a.FenceAction != "on":
		fenceNode(status, a.Node)
	case a.Task == "stonith":
		// Unfencing leaves the node up and records that it happened.
		unfenced(status, a.Node)
	case a.Task == "delete":
		return deleteHistory(status, a)
	case a.Task == "cancel" || isNotify(a):
		// A cancel or a notification leaves no result; it is named as
		// recorded.
		if st := a.Rsc.cr.StatusOn(a.Node.name); st != nil && st.HistoryID != "" && (a.Task == "delete" || !inactiveOtherInstance(a.Rsc, st)) {
			return st.HistoryID
		}
	case a.Task == "clear_failcount":
		// The controller's business: nothing in the operation history.
	case a.Rsc != nil && !a.Pseudo && a.Node != nil:
		return recordOp(status, a)
	}
	return ""
}

// deleteHistory removes the resource's history from the node and returns the
// name it was recorded under.
func deleteHistory(status *etree.Element, a *Action) string {
	ns := nodeState(status, a.Node)
	names := []string{a.Rsc.id, a.graphName()}
	if st := a.Rsc.cr.StatusOn(a.Node.name); st != nil && st.HistoryID != "" {
		names = append([]string{st.HistoryID}, names...)
	}
	for _, name := range names {
		for _, lr := range ns.FindElements("lrm/lrm_resources/lrm_resource") {
			if lr.SelectAttrValue("id", "") == name {
				lr.Parent().RemoveChild(lr)
				return name
			}
		}
	}
	return names[0]
}

func nodeState(status *etree.Element, n *node) *etree.Element {
	for _, ns := range status.SelectElements("node_state") {
		if ns.SelectAttrValue("uname", "") == n.name || ns.SelectAttrValue("id", "") == n.cn.ID {
			return ns
		}
	}
	ns := status.CreateElement("node_state")
	ns.CreateAttr("id", n.cn.ID)
	ns.CreateAttr("uname", n.name)
	ns.CreateAttr("in_ccm", "true")
	ns.CreateAttr("crmd", "online")
	ns.CreateAttr("join", "member")
	ns.CreateAttr("expected", "member")
	return ns
}

func fenceNode(status *etree.Element, n *node) {
	ns := nodeState(status, n)
	ns.CreateAttr("in_ccm", "false")
	ns.CreateAttr("crmd", "offline")
	ns.CreateAttr("join", "down")
	ns.CreateAttr("expected", "down")
	for _, ch := range ns.ChildElements() {
		if ch.Tag == "lrm" || ch.Tag == "transient_attributes" {
			ns.RemoveChild(ch)
		}
	}
}

// newHistoryName is the name a new history entry for r gets: the name r has
// elsewhere, else, for an anonymous clone's instance, the base name when the
// clone's history uses base names, else r's own (instance) name.
func newHistoryName(r *rsc) string {
	for _, st := range r.cr.StatusOrder {
		if st.HistoryID != "" && !inactiveOtherInstance(r, st) {
			return st.HistoryID
		}
	}
	clone, _ := instanceOf(r)
	if clone == nil || clone.cr.GloballyUnique {
		return r.id
	}
	base := false
	for _, p := range primitivesOf(clone) {
		if p.cr.BaseID != r.cr.BaseID {
			continue
		}
		for _, st := range p.cr.StatusOrder {
			if st.HistoryID == p.cr.BaseID {
				base = true
			}
		}
	}
	if base {
		return r.cr.BaseID
	}
	return r.id
}

// recordOp records a's result in the node's history and returns the name the
// history knows the resource by: the entry the instance's state came from, an
// existing entry under the graph's name or the instance's own name, else a new one
// under the instance's name.
func recordOp(status *etree.Element, a *Action) string {
	ns := nodeState(status, a.Node)
	lrm := ns.SelectElement("lrm")
	if lrm == nil {
		lrm = ns.CreateElement("lrm")
		lrm.CreateAttr("id", a.Node.cn.ID)
	}
	lrs := lrm.SelectElement("lrm_resources")
	if lrs == nil {
		lrs = lrm.CreateElement("lrm_resources")
	}
	var lr *etree.Element
	hid := newHistoryName(a.Rsc)
	names := []string{a.graphName(), a.Rsc.id}
	if st := a.Rsc.cr.StatusOn(a.Node.name); st != nil && st.HistoryID != "" && !inactiveOtherInstance(a.Rsc, st) {
		// The entry the instance's state was read from.
		names = append([]string{st.HistoryID}, names...)
	}
	for _, name := range names {
		for _, e := range lrs.SelectElements("lrm_resource") {
			if e.SelectAttrValue("id", "") == name {
				lr, hid = e, name
				break
			}
		}
		if lr != nil {
			break
		}
	}
	if lr == nil {
		lr = lrs.CreateElement("lrm_resource")
		lr.CreateAttr("id", hid)
		cr := a.Rsc.cr
		lr.CreateAttr("class", cr.Class)
		if cr.Provider != "" {
			lr.CreateAttr("provider", cr.Provider)
		}
		lr.CreateAttr("type", cr.Type)
	}
	maxCall := 0
	for _, op := range lr.SelectElements("lrm_rsc_op") {
		if c, err := strconv.Atoi(op.SelectAttrValue("call-id", "0")); err == nil && c > maxCall {
			maxCall = c
		}
	}
	rc := 0
	switch {
	case a.Probe && !a.ExpectRunning, stoppedRoleMonitor(a):
		rc = 7
	case a.Task == "monitor" && a.IntervalMS > 0 && a.Node == a.Rsc.assigned && a.Rsc.targetRole() == cluster.RolePromoted:
		// A promoted instance's monitor reports "running promoted".
		rc = 8
	}
	key := fmt.Sprintf("%s_%s_%d", hid, a.Task, a.IntervalMS)
	id := key
	if a.IntervalMS == 0 {
		// Non-recurring results replace each other under the last-op id.
		id = hid + "_last_0"
	}
	// A new result replaces the entry of the same id (a recurring
	// operation's earlier result too).
	for _, op := range lr.SelectElements("lrm_rsc_op") {
		if op.SelectAttrValue("id", "") == id {
			lr.RemoveChild(op)
		}
	}
	op := lr.CreateElement("lrm_rsc_op")
	op.CreateAttr("id", id)
	op.CreateAttr("operation_key", key)
	op.CreateAttr("operation", a.Task)
	op.CreateAttr("crm-debug-origin", "crm_simulate")
	op.CreateAttr("transition-key", fmt.Sprintf("%d:0:%d:00000000-0000-0000-0000-000000000000", a.ID, rc))
	op.CreateAttr("transition-magic", fmt.Sprintf("0:%d;%d:0:%d:00000000-0000-0000-0000-000000000000", rc, a.ID, rc))
	op.CreateAttr("call-id", strconv.Itoa(maxCall+1))
	op.CreateAttr("rc-code", strconv.Itoa(rc))
	op.CreateAttr("op-status", "0")
	op.CreateAttr("interval", strconv.FormatInt(a.IntervalMS, 10))
	op.CreateAttr("on_node", a.Node.name)
	if a.Task == "migrate_to" || a.Task == "migrate_from" {
		op.CreateAttr("migrate_source", "")
		op.CreateAttr("migrate_target", "")
	}
	return hid
}

func unfenced(status *etree.Element, n *node) {
	ns := nodeState(status, n)
	ta := ns.SelectElement("transient_attributes")
	if ta == nil {
		ta = ns.CreateElement("transient_attributes")
		ta.CreateAttr("id", n.cn.ID)
	}
	ia := ta.SelectElement("instance_attributes")
	if ia == nil {
		ia = ta.CreateElement("instance_attributes")
		ia.CreateAttr("id", "status-"+n.cn.ID)
	}
	nv := ia.CreateElement("nvpair")
	nv.CreateAttr("id", "status-"+n.cn.ID+"-.node-unfenced")
	nv.CreateAttr("name", "#node-unfenced")
	nv.CreateAttr("value", "1")
}

// inactiveOtherInstance reports whether st is an inactive entry recorded under
// another instance's name that the anonymous instance r was matched with: a
// start there is recorded under r's own name.
func inactiveOtherInstance(r *rsc, st *cluster.RscNodeState) bool {
	clone, _ := instanceOf(r)
	return clone != nil && !clone.cr.GloballyUnique && !st.Active && st.HistoryID != r.id && st.HistoryID != r.cr.BaseID
}
