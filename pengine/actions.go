package pengine

import (
	"fmt"
	"sort"
	"time"

	"github.com/pacer-ha/pacer/cluster"
)

// Action is one step of a transition.
type Action struct {
	ID         int
	Rsc        *rsc
	Task       string // start, stop, monitor, promote, demote, migrate_to, migrate_from, stonith, do_shutdown
	IntervalMS int64
	Node       *node
	Pseudo     bool
	Optional   bool
	Runnable   bool
	Reason     string
	// FenceAction is reboot/off for stonith actions.
	FenceAction string
	// forced is set on an action made required by an order (not by a child).
	forced bool
	// stopsActive is set when the action became unrunnable through a link that
	// also stops what is already active (a symmetrical order).
	stopsActive bool
	// viaResource names the container whose recovery fences a guest node.
	viaResource string
	// retyped marks the delete of history recorded for another agent.
	retyped bool
	// defClear marks a clear_failcount asked because the definition changed.
	defClear bool
	// need is how many inputs a one-or-more pseudo action needs runnable.
	need int
	// Probe marks a non-recurring monitor used to discover state.
	Probe bool
	// ExpectRunning marks a probe whose resource the history says is active.
	ExpectRunning bool

	in, out []*edge
}

// Key is Pacemaker's operation key: RSC_TASK_INTERVAL.
func (a *Action) Key() string {
	if a.Rsc == nil {
		return fmt.Sprintf("%s_%d", a.Task, a.IntervalMS)
	}
	return fmt.Sprintf("%s_%s_%d", a.Rsc.id, a.Task, a.IntervalMS)
}

// NodeName is the node the action runs on, "" for none.
func (a *Action) NodeName() string {
	if a.Node == nil {
		return ""
	}
	return a.Node.name
}

// RscID is the resource id, "" for cluster actions.
func (a *Action) RscID() string {
	if a.Rsc == nil {
		return ""
	}
	return a.Rsc.id
}

func (w *ws) newAction(r *rsc, task string, n *node, optional bool) *Action {
	a := &Action{ID: len(w.actions), Rsc: r, Task: task, Node: n, Optional: optional, Runnable: true}
	w.actions = append(w.actions, a)
	return a
}

// createActions decides, per node and resource, what must happen.
func (w *ws) createActions() {
	w.fenceNodes()
	for _, r := range w.all {
		if r.cr.Kind == cluster.Primitive {
			w.primitiveActions(r)
		}
	}
	w.collectionActions()
	w.shutdownNodes()
	w.clearFailcounts()
}

// unfenceNodes turns on nodes that have not been unfenced yet when a fencing
// device needs unfencing (provides=unfencing) and is about to be probed there.
func (w *ws) unfenceNodes() {
	for _, n := range w.nodes {
		if n.cn.Type != cluster.NodeMember || !n.cn.Online || n.unclean || n.fenceWhy != "" {
			continue
		}
		if _, done := n.cn.Attrs["#node-unfenced"]; done {
			continue
		}
		for _, r := range w.all {
			if r.cr.Kind != cluster.Primitive || r.cr.Class != "stonith" || r.cr.Meta["provides"] != "unfencing" {
				continue
			}
			if r.cr.StatusOn(n.name) != nil || !r.managed {
				continue
			}
			a := w.newAction(nil, "stonith", n, false)
			a.FenceAction = "on"
			a.Reason = "required by " + r.id + " monitor"
			w.fencing = append(w.fencing, a)
			break
		}
	}
}

// fenceReason asks for a node to be fenced, keeping the first reason given.
func (w *ws) fenceReason(n *node, reason string) {
	if n.fenceWhy == "" {
		n.fenceWhy = reason
	}
	// A node about to be fenced hosts nothing.
	n.unclean = true
}

