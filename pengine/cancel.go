package pengine

import (
	"github.com/pacer-ha/pacer/cluster"
)

// cancelMonitors cancels recurring monitors that keep running where a resource
// stays but should no longer run: those of the old role when an instance is
// promoted or demoted in place, those no longer configured, and every monitor of
// a resource in maintenance (or on a node in maintenance). A resource that stops
// there needs no cancel for its configured monitors (stopping ends them), but one
// no longer configured is cancelled all the same. The cancel comes before the
// role change.
func (w *ws) cancelMonitors() {
	for _, r := range w.all {
		if r.cr.Kind != cluster.Primitive {
			continue
		}
		for _, n := range r.current {
			st := r.cr.StatusOn(n.name)
			if st == nil || !n.cn.Online || n.unclean {
				continue
			}
			mons := st.ActiveMonitors()
			if len(mons) == 0 {
				continue
			}
			maint := w.inMaintenance(r, n)
			orphanOnly := false
			if !maint && (!r.managed || r.assigned != n || stopsOn(r, n)) {
				if !r.managed || r.cr.Orphan {
					// (An orphan's history goes with its stop.)
					continue
				}
				// Stopping there: only monitors no longer configured are
				// cancelled (the stop ends the others).
				orphanOnly = true
			}
			var roleChange *Action
			for _, a := range []*Action{r.promote, r.demote} {
				if a != nil && a.Executed() && a.Node == n {
					roleChange = a
				}
			}
			done := map[int64]bool{}
			for _, m := range mons {
				if done[m.IntervalMS] || (!maint && wantMonitor(r, m.IntervalMS)) || orphanOnly && configuredMonitor(r, m.IntervalMS) {
					continue
				}
				if !maint && !configuredMonitor(r, m.IntervalMS) && (isConnection(w, r) || r.top().cr.Kind == cluster.Bundle) {
					// Guest connections and bundles' generated resources have
					// implicit monitors.
					continue
				}
				if !maint && !configuredMonitor(r, m.IntervalMS) && !cluster.ParseBool(w.c.Properties.String("stop-orphan-actions", "true"), true) {
					// stop-orphan-actions=false leaves unconfigured monitors running.
					continue
				}
				done[m.IntervalMS] = true
				c := w.newAction(r, "cancel", n, false)
				c.IntervalMS = m.IntervalMS
				if roleChange != nil {
					w.order(c, roleChange, fOptionalOnly)
				}
			}
		}
	}
}

// inMaintenance reports whether r is left alone on n because of maintenance (of
// the resource or the node).
func (w *ws) inMaintenance(r *rsc, n *node) bool {
	if n.cn.Maintenance {
		return true
	}
	for x := r.cr; x != nil; x = x.Parent {
		if cluster.IsTrue(x.Meta["maintenance"]) {
			return true
		}
	}
	return false
}

// stopsOn reports whether the transition stops r on n.
func stopsOn(r *rsc, n *node) bool {
	for _, s := range r.stops {
		if s.Node == n && s.Executed() {
			return true
		}
	}
	return false
}

// wantMonitor reports whether a recurring monitor of that interval is configured
// for the role r ends with.
func wantMonitor(r *rsc, intervalMS int64) bool {
	role := r.targetRole()
	for _, op := range r.cr.Ops {
		if op.Name != "monitor" || op.IntervalMS != intervalMS || !op.Enabled {
			continue
		}
		switch {
		case op.Role == cluster.RoleUnknown:
			// A monitor without a role is not a promoted instance's.
			return role != cluster.RolePromoted
		case op.Role == role:
			return true
		case op.Role == cluster.RoleUnpromoted && role == cluster.RoleStarted && !isPromotable(r):
			return true
		}
	}
	return false
}

// configuredMonitor reports whether a monitor of that interval is configured for
// any role.
func configuredMonitor(r *rsc, intervalMS int64) bool {
	for _, op := range r.cr.Ops {
		if op.Name == "monitor" && op.IntervalMS == intervalMS {
			return true
		}
	}
	return false
}

