package pengine

import (
	"sort"

	"github.com/pacer-ha/pacer/cluster"
)

// endpoint finds the action standing for "task of r"; first says whether r is on
// the first side of an order (a group is started once its last member is).
func endpoint(r *rsc, task string, first bool) *Action {
	if r.pseudo != nil {
		if first {
			return r.pseudo[doneTask(task)]
		}
		return r.pseudo[task]
	}
	switch task {
	case "start":
		return r.start
	case "stop":
		return r.stop
	case "promote":
		return r.promote
	case "demote":
		return r.demote
	}
	return nil
}

func inverse(task string) string {
	switch task {
	case "start":
		return "stop"
	case "stop":
		return "start"
	case "promote":
		return "demote"
	case "demote":
		return "promote"
	}
	return task
}

// buildOrdering turns order constraints and group membership into action edges.
func (w *ws) buildOrdering() {
	w.remoteProbes()
	w.probeOrdering()
	w.fenceOrdering()
	w.collectionOrdering()
	w.roleMonitorOrdering()
	w.loadOrdering()
	w.antiColocationOrdering()
	w.remoteMoveOrdering()
	defer w.migrationOrdering()
	for _, r := range w.all {
		if r.cr.Kind != cluster.Group || !cluster.ParseBool(r.cr.Meta["ordered"], true) {
			// ordered=false: the members start and stop independently.
			continue
		}
		for i := 1; i < len(r.children); i++ {
			a, b := r.children[i-1], r.children[i]
			w.order(endpoint(a, "start", true), endpoint(b, "start", false), fImpliesThen|fRunnableLeft)
			w.order(endpoint(b, "stop", true), endpoint(a, "stop", false), fImpliesFirst|fRunnableLeft)
			if endpoint(b, "stop", true) == nil && endpoint(a, "stop", false) != nil {
				// A member that is not running has no stop: the next one
				// that has stops first.
				for _, c := range r.children[i+1:] {
					if s := endpoint(c, "stop", true); s != nil {
						w.order(s, endpoint(a, "stop", false), fOptionalOnly)
						break
					}
				}
			}
		}
	}
	anyOf := map[string]*Action{}
	for _, o := range w.ords {
		f := endpoint(o.first, o.firstAction, true)
		t := endpoint(o.then, o.thenAction, false)
		if need := cloneMin(o); need > 0 && o.kind == orderMandatory {
			// The then needs only some instances of the first clone.
			a := w.newAction(nil, "clone-one-or-more:"+o.id, nil, true)
			a.Pseudo = true
			a.need = need
			w.anyActions = append(w.anyActions, a)
			for _, in := range o.first.children {
				w.order(childDone(in, o.firstAction), a, fImpliesThen|fChild)
			}
			flags := fImpliesThen | fRunnableLeft
			if o.symmetrical {
				flags |= fRunnableLeftAll
				w.order(endpoint(o.then, inverse(o.thenAction), true), endpoint(o.first, inverse(o.firstAction), false), fImpliesFirst)
			}
			w.order(a, t, flags)
			continue
		}
		if w.interleave(o) {
			// The clones as wholes stay ordered too (a then-clone cannot
			// start at all when the first clone cannot).
			if o.kind == orderMandatory {
				w.order(f, t, fRunnableLeft)
			} else {
				w.order(f, t, fOptionalOnly)
			}
			if o.symmetrical {
				w.order(endpoint(o.then, inverse(o.thenAction), true), endpoint(o.first, inverse(o.firstAction), false), fOptionalOnly)
			}
			continue
		}
		if o.firstAny != nil {
			// require-all=false: one member of the set is enough.
			a := anyOf[o.anyID]
			if a == nil {
				a = w.newAction(nil, "one-or-more:"+o.anyID, nil, true)
				a.Pseudo = true
				anyOf[o.anyID] = a
				w.anyActions = append(w.anyActions, a)
				for _, x := range o.firstAny {
					w.order(endpoint(x, o.firstAction, true), a, fImpliesThen)
				}
			}
			w.order(a, t, fImpliesThen|fRunnableLeft)
			continue
		}
		switch o.kind {
		case orderMandatory:
			flags := fImpliesThen | fRunnableLeft
			if o.symmetrical {
				// A symmetrical order also stops an active then whose first
				// cannot start.
				flags |= fRunnableLeftAll
			}
			w.order(f, t, flags)
		case orderOptional:
			w.order(f, t, fOptionalOnly)
		default:
			continue
		}
		if o.symmetrical {
			rf := endpoint(o.then, inverse(o.thenAction), true)
			rt := endpoint(o.first, inverse(o.firstAction), false)
			if o.kind == orderMandatory {
				// The reverse order reports the forward order's first action.
				e := w.order(rf, rt, fImpliesFirst)
				if e != nil && f != nil {
					e.label = describe(f)
				}
			} else if rf == nil || rf.Rsc == nil || rf.Rsc.migrateTo == nil {
				// An optional order does not hold a live migration's stop
				// back from the first's stop.
				w.order(rf, rt, fOptionalOnly)
			}
		}
	}
}