// fenceNodes schedules fencing: cluster and remote nodes first, then guests
// (by name), which Pacemaker lists in the reverse order.
func (w *ws) fenceNodes() {
	w.nodeFencing()
	guests := make([]*node, 0, len(w.nodes))
	for _, n := range w.nodes {
		if n.guestFence != nil {
			guests = append(guests, n)
		}
	}
	sort.SliceStable(guests, func(i, j int) bool { return guests[i].name < guests[j].name })
	for _, n := range guests {
		a := w.newAction(nil, "stonith", n, false)
		a.FenceAction = "reboot"
		if n.guestFence.assigned == nil {
			// The container stays down: the guest is "fenced" off, not rebooted.
			a.FenceAction = "off"
		}
		a.Pseudo = true
		a.Reason = "guest is unclean"
		a.viaResource = n.guestFence.id
		n.fence = a
		w.fencing = append(w.fencing, a)
	}
}

func (w *ws) nodeFencing() {
	if !w.stonithEnabled || !w.haveFencingDevice() {
		// Without a fencing device no node can be fenced.
		return
	}
	if !w.haveQuorum && w.noQuorum == "suicide" {
		// Without quorum, suicide fences every node of this partition.
		for _, n := range w.nodes {
			if n.cn.Type == cluster.NodeMember && n.cn.Online {
				w.fenceReason(n, "cluster does not have quorum")
			}
		}
	} else if !w.haveQuorum && w.noQuorum != "ignore" {
		// Without quorum a partition fences only a member it saw fail a
		// stop (the failure is its own evidence); lost peers are not fenced.
		for _, n := range w.nodes {
			if n.fenceWhy == "" || !n.cn.Online || n.cn.Type != cluster.NodeMember {
				continue
			}
			a := w.newAction(nil, "stonith", n, false)
			a.FenceAction = w.c.Properties.StonithAction()
			a.Reason = n.fenceWhy
			n.fence = a
			w.fencing = append(w.fencing, a)
		}
		return
	}
	w.unfenceNodes()
	w.lostConnections()
	for _, n := range w.nodes {
		if (!n.unclean && n.fenceWhy == "") || n.cn.Type == cluster.NodeGuest || n.cn.Type == cluster.NodePing {
			continue
		}
		if n.cn.Type == cluster.NodeRemote && n.fenceWhy == "" {
			// An unclean remote node is fenced only when its connection failed
			// or something is thought to run there.
			conn := w.connOf(n)
			failed := conn != nil && conn.failed
			active := w.firstActive(n)
			switch {
			case n.cn.StateElement == nil && (failed || active != nil):
				// Never seen: unclean until fenced.
				n.fenceWhy = "node is unclean"
			case conn == nil && active != nil:
				// No connection configured: fenced for what runs there.
				n.fenceWhy = active.id + " is thought to be active there"
			case failed && active != nil && connStartFailed(conn):
				// The connection never came up: the node is fenced for
				// what its history says runs there.
				n.fenceWhy = active.id + " is thought to be active there"
			case failed:
				n.fenceWhy = "remote connection is unrecoverable"
			case active != nil:
				n.fenceWhy = active.id + " is active there (fencing will be revoked if remote connection can be re-established elsewhere)"
			default:
				continue
			}
		}
		if n.fenceWhy == "" && n.cn.Type == cluster.NodeMember && !n.cn.Online && n.cn.Expected == "down" && n.cn.Join == "down" {
			// It left cleanly, yet its history says something still runs there.
			if active := w.firstActive(n); active != nil {
				n.fenceWhy = active.id + " is thought to be active there"
			}
		}
		a := w.newAction(nil, "stonith", n, false)
		a.FenceAction = w.c.Properties.StonithAction()
		a.Reason = n.fenceWhy
		switch {
		case a.Reason != "":
		case n.cn.StateElement == nil:
			// Never seen: fenced at startup.
			a.Reason = "node is unclean"
		case n.cn.InCCM != "true":
			a.Reason = "peer is no longer part of the cluster"
		case n.cn.Crmd != "online":
			a.Reason = "peer process is no longer available"
		default:
			a.Reason = "node is unclean"
		}
		n.fence = a
		w.fencing = append(w.fencing, a)
	}
}

