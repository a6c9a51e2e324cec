package pengine

import (
	"sort"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
)

// Synapses lists the transition's actions in the order Pacemaker writes them into
// the graph: resources depth-first in configuration order (a group's own pseudo
// actions before its members', a clone's after its instances'), each resource's
// actions newest first, then the actions of no resource, newest first. The
// simulated execution walks this order, so it decides the order of independent
// actions in crm_simulate's output.
func (t *Transition) Synapses() []*Action {
	byRsc := map[*rsc][]*Action{}
	var other []*Action
	for _, a := range t.Actions {
		if !a.Executed() {
			continue
		}
		if a.Rsc != nil {
			byRsc[a.Rsc] = append(byRsc[a.Rsc], a)
		} else {
			other = append(other, a)
		}
	}
	out := make([]*Action, 0, len(t.Actions))
	var visit func(r *rsc)
	visit = func(r *rsc) {
		own := byRsc[r]
		sort.SliceStable(own, func(i, j int) bool { return newerThan(own[i], own[j]) })
		if r.cr.Kind == cluster.Clone {
			for _, ch := range r.children {
				visit(ch)
			}
			out = append(out, own...)
			return
		}
		out = append(out, own...)
		for _, ch := range r.children {
			visit(ch)
		}
	}
	for _, r := range t.w.top {
		visit(r)
	}
	sort.SliceStable(other, func(i, j int) bool {
		si, sj := otherStage(other[i]), otherStage(other[j])
		if si != sj {
			return si > sj
		}
		if si == 2 && other[i].Node != nil && other[j].Node != nil && other[i].Node != other[j].Node {
			// Shutdowns are created node by node, nodes sorted by name.
			return nodeNameLess(other[j].Node.name, other[i].Node.name)
		}
		return other[i].ID > other[j].ID
	})
	return append(out, other...)
}

const stageProbe = 2

// newerThan reports whether Pacemaker creates a after b for the same resource.
func newerThan(a, b *Action) bool {
	ra, rb := creationStage(a), creationStage(b)
	if a.retyped || b.retyped {
		// The clean-up of history recorded for another agent comes after
		// the stops, before the starts.
		ka, kb := 2*ra, 2*rb
		if a.retyped {
			ka = 2*stageStop + 1
		}
		if b.retyped {
			kb = 2*stageStop + 1
		}
		if ka != kb {
			return ka > kb
		}
	}
	if ra != rb {
		return ra > rb
	}
	if ra == stageProbe && a.Node != nil && b.Node != nil && a.Node != b.Node {
		// Probes are created node by node, nodes sorted by name.
		return nodeNameLess(b.Node.name, a.Node.name)
	}
	if ra == 1 {
		// Reloads and the starts of restarts, then the clears of counts
		// they make obsolete, then the stops.
		rank := map[string]int{"reload-agent": 0, "start": 0, "clear_failcount": 1, "stop": 2}
		if rank[a.Task] != rank[b.Task] {
			return rank[a.Task] > rank[b.Task]
		}
	}
	if ra == stageStop {
		if sa, sb := stopRank(a), stopRank(b); sa != sb {
			return sa > sb
		}
	}
	return a.ID > b.ID
}

const stageStop = 4

// stopRank orders a resource's stops: node by node, nodes where it failed first,
// each node's Stopped-role monitor just before its stop.
func stopRank(a *Action) int {
	r := a.Rsc
	failed := func(n *node) bool {
		st := r.cr.StatusOn(n.name)
		return st != nil && st.Failed
	}
	var order []*node
	for _, first := range []bool{true, false} {
		for _, n := range r.current {
			if failed(n) == first {
				order = append(order, n)
			}
		}
	}
	pos := len(order)
	for i, n := range order {
		if n == a.Node {
			pos = i
		}
	}
	if a.Task == "stop" {
		return 2*pos + 1
	}
	return 2 * pos
}