// remoteProbes probes resources on a remote or guest node whose connection is
// being started, once it is up (fencing devices, connections and containers
// never run there and are not probed).
func (w *ws) remoteProbes() {
	for _, n := range w.nodes {
		if n.cn.Type == cluster.NodeMember || n.cn.Online || n.fence != nil || !discoveryEnabled(n) {
			continue
		}
		conn := w.connOf(n)
		if conn == nil || conn.start == nil || conn.assigned == nil || len(conn.current) > 0 || conn.start.Optional || !conn.start.Runnable {
			continue
		}
		for _, r := range w.all {
			if r.cr.Kind != cluster.Primitive || r == conn || r.cr.Class == "stonith" || !r.managed || !r.discover[n.idx] {
				continue
			}
			if r.cr.StatusOn(n.name) != nil || siblingKnown(r, n) || !probedInstance(r, n) || isConnection(w, r) || hostsGuest(w, r) || r.cr.Container != nil {
				continue
			}
			p := w.newAction(r, "monitor", n, false)
			p.Probe = true
			w.order(conn.start, p, fOptionalOnly)
		}
	}
}

// remoteMoveOrdering makes a resource moving onto a remote or guest node whose
// connection is starting leave its old node only once the connection is up.
func (w *ws) remoteMoveOrdering() {
	for _, r := range w.all {
		n := r.assigned
		if r.cr.Kind != cluster.Primitive || n == nil || n.cn.Type == cluster.NodeMember || isCurrent(r, n) {
			continue
		}
		conn := w.connOf(n)
		if conn == nil || conn.start == nil || len(conn.current) > 0 {
			continue
		}
		for _, s := range r.stops {
			w.order(conn.start, s, fOptionalOnly)
		}
	}
}

// hostsGuest reports whether r is the container of a guest node.
func hostsGuest(w *ws, r *rsc) bool {
	for _, n := range w.nodes {
		if n.cn.Container != nil && n.cn.Container.ID == r.id {
			return true
		}
	}
	return false
}

// discoveryEnabled reports whether resources are probed on n: a remote node
// with resource-discovery-enabled=false is not probed.
func discoveryEnabled(n *node) bool {
	if n.cn.Type == cluster.NodeMember {
		return true
	}
	v, ok := n.cn.Attrs["resource-discovery-enabled"]
	return !ok || cluster.ParseBool(v, true)
}

// isConnection reports whether r is a remote or guest node's connection.
func isConnection(w *ws, r *rsc) bool {
	for _, n := range w.nodes {
		if c := w.connOf(n); c == r {
			return true
		}
	}
	return false
}