func (w *ws) shutdownNodes() {
	for _, n := range w.nodes {
		if !n.cn.Shutdown || !n.cn.Online || n.unclean {
			continue
		}
		a := w.newAction(nil, "do_shutdown", n, false)
		n.shutdown = a
		for _, r := range w.all {
			for _, s := range r.stops {
				if s.Node == n {
					w.order(s, a, fImpliesThen)
				}
			}
		}
	}
}

// primitiveActions creates start/stop/monitor/probe actions for one primitive.
func (w *ws) primitiveActions(r *rsc) {
	next := r.assigned
	if r.managed || w.probesUnmanaged(r) {
		w.probes(r)
	}
	if !r.managed {
		// An unmanaged resource cannot be stopped; what must stop after it is
		// blocked (its stop exists only to carry that).
		for _, cur := range r.current {
			s := w.newAction(r, "stop", cur, true)
			s.Runnable = false
			r.stops = append(r.stops, s)
		}
		if len(r.stops) > 0 {
			r.stop = r.stops[0]
		}
		if w.probesUnmanaged(r) && !r.cr.Blocked && len(r.current) == 1 && r.current[0].cn.Online && !r.current[0].unclean {
			// Left alone but still watched: its monitors keep running.
			w.unmanagedMonitors(r, r.current[0])
		}
		return
	}
	if r.cr.Orphan && !w.anyReachable(r.current) {
		// An orphan only active on nodes nothing can reach (lost and not
		// being fenced) is left alone: there is nothing to do about it.
		r.current = nil
	}
	// Stops on every node where it runs.
	for _, cur := range r.current {
		keep := cur == next && !r.failed && len(r.current) == 1
		s := w.newAction(r, "stop", cur, keep)
		if cur.fence != nil {
			// The node's fencing stops everything on it.
			s.Pseudo = true
			s.Optional = false
			if r.cr.Requires == "fencing" || r.cr.Requires == "unfencing" {
				// Only what needs fencing waits for it to stop.
				w.order(cur.fence, s, fImpliesThen)
			}
		} else if !cur.cn.Online || cur.unclean {
			s.Runnable = false
		}
		if !keep && next == nil {
			s.Reason = r.stopReason(w)
			if c := w.downContainer(cur); c != nil {
				// Inside a guest whose container cannot start again.
				s.Reason = "unrunnable " + c.id + " start"
			}
		}
		r.stops = append(r.stops, s)
	}
	if len(r.stops) > 0 {
		r.stop = r.stops[0]
	}
	stays := isCurrent(r, next) && !r.failed && len(r.current) == 1
	agentSwap := false
	if stays {
		if st := r.cr.StatusOn(next.name); st != nil && agentChanged(r, st) {
			// Another agent runs it there now: restart with the new one.
			stays, agentSwap = false, true
		}
	}
	if stays {
		switch definitionChange(r, next) {
		case defRestart:
			stays = false
			r.defChanged = true
		case defReload:
			r.reload = true
		}
	}
	st := w.newAction(r, "start", next, stays)
	if r.defChanged {
		st.Reason = "resource definition change"
		r.stops[0].Optional = false
	}
	if agentSwap {
		r.stops[0].Optional = false
	}
	if next == nil {
		st.Runnable = false
		st.Optional = true
	}
	if r.frozen && next != nil {
		st.Runnable = false
		st.Reason = "quorum freeze"
		if w.noQuorum != "freeze" {
			st.Reason = "no quorum"
		}
	}
	r.start = st
	for _, s := range r.stops {
		w.order(s, st, fImpliesThen|fImpliesFirst|fRunnableLeft)
	}
	if next != nil {
		w.monitors(r, next, st)
	}
	w.roleActions(r)
	w.maybeMigrate(r)
}

// curRole is the role the resource has now (Stopped when inactive).
func (r *rsc) curRole() cluster.Role {
	if len(r.current) == 0 {
		return cluster.RoleStopped
	}
	if r.cr.Role == cluster.RoleUnknown {
		return cluster.RoleStarted
	}
	return r.cr.Role
}