// stoppedMonitors schedules the monitors configured for the Stopped role (they
// watch that a resource stays stopped) on every node where the resource will not
// be running, after its stop or probe there, unless one already runs; where the
// resource is going to start, a running one is cancelled before the start.
func (w *ws) stoppedMonitors() {
	for _, r := range w.all {
		if r.cr.Kind != cluster.Primitive || !r.managed {
			continue
		}
		var runs *node
		if r.start != nil && r.start.Runnable && r.assigned != nil {
			runs = r.assigned
		}
		seen := map[int64]bool{}
		for _, op := range r.cr.Ops {
			if op.Name != "monitor" || op.IntervalMS == 0 || seen[op.IntervalMS] {
				continue
			}
			seen[op.IntervalMS] = true
			if op.Role != cluster.RoleStopped || !op.Enabled {
				continue
			}
			for _, n := range w.nodes {
				if !n.cn.Online || n.unclean || n.cn.Pending || !r.discover[n.idx] {
					continue
				}
				active := stoppedMonitorActive(r, n, op.IntervalMS)
				if n == runs {
					if active {
						c := w.newAction(r, "cancel", n, false)
						c.IntervalMS = op.IntervalMS
						w.order(c, r.start, fOptionalOnly)
					}
					continue
				}
				if active {
					continue
				}
				m := w.newAction(r, "monitor", n, false)
				m.IntervalMS = op.IntervalMS
				for _, a := range w.actions {
					if a.Rsc == r && a.Node == n && (a.Task == "stop" || a.Probe) {
						w.order(a, m, fOptionalOnly)
					}
				}
			}
		}
	}
}

// stoppedMonitorActive reports whether the history shows a Stopped-role monitor
// of that interval running on n (the resource being inactive there).
func stoppedMonitorActive(r *rsc, n *node, intervalMS int64) bool {
	if isCurrent(r, n) {
		return false
	}
	st := r.cr.StatusOn(n.name)
	if st == nil {
		return false
	}
	for _, op := range st.History {
		if op.Operation == "monitor" && op.IntervalMS == intervalMS && !op.Pending() && op.Status != cluster.OpStatusCancelled {
			return true
		}
	}
	return false
}

// stoppedRoleMonitor reports whether a is a monitor of the Stopped role.
func stoppedRoleMonitor(a *Action) bool {
	if a.Task != "monitor" || a.IntervalMS == 0 || a.Rsc == nil {
		return false
	}
	for _, op := range a.Rsc.cr.Ops {
		if op.Name == "monitor" && op.IntervalMS == a.IntervalMS {
			return op.Role == cluster.RoleStopped
		}
	}
	return false
}

// reloads turns a Reload (only reloadable parameters changed) into a
// reload-agent action where the resource runs, after which its recurring
// monitors there are started again.
func (w *ws) reloads() {
	for _, r := range w.all {
		if !r.reload || r.cr.Kind != cluster.Primitive || len(r.current) == 0 || r.start == nil || r.stops == nil {
			continue
		}
		cur := r.current[0]
		if !r.stops[0].Optional || !r.start.Optional || r.curRole() != r.targetRole() || r.assigned != cur {
			continue
		}
		rl := w.newAction(r, "reload-agent", cur, false)
		for _, a := range w.actions {
			if a.Rsc == r && a.Node == cur && a.Task == "monitor" && a.IntervalMS > 0 && !stoppedRoleMonitor(a) {
				a.Optional = false
				w.order(rl, a, fOptionalOnly)
			}
		}
	}
}

// orphanDeletes removes the history of an orphan (a resource no longer
// configured) from each node it is stopped on, once stopped, and the history
// recorded for another agent than the configured one where the resource is not
// active or is restarted with the new agent.
func (w *ws) orphanDeletes() {
	for _, r := range w.all {
		if r.cr.Kind == cluster.Primitive && (!r.cr.Orphan || r.parent != nil) {
			// (A surplus clone instance's retyped entry too.)
			for _, st := range r.cr.StatusOrder {
				if !r.cr.HasAgentChanged() {
					// No entry of another agent: nothing here to delete
					// (spares reading every cold state).
					break
				}
				n := w.byName[st.Node.Name]
				if n == nil || !n.cn.Online || n.unclean || !agentChanged(r, st) {
					continue
				}
				if isCurrent(r, n) || st.Active {
					// Active with the old agent: only a restart there
					// (the new agent starting) replaces the history.
					if r.assigned != n || r.start == nil || !r.start.Executed() || r.start.Node != n {
						continue
					}
				}
				d := w.newAction(r, "delete", n, false)
				d.retyped = true
				// After the resource's stops (an instance's siblings' for a
				// surplus instance), before its start.
				stoppers := []*rsc{r}
				if r.cr.Orphan && r.parent != nil {
					stoppers = r.parent.children
				}
				for _, x := range stoppers {
					for _, s := range x.stops {
						w.order(s, d, fOptionalOnly)
					}
				}
				if r.start != nil {
					w.order(d, r.start, fOptionalOnly)
				}
			}
		}
		if r.cr.Kind != cluster.Primitive || !r.cr.Orphan || r.parent != nil {
			// A surplus clone instance keeps its history.
			continue
		}
		for _, s := range r.stops {
			if s.Executed() && !s.Pseudo && s.Node != nil {
				d := w.newAction(r, "delete", s.Node, false)
				w.order(s, d, fOptionalOnly)
			}
		}
	}
}