// probeOrdering makes the resource wait for its probes: a probe comes before the
// start of the resource itself (and its migration) or, inside a clone, before the
// clone's "start" and "all stopped" pseudo actions. The
// edges only order: a probe forces nothing.
func (w *ws) probeOrdering() {
	for _, a := range w.actions {
		if !a.Probe || a.Rsc == nil {
			continue
		}
		if a.Node != nil && a.Node.cn.Type == cluster.NodeRemote {
			// The connection stays up until the node's probes are done.
			if conn := w.connOf(a.Node); conn != nil {
				for _, s := range conn.stops {
					w.order(a, s, fOptionalOnly)
				}
			}
		}
		top := a.Rsc
		if clone, _ := instanceOf(a.Rsc); clone != nil {
			top = clone
			for top.parent != nil {
				top = top.parent
			}
		}
		if top.pseudo == nil {
			w.order(a, top.start, fOptionalOnly)
			if top.migrateTo != nil && top.migrateTo != top.migrateFrom {
				w.order(a, top.migrateTo, fOptionalOnly)
			}
			continue
		}
		w.order(a, top.pseudo["start"], fOptionalOnly)
		w.order(a, top.pseudo["stopped"], fOptionalOnly)
	}
}

// fenceOrdering makes what needs fencing wait for it: the start and promote of a
// resource that requires fencing come after every fencing action; a resource that
// requires only quorum starts after the fencing of a node it may run on but whose
// state there is unknown (it might be active there); a collection stops after the
// fencing that implies a member's stop. The edges only order.
func (w *ws) fenceOrdering() {
	if !cluster.ParseBool(w.c.Properties.String("concurrent-fencing", "false"), false) {
		// Without concurrent fencing, one node is fenced after the other
		// (the DC last).
		var chain []*Action
		var dcFence *Action
		for _, f := range w.fencing {
			if f.Pseudo || f.FenceAction == "on" || !f.Runnable || f.Node == nil {
				continue
			}
			if w.c.DC != nil && f.Node.cn == w.c.DC {
				dcFence = f
				continue
			}
			chain = append(chain, f)
		}
		sort.SliceStable(chain, func(i, j int) bool { return chain[i].ID < chain[j].ID })
		if dcFence != nil {
			chain = append(chain, dcFence)
		}
		for i := 1; i < len(chain); i++ {
			w.order(chain[i-1], chain[i], fOptionalOnly)
		}
	}
	// The DC shuts down last too.
	for _, dc := range w.nodes {
		if dc.shutdown == nil || w.c.DC == nil || dc.cn != w.c.DC {
			continue
		}
		for _, n := range w.nodes {
			if n != dc && n.shutdown != nil {
				w.order(n.shutdown, dc.shutdown, fOptionalOnly)
			}
		}
	}
	// The DC is fenced last: it runs the others' fencing first.
	for _, dc := range w.fencing {
		if dc.Node == nil || w.c.DC == nil || dc.Node.cn != w.c.DC || dc.Pseudo {
			continue
		}
		for _, f := range w.fencing {
			if f != dc && !f.Pseudo && f.FenceAction != "on" {
				w.order(f, dc, fOptionalOnly)
			}
		}
	}
	for _, f := range w.fencing {
		if f.Runnable && f.FenceAction == "on" && f.Node != nil {
			// A node is unfenced before anything is probed or started there.
			for _, a := range w.actions {
				if a.Node == f.Node && !a.Pseudo && a.Rsc != nil && (a.Probe || a.Task == "start") {
					w.order(f, a, fOptionalOnly)
				}
			}
		}
		if !f.Runnable || f.FenceAction == "on" || f.Node == nil {
			continue
		}
		for _, r := range w.all {
			if r.cr.Kind != cluster.Primitive || !r.managed {
				continue
			}
			switch r.cr.Requires {
			case "fencing", "unfencing":
				w.order(f, r.start, fOptionalOnly)
				w.order(f, r.promote, fOptionalOnly)
			case "quorum":
				if r.start != nil && r.cr.StatusOn(f.Node.name) == nil && r.scores != nil && r.scores[f.Node.idx] > -inf {
					w.order(f, r.start, fOptionalOnly)
				}
			}
			if r.cr.Requires == "fencing" || r.cr.Requires == "unfencing" {
				for _, s := range r.stops {
					if s.Node == f.Node && s.Pseudo {
						for p := r.parent; p != nil; p = p.parent {
							if p.pseudo != nil {
								w.order(f, p.pseudo["stop"], fOptionalOnly)
							}
						}
					}
				}
			}
		}
	}
}

