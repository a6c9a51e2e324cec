package pengine

import (
	"sort"

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
	sort.SliceStable(other, func(i, j int) bool { return other[i].ID > other[j].ID })
	return append(out, other...)
}

// newerThan reports whether Pacemaker creates a after b for the same resource.
func newerThan(a, b *Action) bool {
	ra, rb := creationStage(a), creationStage(b)
	if ra != rb {
		return ra > rb
	}
	return a.ID > b.ID
}

// creationStage is when, relative to its resource's other actions, Pacemaker
// creates an action: recurring monitors already running are met while reading the
// history, then probes, then demote, stop, start, promote, new recurring
// monitors and migration (the graph lists a resource's actions newest first).
func creationStage(a *Action) int {
	if a.Pseudo && a.Rsc != nil && a.Rsc.pseudo != nil {
		for i, task := range collectionTasks {
			if a.Rsc.pseudo[task] == a {
				return 10 + i
			}
		}
	}
	switch a.Task {
	case "monitor":
		switch {
		case a.Probe || a.IntervalMS == 0:
			return 1
		case runningMonitor(a):
			return 0
		}
		return 6
	case "demote":
		return 2
	case "stop":
		return 3
	case "start":
		return 4
	case "promote":
		return 5
	case "migrate_to":
		return 7
	case "migrate_from":
		return 8
	}
	return 9
}

// runningMonitor reports whether a is a recurring monitor the history shows
// running on its node.
func runningMonitor(a *Action) bool {
	if a.Node == nil || a.Rsc == nil {
		return false
	}
	st := a.Rsc.cr.Status[a.Node.name]
	if st == nil {
		return false
	}
	for _, m := range st.ActiveMonitors {
		if m.IntervalMS == a.IntervalMS {
			return true
		}
	}
	return false
}
