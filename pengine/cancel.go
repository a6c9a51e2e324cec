package pengine

import (
	"github.com/pacer-ha/pacer/cluster"
)

// cancelMonitors cancels recurring monitors that keep running where a resource
// stays but should no longer run: those of the old role when an instance is
// promoted or demoted in place, those no longer configured, and every monitor of
// a resource in maintenance (or on a node in maintenance). A resource that stops
// there needs no cancel: stopping ends its monitors. The cancel comes before the
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
			if !maint && (!r.managed || r.assigned != n || stopsOn(r, n)) {
				continue
			}
			var roleChange *Action
			for _, a := range []*Action{r.promote, r.demote} {
				if a != nil && a.Executed() && a.Node == n {
					roleChange = a
				}
			}
			done := map[int64]bool{}
			for _, m := range mons {
				if done[m.IntervalMS] || (!maint && wantMonitor(r, m.IntervalMS)) {
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
