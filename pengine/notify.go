package pengine

import (
	"sort"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
)

// notifyPairs are a clone's tasks with notifications and what each is called
// once done, in the order Pacemaker creates them.
var notifyPairs = [][2]string{{"start", "running"}, {"stop", "stopped"}, {"promote", "promoted"}, {"demote", "demoted"}}

// notifications adds, for a clone with notify=true, the notifications around each
// of its tasks in the transition: "pre" (pseudo pre_notify_TASK, a notify on
// every instance active before, confirmed-pre_notify_TASK, which the task waits
// for) and "post" (post_notify_DONE after the task and the pre notifications, a
// notify on every instance active after, confirmed-post_notify_DONE). What
// waits for the task's completion, and the instances' new recurring monitors,
// wait for the confirmed post notifications; a later task's notifications wait
// for an earlier one's.
func (w *ws) notifications() {
	for _, c := range w.all {
		if c.cr.Kind != cluster.Clone || !c.cr.Notify || c.pseudo == nil {
			continue
		}
		type set struct{ pre, cpre, post, cpost *Action }
		sets := map[string]*set{}
		for _, p := range notifyPairs {
			task, done := c.pseudo[p[0]], c.pseudo[p[1]]
			if task == nil || done == nil || !task.Executed() {
				continue
			}
			s := &set{
				pre:   w.notifyPseudo(c, "pre_notify_"+p[0]),
				cpre:  w.notifyPseudo(c, "confirmed-pre_notify_"+p[0]),
				post:  w.notifyPseudo(c, "post_notify_"+p[1]),
				cpost: w.notifyPseudo(c, "confirmed-post_notify_"+p[1]),
			}
			sets[p[0]] = s
			w.order(s.pre, s.cpre, fOptionalOnly)
			w.order(s.cpre, task, fOptionalOnly)
			w.order(done, s.post, fOptionalOnly)
			w.order(s.cpre, s.post, fOptionalOnly)
			w.order(s.post, s.cpost, fOptionalOnly)
			// What waits for the task's completion waits for its notifications.
			for _, e := range append([]*edge(nil), done.out...) {
				if e.then != s.post && e.then.Rsc != c && e.flags&fChild == 0 {
					w.order(s.cpost, e.then, fOptionalOnly)
				}
			}
			for _, r := range primitivesOf(c) {
				if at := notifyBefore(r, p[0]); at != nil {
					n := w.newAction(r, "pre_notify_"+p[0], at, false)
					w.order(s.pre, n, fOptionalOnly)
					w.order(n, s.cpre, fOptionalOnly)
				}
				if at := notifyAfter(r, p[0]); at != nil {
					n := w.newAction(r, "post_notify_"+p[0], at, false)
					w.order(s.post, n, fOptionalOnly)
					w.order(n, s.cpost, fOptionalOnly)
				}
			}
		}
		if len(sets) == 0 {
			continue
		}
		// The clone's own sequence (stopped before start, demoted before
		// promote and stop, running before promote) holds between the
		// notifications too.
		for _, e := range w.collectionEdges(c) {
			ft, tt := e.first.Task, e.then.Task
			first, then := e.first, e.then
			if s := sets[taskOf(ft)]; s != nil && taskOf(ft) != ft {
				first = s.cpost
			}
			if s := sets[tt]; s != nil {
				then = s.pre
			}
			if first != e.first || then != e.then {
				w.order(first, then, fOptionalOnly)
			}
		}
		for _, in := range c.children {
			for _, r := range primitivesOf(in) {
				for _, a := range w.actions {
					if a.Rsc != r || a.Task != "monitor" || a.IntervalMS == 0 || !a.Executed() {
						continue
					}
					for _, p := range notifyPairs {
						if s := sets[p[0]]; s != nil {
							w.order(s.cpost, a, fOptionalOnly)
						}
					}
				}
			}
		}
	}
}

func (w *ws) notifyPseudo(c *rsc, task string) *Action {
	a := w.newAction(c, task, nil, false)
	a.Pseudo = true
	return a
}

// collectionEdges are the orders between a collection's own pseudo actions.
func (w *ws) collectionEdges(c *rsc) []*edge {
	var out []*edge
	for _, a := range c.pseudo {
		for _, e := range a.out {
			if e.then.Rsc == c && e.then.Pseudo && isCollectionTask(e.then.Task) && isCollectionTask(e.first.Task) {
				out = append(out, e)
			}
		}
	}
	// c.pseudo is a map: order the edges so the graph does not depend on its
	// iteration order.
	sort.Slice(out, func(i, j int) bool {
		if out[i].first.ID != out[j].first.ID {
			return out[i].first.ID < out[j].first.ID
		}
		return out[i].then.ID < out[j].then.ID
	})
	return out
}

func isCollectionTask(task string) bool {
	for _, t := range collectionTasks {
		if t == task {
			return true
		}
	}
	return false
}

// taskOf is the task a completion pseudo action completes.
func taskOf(done string) string {
	for _, p := range notifyPairs {
		if p[1] == done {
			return p[0]
		}
	}
	return done
}

// isNotify reports whether a is an instance's notification.
func isNotify(a *Action) bool {
	return !a.Pseudo && strings.Contains(a.Task, "_notify_")
}

// activeNode is where r runs now, nil when it does not (or its node is down).
func activeNode(r *rsc) *node {
	if len(r.current) == 0 || !r.current[0].cn.Online || r.current[0].unclean {
		return nil
	}
	return r.current[0]
}

// survivesStops is where r still runs once the transition's stops are done.
func survivesStops(r *rsc) *node {
	n := activeNode(r)
	if n == nil || stopsOn(r, n) {
		return nil
	}
	return n
}

// notifyBefore is the node where instance r is told a clone's task is about to
// happen: where it is active at that point of the transition (stops come before
// starts, demotes before stops, promotes last).
func notifyBefore(r *rsc, task string) *node {
	switch task {
	case "start":
		return survivesStops(r)
	case "promote":
		if runsAfter(r) {
			return r.assigned
		}
		return nil
	}
	return activeNode(r)
}

// notifyAfter is the node where instance r is told a clone's task happened.
func notifyAfter(r *rsc, task string) *node {
	switch task {
	case "stop":
		return survivesStops(r)
	case "demote":
		return activeNode(r)
	}
	if runsAfter(r) {
		return r.assigned
	}
	return nil
}