// collectionOrdering puts a collection's "start" before its "running" (and so on
// for stop and demote) even when no member takes part, and promotes only once
// its stops are done.
func (w *ws) collectionOrdering() {
	for _, r := range w.all {
		if r.pseudo == nil {
			continue
		}
		for _, p := range [][2]string{{"start", "running"}, {"stop", "stopped"}, {"demote", "demoted"}, {"stopped", "promote"}} {
			w.order(r.pseudo[p[0]], r.pseudo[p[1]], fOptionalOnly)
		}
	}
}

// roleMonitorOrdering makes the recurring monitors of an instance changing role
// wait for the promote or demote: they monitor the new role.
func (w *ws) roleMonitorOrdering() {
	for _, a := range w.actions {
		if a.Task != "monitor" || a.IntervalMS == 0 || a.Rsc == nil {
			continue
		}
		for _, rc := range []*Action{a.Rsc.promote, a.Rsc.demote} {
			if rc != nil && rc.Node == a.Node {
				w.order(rc, a, fOptionalOnly)
			}
		}
	}
}

// migrationOrdering carries orders onto live migrations: what the (pseudo) start
// of a migrating resource waits for, its migrate_to waits for too (a migrating
// resource's own start being replaced by its migrate_from), and a migrating
// resource's stop ordered after a non-migrating resource's stop makes its
// migrate_to wait for that stop.
func (w *ws) migrationOrdering() {
	for _, r := range w.all {
		to := r.migrateTo
		if to == nil || to == r.migrateFrom || r.start == nil {
			continue
		}
		for _, e := range append([]*edge(nil), r.start.in...) {
			f := e.first
			if f.Rsc == r || isAncestor(f.Rsc, r) {
				continue
			}
			if f.Rsc != nil && f == f.Rsc.start && f.Rsc.migrateFrom != nil {
				f = f.Rsc.migrateFrom
			}
			w.order(f, to, fOptionalOnly)
		}
		for _, s := range r.stops {
			for _, e := range append([]*edge(nil), s.in...) {
				f := e.first
				if f.Rsc == nil || f.Rsc == r {
					continue
				}
				if f.Pseudo && f.Rsc.pseudo != nil && f.Rsc.pseudo[f.Task] == f && taskOf(f.Task) != f.Task && !isAncestor(f.Rsc, r) {
					// A collection finishing a task before r stops.
					w.order(f, to, fOptionalOnly)
					continue
				}
				if f.Task != "stop" || f.Rsc.pseudo != nil || f.Rsc.migrateTo != nil {
					continue
				}
				w.order(f, to, fOptionalOnly)
			}
		}
	}
}

// isAncestor reports whether a is a collection containing r.
func isAncestor(a, r *rsc) bool {
	if a == nil {
		return false
	}
	for p := r.parent; p != nil; p = p.parent {
		if p == a {
			return true
		}
	}
	return false
}