// nodeNameLess orders node names as Pacemaker sorts its node list: ignoring case,
// runs of digits by value.
func nodeNameLess(a, b string) bool {
	for a != "" && b != "" {
		ca, cb := a[0], b[0]
		if isDigit(ca) && isDigit(cb) {
			i, j := digitRun(a), digitRun(b)
			na, nb := strings.TrimLeft(a[:i], "0"), strings.TrimLeft(b[:j], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[i:], b[j:]
			continue
		}
		la, lb := lower(ca), lower(cb)
		if la != lb {
			return la < lb
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// creationStage is when, relative to its resource's other actions, Pacemaker
// creates an action: recurring monitors already running are met while reading the
// history, then probes, then demote, stop, start, promote, new recurring
// monitors and migration (the graph lists a resource's actions newest first).
func creationStage(a *Action) int {
	if a.Pseudo && a.Rsc != nil && a.Rsc.pseudo != nil {
		// Per task: the task, its completion, then its notifications.
		for i, p := range notifyPairs {
			for j, task := range []string{p[0], p[1], "pre_notify_" + p[0], "confirmed-pre_notify_" + p[0], "post_notify_" + p[1], "confirmed-post_notify_" + p[1]} {
				if a.Task == task {
					return 10 + 6*pairOrder(i) + j
				}
			}
		}
	}
	if isNotify(a) {
		// Instances' notifications are created last.
		for i, p := range notifyPairs {
			switch a.Task {
			case "pre_notify_" + p[0]:
				return 40 + 2*i
			case "post_notify_" + p[0]:
				return 41 + 2*i
			}
		}
	}
	switch a.Task {
	case "cancel":
		// Met while reading the history.
		return 0
	case "delete":
		// An orphan's cleanup is decided while reading the history too.
		return 1
	case "clear_failcount":
		if a.defClear {
			// Asked by the deferred definition checks, after the restarts
			// and reloads they decide, before probing.
			return 1
		}
		return -1 // while unpacking, before any other action
	case "reload-agent":
		// Decided with the definition checks, before any probe.
		return 1
	case "monitor":
		switch {
		case a.Probe || a.IntervalMS == 0:
			return stageProbe
		case runningMonitor(a):
			return 0
		case stoppedRoleMonitor(a) && isCurrent(a.Rsc, a.Node) && (a.Node != a.Rsc.current[0] || !runsAfter(a.Rsc)):
			// Created with the stop on a node the resource leaves for good
			// (a move's source gets it after the new node's monitors).
			return stageStop
		}
		return 7
	case "demote":
		return 3
	case "stop":
		if st := a.Rsc.cr.StatusOn(a.NodeName()); a.Rsc.failed && len(a.Rsc.current) == 1 && st != nil && st.Failed {
			// Recovering a failure: the stop is decided while reading the
			// history, before any probe.
			return 1
		}
		if a.Rsc.defChanged {
			// So is a restart for a changed definition (digests are checked
			// before probing).
			return 1
		}
		return stageStop
	case "start":
		if a.Rsc.defChanged {
			// A restart for a changed definition is decided, start first,
			// while the digests are checked.
			return 1
		}
		return 5
	case "promote":
		return 6
	case "migrate_to":
		return 8
	case "migrate_from":
		return 9
	}
	return 10
}

// runningMonitor reports whether a is a recurring monitor the history shows
// running on its node.
func runningMonitor(a *Action) bool {
	if a.Node == nil || a.Rsc == nil {
		return false
	}
	st := a.Rsc.cr.StatusOn(a.Node.name)
	if st == nil {
		return false
	}
	for _, m := range st.ActiveMonitors() {
		if m.IntervalMS == a.IntervalMS {
			return true
		}
	}
	return false
}

// otherStage is when Pacemaker creates an action of no resource: ordering-set
// pseudo actions while reading the constraints, fencing while reading the node
// states, the rest (shutdowns) last.
func otherStage(a *Action) int {
	switch {
	case a.Pseudo && a.Task != "stonith":
		return 0
	case a.Task == "stonith":
		return 1
	}
	return 2
}

// runsAfter reports whether r runs somewhere once the transition is done.
func runsAfter(r *rsc) bool {
	return r.assigned != nil && r.start != nil && r.start.Runnable
}

// pairOrder is the creation rank of a clone's task pairs (start, stop,
// promote, demote).
func pairOrder(i int) int { return i }