// targetRole is the role it should end with (Stopped when unplaced).
func (r *rsc) targetRole() cluster.Role {
	if r.assigned == nil || (r.start != nil && !r.start.Runnable) {
		return cluster.RoleStopped
	}
	if isPromotable(r) {
		if r.nextRole == cluster.RolePromoted {
			return cluster.RolePromoted
		}
		return cluster.RoleUnpromoted
	}
	return cluster.RoleStarted
}

// roleActions adds promote and demote for instances of promotable clones.
func (w *ws) roleActions(r *rsc) {
	if !isPromotable(r) {
		return
	}
	next := r.assigned
	was := r.curRole() == cluster.RolePromoted
	var cur *node
	if len(r.current) > 0 {
		cur = r.current[0]
	}
	stays := cur != nil && cur == next && !r.failed
	// A failure with on-fail=demote is recovered by demoting (and, if it is
	// still the one to promote, promoting again).
	repromote := was && stays && r.nextRole == cluster.RolePromoted && demotedByFailure(r, cur)
	if was && cur != nil {
		d := w.newAction(r, "demote", cur, stays && r.nextRole == cluster.RolePromoted && !repromote)
		if cur.fence != nil {
			d.Pseudo = true
			d.Optional = false
		}
		r.demote = d
		w.order(d, r.stop, fImpliesFirst)
		w.order(d, r.start, fOptionalOnly)
	}
	if next != nil && r.nextRole == cluster.RolePromoted {
		p := w.newAction(r, "promote", next, was && stays && !repromote)
		r.promote = p
		w.order(r.start, p, fImpliesThen|fRunnableLeft)
		if r.demote != nil {
			w.order(r.demote, p, fOptionalOnly)
		}
	}
}

// maybeMigrate turns a move of a live-migratable resource into migrate_to on the
// old node and migrate_from on the new one; the start becomes a pseudo action.
func (w *ws) maybeMigrate(r *rsc) {
	next := r.assigned
	allow := r.cr.AllowMigrate
	if _, set := r.cr.Meta["allow-migrate"]; !set && r.cr.Provider == "pacemaker" && r.cr.Type == "remote" && r.cr.Container == nil {
		// Remote connections migrate unless told not to.
		allow = true
	}
	if !allow || r.failed || len(r.current) != 1 || next == nil {
		return
	}
	if p := r.parent; p != nil && p.cr.Kind == cluster.Group {
		// A group member migrates only behind members that migrate too.
		for _, sib := range p.children {
			if sib == r {
				break
			}
			if sib.stop != nil && !sib.stop.Optional && sib.migrateTo == nil {
				r.noMigrate = "unrunnable " + sib.id + " stop"
				return
			}
		}
	}
	cur := r.current[0]
	if cur == next || !cur.cn.Online || cur.unclean || cur.fence != nil || !r.stop.Runnable {
		return
	}
	from := w.newAction(r, "migrate_from", next, false)
	if r.partialTarget != next {
		to := w.newAction(r, "migrate_to", cur, false)
		w.order(to, from, fImpliesThen|fRunnableLeft)
		r.migrateTo = to
	} else {
		// Finishing a partial migration: migrate_to already ran.
		r.migrateTo = from
	}
	w.order(from, r.stop, fImpliesThen|fRunnableLeft)
	w.order(from, r.start, fImpliesThen|fRunnableLeft)
	r.start.Pseudo = true
	r.migrateFrom = from
}

func (r *rsc) stopReason(w *ws) string {
	// A resource the lack of quorum stops is still placed: its blocked start
	// gives that reason.
	return "node availability"
}