// loadOrdering adds, when a placement strategy counts utilization, one
// load_stopped_NODE pseudo action per node: the node's stops come before it and
// its starts (and live migrations to it) after, so capacity is freed before it is
// used.
func (w *ws) loadOrdering() {
	if w.c.Properties.PlacementStrategy() == "default" {
		return
	}
	// Pacemaker creates them resource by resource in priority order: the nodes
	// it runs on, then the others by name.
	byName := append([]*node(nil), w.nodes...)
	sort.SliceStable(byName, func(i, j int) bool { return nodeNameLess(byName[i].name, byName[j].name) })
	var nodes []*node
	seen := map[*node]bool{}
	add := func(n *node) {
		if n != nil && !seen[n] {
			seen[n] = true
			nodes = append(nodes, n)
		}
	}
	top := append([]*rsc(nil), w.top...)
	sort.SliceStable(top, func(i, j int) bool { return top[i].cr.Priority > top[j].cr.Priority })
	for _, t := range top {
		for _, r := range primitivesOf(t) {
			cur := append([]*node(nil), r.current...)
			if r.partialTarget != nil && !isCurrent(r, r.partialTarget) {
				// A partial migration is active on its target too.
				cur = append(cur, r.partialTarget)
			}
			sort.SliceStable(cur, func(i, j int) bool { return nodeNameLess(cur[i].name, cur[j].name) })
			for _, n := range cur {
				add(n)
			}
			for _, n := range byName {
				add(n)
			}
		}
	}
	for _, n := range byName {
		add(n)
	}
	load := map[*node]*Action{}
	for _, n := range nodes {
		a := w.newAction(nil, "load_stopped_"+n.name, nil, false)
		a.Pseudo = true
		load[n] = a
	}
	for _, r := range w.all {
		if r.cr.Kind != cluster.Primitive || len(r.cr.Utilization) == 0 {
			// Only what uses capacity waits for it or frees it.
			continue
		}
		for _, s := range r.stops {
			if s.Node != nil && load[s.Node] != nil {
				w.order(s, load[s.Node], fOptionalOnly)
			}
		}
		if r.start == nil || r.assigned == nil || load[r.assigned] == nil {
			continue
		}
		w.order(load[r.assigned], r.start, fOptionalOnly)
		if r.migrateTo != nil && r.migrateTo != r.migrateFrom {
			w.order(load[r.assigned], r.migrateTo, fOptionalOnly)
		}
	}
}

// antiColocationOrdering keeps two resources that may never share a node from
// meeting while they move: each one's stop (or demote, for a role) comes before
// the other's start (or promote).
func (w *ws) antiColocationOrdering() {
	top := func(r *rsc) *rsc {
		for r.parent != nil && r.parent.cr.Kind == cluster.Group && r.parent.children[0] == r {
			r = r.parent
		}
		return r
	}
	// What leaves and what enters the role the colocation names.
	tasks := func(role cluster.Role) (string, string) {
		switch role {
		case cluster.RolePromoted:
			return "demote", "promote"
		case cluster.RoleUnpromoted:
			return "promote", "demote"
		}
		return "stop", "start"
	}
	for _, c := range w.cols {
		if c.score > -inf || c.dep == nil || c.prim == nil {
			continue
		}
		dep, prim := top(c.dep), top(c.prim)
		dStop, dStart := tasks(c.depRole)
		pStop, pStart := tasks(c.primRole)
		w.order(endpoint(dep, dStop, true), endpoint(prim, pStart, false), fOptionalOnly)
		w.order(endpoint(prim, pStop, true), endpoint(dep, dStart, false), fOptionalOnly)
	}
}

func describe(a *Action) string {
	if a.Rsc == nil {
		return a.Task
	}
	return a.Rsc.id + " " + a.Task
}

