package pengine

import (
	"fmt"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
)

// summaryItem is one Transition Summary line before formatting.
type summaryItem struct {
	change, rsc, details, reason string
}

// summarize lists what the transition does, in Pacemaker's order: fencing first,
// then resources in configuration order.
func (w *ws) summarize() []string {
	var lines []string
	// Pacemaker lists fencing most recently scheduled first.
	for i := len(w.fencing) - 1; i >= 0; i-- {
		f := w.fencing[i]
		if f.Runnable {
			if f.viaResource != "" {
				lines = append(lines, fmt.Sprintf("Fence (%s) %s (resource: %s) '%s'", f.FenceAction, f.Node.name, f.viaResource, f.Reason))
				continue
			}
			lines = append(lines, fmt.Sprintf("Fence (%s) %s '%s'", f.FenceAction, f.Node.name, f.Reason))
		}
	}
	var items []summaryItem
	for _, r := range w.all {
		if r.cr.Kind == cluster.Primitive && r.managed {
			if it, ok := w.summaryFor(r); ok {
				items = append(items, it)
				if it.change == "Stop" {
					// A multiply-active resource stops on every node.
					items = append(items, w.extraStops(r)...)
				}
			}
		}
	}
	// Pacemaker widens the name column only for a name longer than it, and
	// then with two spaces to spare.
	rw, dw := 5, 5
	for _, it := range items {
		if len(it.rsc) > rw {
			rw = len(it.rsc) + 2
		}
		if len(it.details) > dw {
			dw = len(it.details)
		}
	}
	for _, it := range items {
		l := fmt.Sprintf("%-8s   %-*s   ( %*s )", it.change, rw, it.rsc, dw, it.details)
		if it.reason != "" {
			l += "  " + it.reason
		}
		lines = append(lines, l)
	}
	return lines
}

func reasonText(reason string, runnable bool) string {
	switch {
	case reason != "" && !runnable:
		return "due to " + reason + " (blocked)"
	case reason != "":
		return "due to " + reason
	case !runnable:
		return "blocked"
	}
	return ""
}

func (w *ws) summaryFor(r *rsc) (summaryItem, bool) {
	st := r.start
	next := r.assigned
	if st == nil || !st.Runnable {
		next = nil
	}
	it := summaryItem{rsc: r.id}
	role, nextRole := r.curRole(), r.targetRole()
	needRole := role > cluster.RoleStarted || nextRole > cluster.RoleUnpromoted
	if len(r.current) == 0 {
		if r.assigned != nil && st != nil && !st.Optional && !st.Runnable && st.Reason != "" {
			// A start that has a node but cannot run is reported as blocked.
			it.change, it.details, it.reason = "Start", r.assigned.name, reasonText(st.Reason, false)
			return it, true
		}
		if next == nil || st.Optional {
			return it, false
		}
		it.change, it.details = "Start", next.name
		if nextRole == cluster.RolePromoted {
			it.change = "Promote"
			it.details = "Stopped -> Promoted " + next.name
			if r.promote != nil && !r.promote.Runnable {
				it.reason = reasonText(r.promote.Reason, false)
			}
		}
		return it, true
	}
	cur := r.current[0]
	stop := r.stops[0]
	if next == nil {
		if stop.Optional && st != nil && st.Node == cur && !st.Runnable {
			return it, false
		}
		reason := stop.Reason
		if reason == "" && st != nil {
			reason = st.Reason
		}
		it.change, it.details, it.reason = "Stop", cur.name, reasonText(reason, stop.Runnable)
		if needRole {
			it.details = role.String() + " " + cur.name
		}
		return it, true
	}
	sameRole := role == nextRole
	if next != cur {
		it.change = "Move"
		if r.migrateTo != nil && r.migrateTo.Executed() {
			it.change = "Migrate"
		}
		if r.failed {
			it.change = "Recover"
		}
		switch {
		case needRole && sameRole:
			it.details = cur.name + " -> " + next.name + " " + role.String()
		case sameRole:
			it.details = cur.name + " -> " + next.name
		default:
			it.details = role.String() + " " + cur.name + " -> " + nextRole.String() + " " + next.name
		}
		if !stop.Runnable {
			it.reason = reasonText("", false)
		} else if r.noMigrate != "" {
			it.reason = reasonText(r.noMigrate, true)
		}
		return it, true
	}
	if stop.Optional && st.Optional && r.reload && role == nextRole {
		it.change, it.details = "Reload", cur.name
		return it, true
	}
	if !stop.Optional || !st.Optional {
		it.change = "Restart"
		if r.failed {
			it.change = "Recover"
		}
		it.details = cur.name
		switch {
		case needRole && sameRole:
			it.details = role.String() + " " + cur.name
		case !sameRole:
			it.details = role.String() + " -> " + nextRole.String() + " " + cur.name
		}
		reason := st.Reason
		if reason == "" {
			reason = stop.Reason
		}
		if it.change == "Restart" {
			it.reason = reasonText(reason, st.Runnable && stop.Runnable)
		}
		return it, true
	}
	switch {
	case role == cluster.RoleUnpromoted && nextRole == cluster.RolePromoted && r.promote != nil && !r.promote.Optional:
		it.change = "Promote"
		if !r.promote.Runnable {
			it.reason = reasonText(r.promote.Reason, false)
		}
	case role == cluster.RolePromoted && nextRole == cluster.RoleUnpromoted && r.demote != nil && !r.demote.Optional:
		it.change = "Demote"
	default:
		return it, false
	}
	it.details = role.String() + " -> " + nextRole.String() + " " + cur.name
	return it, true
}

// SummaryText is the Transition Summary block body, one "  * " line per item.
func (t *Transition) SummaryText() string {
	var b strings.Builder
	for _, l := range t.Summary {
		b.WriteString("  * ")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// extraStops are the Stop lines for the second and later nodes a resource is
// active on.
func (w *ws) extraStops(r *rsc) []summaryItem {
	var out []summaryItem
	for i := 1; i < len(r.stops); i++ {
		s := r.stops[i]
		if s.Optional {
			continue
		}
		out = append(out, summaryItem{change: "Stop", rsc: r.id, details: s.Node.name, reason: reasonText(s.Reason, s.Runnable)})
	}
	return out
}