// monitors schedules the recurring monitors that should run after the start.
func (w *ws) monitors(r *rsc, n *node, st *Action) {
	st0 := r.cr.StatusOn(n.name)
	defs := map[int64]int{}
	for _, op := range r.cr.Ops {
		if op.Name == "monitor" {
			defs[op.IntervalMS]++
		}
	}
	for _, op := range r.cr.Ops {
		if op.Name != "monitor" || op.IntervalMS == 0 || !op.Enabled {
			continue
		}
		if defs[op.IntervalMS] > 1 {
			// Two monitors with one interval (for different roles) are
			// ambiguous: Pacemaker schedules neither.
			continue
		}
		if op.Role == cluster.RoleStopped {
			continue
		}
		if isPromotable(r) {
			want := cluster.RoleUnpromoted
			if r.nextRole == cluster.RolePromoted {
				want = cluster.RolePromoted
			}
			if op.Role != cluster.RoleUnknown && op.Role != want {
				continue
			}
			if op.Role == cluster.RoleUnknown && want == cluster.RolePromoted {
				// A monitor without a role is not a promoted instance's.
				continue
			}
		} else if op.Role == cluster.RolePromoted {
			continue
		}
		active := false
		if st0 != nil {
			for _, m := range st0.ActiveMonitors() {
				if m.IntervalMS == op.IntervalMS && !((m.RC != 0 && m.RC != 8 || m.Status != 0) && w.failureExpired(r, st0)) {
					active = true
				}
			}
		}
		m := w.newAction(r, "monitor", n, active && st.Optional)
		m.IntervalMS = op.IntervalMS
		w.order(st, m, fImpliesThen|fRunnableLeft)
	}
}

// probesUnmanaged reports whether an unmanaged resource is still probed: only
// maintenance mode stops probing, and orphans (no longer configured) are not
// looked for; is-managed=false alone does not stop probes.
func (w *ws) probesUnmanaged(r *rsc) bool {
	if w.maintenance || r.cr.Orphan {
		return false
	}
	for x := r.cr; x != nil; x = x.Parent {
		if cluster.IsTrue(x.Meta["maintenance"]) {
			return false
		}
	}
	return true
}

// unmanagedMonitors schedules the recurring monitors of an unmanaged resource's
// current role that the history does not show running.
func (w *ws) unmanagedMonitors(r *rsc, n *node) {
	role := r.curRole()
	st0 := r.cr.StatusOn(n.name)
	defs := map[int64]int{}
	for _, op := range r.cr.Ops {
		if op.Name == "monitor" {
			defs[op.IntervalMS]++
		}
	}
	for _, op := range r.cr.Ops {
		if op.Name != "monitor" || op.IntervalMS == 0 || !op.Enabled || defs[op.IntervalMS] > 1 || op.Role == cluster.RoleStopped {
			continue
		}
		switch {
		case op.Role == cluster.RoleUnknown && role == cluster.RolePromoted:
			continue
		case op.Role != cluster.RoleUnknown && op.Role != role && !(op.Role == cluster.RoleUnpromoted && role == cluster.RoleStarted):
			continue
		}
		active := false
		if st0 != nil {
			for _, m := range st0.ActiveMonitors() {
				if m.IntervalMS == op.IntervalMS {
					active = true
				}
			}
		}
		if !active {
			m := w.newAction(r, "monitor", n, false)
			m.IntervalMS = op.IntervalMS
		}
	}
}

// failureExpired reports whether the failure recorded on st is past r's
// failure-timeout: a monitor that failed then is started again.
func (w *ws) failureExpired(r *rsc, st *cluster.RscNodeState) bool {
	if r.cr.FailureTimeout <= 0 {
		return false
	}
	if st.LastFailure <= 0 {
		// No failure time recorded: the fail count is long gone.
		return st.FailCount <= 0
	}
	return w.now.After(time.Unix(st.LastFailure, 0).Add(r.cr.FailureTimeout))
}

// probes discovers the resource's state on nodes with no history for it.
func (w *ws) probes(r *rsc) {
	if r.cr.Orphan {
		// No longer configured: nothing to look for.
		return
	}
	for _, n := range w.nodes {
		if !n.cn.Online || n.unclean || n.cn.Pending || !r.discover[n.idx] || !discoveryEnabled(n) {
			continue
		}
		if known(r, n) || siblingKnown(r, n) || !probedInstance(r, n) {
			continue
		}
		if n.cn.Type != cluster.NodeMember && (r.cr.Class == "stonith" || isConnection(w, r) || hostsGuest(w, r)) {
			// Fencing devices, connections and guests' containers never run
			// on remote or guest nodes: nothing to look for there.
			continue
		}
		if r.cr.Container != nil {
			// It runs inside its container, not on a node of its own.
			continue
		}
		p := w.newAction(r, "monitor", n, false)
		p.Probe = true
	}
}