// propagate spreads "required" and "unrunnable" along the edges until nothing changes.
func (w *ws) propagate() {
	for round := 0; round < 1000; round++ {
		changed := false
		for _, a := range w.actions {
			for _, e := range a.out {
				f, t := e.first, e.then
				// An unrunnable first only blocks a then that has to happen.
				all := e.flags&fRunnableLeftAll != 0 || (e.flags&fChild != 0 && f.stopsActive)
				if e.flags&fRunnableLeft != 0 && !f.Runnable && t.Runnable && (!t.Optional || all) && !(f.Pseudo && f.Node != nil) {
					t.Runnable = false
					t.stopsActive = all
					if t.Reason == "" && (f.Rsc != t.Rsc || f.Rsc == nil) {
						t.Reason = "unrunnable " + describe(f)
						if f.Pseudo && f.Rsc != nil && f.Rsc.pseudo != nil && f.Reason != "" && e.flags&fChild != 0 {
							t.Reason = f.Reason
						}
					}
					changed = true
				}
				if e.flags&fImpliesThenForced != 0 && f.forced && t.Optional && (t.Node != nil || t.Pseudo) {
					t.Optional = false
					t.forced = true
					if t.Reason == "" {
						t.Reason = f.Reason
					}
					changed = true
				}
				if e.flags&fImpliesThen != 0 && !f.Optional && f.Runnable && t.Optional && (t.Node != nil || t.Pseudo) && !(migrating(f) && e.flags&fChild == 0) && !cloneDone(f, e) {
					t.Optional = false
					if e.flags&fChild == 0 {
						t.forced = true
					}
					if t.Reason == "" && f.Rsc != nil && f.Rsc != t.Rsc {
						t.Reason = "required " + describe(f)
					}
					changed = true
				}
				// A clone stopping some instances does not make what is ordered
				// before it (the reverse of "clone then X") stop too.
				cloneStop := t.Pseudo && t.Rsc != nil && t.Rsc.cr.Kind == cluster.Clone && !t.forced && e.flags&fChild == 0 &&
					t.Rsc.pseudo["running"] != nil && t.Rsc.pseudo["running"].Runnable
				// Nor does a live migration's stop force what depends on it to stop.
				migStop := t.Task == "stop" && t.Rsc != nil && t.Rsc.migrateTo != nil && e.flags&fChild == 0 && f.Rsc != t.Rsc
				if e.flags&fImpliesFirst != 0 && !t.Optional && f.Optional && (f.Node != nil || f.Pseudo) && !cloneStop && !migStop {
					f.Optional = false
					if f.Reason == "" && t.Rsc != nil && f.Rsc != t.Rsc && e.flags&fChild == 0 {
						f.Reason = "required " + describe(t)
						if e.label != "" {
							f.Reason = "required " + e.label
						}
					}
					changed = true
				}
			}
		}
		// A running resource whose start became unrunnable must stop.
		for _, r := range w.all {
			if r.start == nil || r.start.Runnable {
				continue
			}
			for _, s := range r.stops {
				if s.Optional {
					s.Optional = false
					if s.Reason == "" {
						s.Reason = r.start.Reason
					}
					changed = true
				}
			}
		}
		if w.settleAny() {
			changed = true
		}
		if w.settleCollections() {
			changed = true
		}
		if w.settleStopped() {
			changed = true
		}
		if !changed {
			w.idleStops()
			w.abandonMigrations()
			// Which monitors to cancel or add depends on what settled.
			w.cancelMonitors()
			w.stoppedMonitors()
			w.reloads()
			w.orphanDeletes()
			w.notifications()
			return
		}
	}
	w.warnf("Ordering propagation did not settle; the transition may be incomplete")
	w.idleStops()
	w.abandonMigrations()
	w.cancelMonitors()
	w.stoppedMonitors()
	w.reloads()
	w.orphanDeletes()
	w.notifications()
}

// idleStops leaves out the stop pseudo actions of a collection none of whose
// members is active anywhere: there is nothing to stop.
func (w *ws) idleStops() {
	for _, r := range w.all {
		if r.pseudo == nil || r.pseudo["stop"] == nil {
			continue
		}
		active := false
		for _, p := range primitivesOf(r) {
			if len(p.current) > 0 {
				active = true
			}
		}
		if !active {
			r.pseudo["stop"].Optional = true
			r.pseudo["stopped"].Optional = true
		}
	}
}

// abandonMigrations drops the live migration of a resource that can no longer
// start where it was heading (it only stops): neither migrate_to nor
// migrate_from runs, nor the monitors it would have had there.
func (w *ws) abandonMigrations() {
	for _, r := range w.all {
		if r.migrateTo == nil || r.start == nil || r.start.Runnable {
			continue
		}
		for _, a := range w.actions {
			if a.Rsc != r {
				continue
			}
			if a == r.migrateTo || a == r.migrateFrom || a.Task == "monitor" && a.IntervalMS > 0 && a.Node == r.assigned {
				a.Optional = true
			}
		}
	}
}

// settleStopped makes a group's "all stopped" unrunnable when a member that has
// to stop cannot (or is blocked by a failure), and a node's shutdown when
// something on it cannot stop.
func (w *ws) settleStopped() bool {
	changed := false
	for _, r := range w.all {
		if r.pseudo == nil || r.cr.Kind != cluster.Group {
			continue
		}
		done := r.pseudo["stopped"]
		if done == nil || !done.Runnable {
			continue
		}
		for _, ch := range r.children {
			if a := childDone(ch, "stop"); a != nil && !a.Runnable && (!a.Optional || ch.cr.Blocked) {
				done.Runnable = false
				changed = true
				break
			}
		}
	}
	// Nor does a node shut down while something blocked stays active on it.
	for _, n := range w.nodes {
		if n.shutdown == nil || !n.shutdown.Runnable {
			continue
		}
		for _, r := range w.all {
			for _, s := range r.stops {
				if s.Node == n && !s.Runnable && (!s.Optional || r.cr.Blocked) {
					n.shutdown.Runnable = false
					changed = true
				}
			}
		}
	}
	return changed
}

// migrating reports whether a is the pseudo start of a live migration, which does
// not force what is ordered after it to restart.
func migrating(a *Action) bool {
	return a.Pseudo && a.Rsc != nil && a.Rsc.migrateTo != nil && a.Task == "start"
}

// cloneDone reports whether a is a clone's completion pseudo action feeding an
// order: a clone finishing a change on some instances does not force what is
// ordered after the clone as a whole to be redone.
func cloneDone(a *Action, e *edge) bool {
	return a.Pseudo && e.flags&fChild == 0 && a.Rsc != nil && a.Rsc.cr.Kind == cluster.Clone &&
		(a.Task == "running" || a.Task == "promoted")
}

// settleAny makes a one-or-more pseudo action unrunnable when none of its inputs can run.
func (w *ws) settleAny() bool {
	changed := false
	for _, a := range w.anyActions {
		n := 0
		for _, e := range a.in {
			if e.first.Runnable && (e.first.Node != nil || (e.first.Pseudo && e.first.Rsc != nil && e.first.Rsc.pseudo != nil)) {
				n++
			}
		}
		need := a.need
		if need == 0 {
			need = 1
		}
		ok := n >= need
		if a.Runnable && !ok {
			a.Runnable = false
			changed = true
		}
	}
	return changed
}

// cloneMin is how many instances of a clone first an order needs: clone-min, or 1
// for require-all=false; 0 when the order is an ordinary one.
func cloneMin(o *ordering) int {
	f := o.first
	if f.cr.Kind != cluster.Clone || o.firstAction != "start" {
		return 0
	}
	if v, ok := f.cr.Meta["clone-min"]; ok {
		if n := cluster.ParseInt(v, 0); n > 0 {
			return n
		}
	}
	if o.anyClone {
		return 1
	}
	return 0
}

// interleave orders two clones instance by instance on each node when the then
// clone is interleaved; it reports whether it handled the order.
func (w *ws) interleave(o *ordering) bool {
	f, t := o.first, o.then
	if f.cr.Kind != cluster.Clone || t.cr.Kind != cluster.Clone || !t.cr.Interleave || o.kind == orderSerialize {
		return false
	}
	nodeOf := func(in *rsc) *node {
		p := placeTarget(in)
		if p.assigned != nil {
			return p.assigned
		}
		if len(p.current) > 0 {
			return p.current[0]
		}
		return nil
	}
	for _, ti := range t.children {
		n := nodeOf(ti)
		if n == nil {
			continue
		}
		peer := false
		for _, fi := range f.children {
			if nodeOf(fi) == n {
				peer = true
			}
		}
		if !peer && o.kind == orderMandatory && o.thenAction == "start" {
			// Nothing of the first clone runs here: an interleaved instance
			// cannot start without its local peer.
			if a := childAction(ti, "start"); a != nil && a.Optional == false {
				a.Runnable = false
			}
			continue
		}
		for _, fi := range f.children {
			if nodeOf(fi) != n {
				continue
			}
			first, then := childDone(fi, o.firstAction), childAction(ti, o.thenAction)
			if o.kind == orderOptional {
				w.order(first, then, fOptionalOnly)
				break
			}
			flags := fImpliesThen | fRunnableLeft
			if o.symmetrical {
				flags |= fRunnableLeftAll
				if e := w.order(childDone(ti, inverse(o.thenAction)), childAction(fi, inverse(o.firstAction)), fImpliesFirst); e != nil && first != nil {
					e.label = describe(first)
				}
			}
			w.order(first, then, flags)
			break
		}
	}
	return true
}