// probedInstance reports whether r belongs to the one instance of an anonymous
// clone that is probed on n: the instance active there, else the one placed
// there, else the first. Other resources are always probed.
func probedInstance(r *rsc, n *node) bool {
	clone, _ := instanceOf(r)
	if clone == nil || clone.cr.GloballyUnique || len(clone.children) == 0 {
		return true
	}
	inst := r
	for inst.parent != clone {
		inst = inst.parent
	}
	var chosen *rsc
	for _, in := range clone.children {
		for _, p := range primitivesOf(in) {
			if isCurrent(p, n) {
				chosen = in
				break
			}
		}
		if chosen != nil {
			break
		}
	}
	if chosen == nil {
		for _, in := range clone.children {
			if placeTarget(in).assigned == n {
				chosen = in
				break
			}
		}
	}
	if chosen == nil {
		chosen = clone.children[0]
	}
	return chosen == inst
}

// known reports whether n's history says anything about r (a probe still
// pending says nothing: it is asked again).
func known(r *rsc, n *node) bool {
	return r.cr.DiscoveredOn(n.name)
}

// siblingKnown reports whether another instance of r's anonymous clone already
// has history on n: an anonymous clone is probed once per node.
func siblingKnown(r *rsc, n *node) bool {
	clone, _ := instanceOf(r)
	if clone == nil || clone.cr.GloballyUnique {
		return false
	}
	for _, in := range clone.children {
		for _, p := range primitivesOf(in) {
			if p != r && p.cr.BaseID == r.cr.BaseID && p.cr.StatusOn(n.name) != nil {
				return true
			}
		}
	}
	return false
}

// edge flags.
const (
	fImpliesThen       = 1 << iota // first required => then required
	fImpliesFirst                  // then required => first required
	fRunnableLeft                  // first unrunnable => then unrunnable
	fOptionalOnly                  // ordering only
	fRunnableLeftAll               // with fRunnableLeft: also for optional thens
	fImpliesThenForced             // first forced by an input => then required
	fChild                         // between a collection's pseudo action and a child
)

type edge struct {
	first, then *Action
	flags       int
	// label, when set, names the action reported as the reason instead of then.
	label string
}

func (w *ws) order(first, then *Action, flags int) *edge {
	if first == nil || then == nil || first == then {
		return nil
	}
	e := &edge{first: first, then: then, flags: flags}
	first.out = append(first.out, e)
	then.in = append(then.in, e)
	return e
}

// sortedActions returns actions with a stable id order for rendering.
func (w *ws) sortedActions() []*Action {
	out := append([]*Action(nil), w.actions...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// hosting reports whether any primitive is active on n.
// firstActive is the first resource (in configuration order) active on n.
func (w *ws) firstActive(n *node) *rsc {
	for _, r := range w.all {
		if r.cr.Kind == cluster.Primitive && isCurrent(r, n) {
			return r
		}
	}
	return nil
}

// connStartFailed reports whether a connection's recorded failure is a start.
func connStartFailed(conn *rsc) bool {
	for _, st := range conn.cr.StatusOrder {
		if st.Failed && st.FailedOp != nil && st.FailedOp.Operation != "start" {
			return false
		}
	}
	for _, st := range conn.cr.StatusOrder {
		if st.Failed && st.FailedOp != nil {
			return true
		}
	}
	return false
}

func (w *ws) hosting(n *node) bool {
	for _, r := range w.all {
		if r.cr.Kind == cluster.Primitive && isCurrent(r, n) {
			return true
		}
	}
	return false
}

// anyReachable reports whether a stop can be done on (or fencing settles) one of
// the nodes.
func (w *ws) anyReachable(nodes []*node) bool {
	for _, n := range nodes {
		if n.fence != nil || (n.cn.Online && !n.unclean) {
			return true
		}
	}
	return false
}
