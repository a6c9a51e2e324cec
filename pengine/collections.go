package pengine

import (
	"github.com/pacer-ha/pacer/cluster"
)

// Collections (groups and clones) get pseudo actions standing for "start all",
// "all started", "stop all" and "all stopped" (and promote/demote for promotable
// clones), so that orders naming a collection bind to the whole of it.
var collectionTasks = []string{"start", "running", "stop", "stopped", "promote", "promoted", "demote", "demoted"}

func isCollection(r *rsc) bool {
	return r.cr.Kind == cluster.Group || r.cr.Kind == cluster.Clone
}

// collectionActions creates the pseudo actions of every group and clone, children
// before parents so that a clone of groups links to its group instances.
func (w *ws) collectionActions() {
	for i := len(w.all) - 1; i >= 0; i-- {
		r := w.all[i]
		if !isCollection(r) || len(r.children) == 0 {
			continue
		}
		r.pseudo = map[string]*Action{}
		tasks := collectionTasks[:4]
		if r.cr.Kind == cluster.Clone && r.cr.Promotable || r.cr.Kind == cluster.Group && isPromotable(r) {
			// A promotable clone's group instances are promoted as a whole too.
			tasks = collectionTasks
		}
		for _, task := range tasks {
			a := w.newAction(r, task, nil, true)
			a.Pseudo = true
			r.pseudo[task] = a
		}
		// A collection finishes stopping before it starts again, and demotes
		// before it promotes.
		w.order(r.pseudo["stopped"], r.pseudo["start"], fOptionalOnly)
		if r.pseudo["demoted"] != nil {
			w.order(r.pseudo["demoted"], r.pseudo["promote"], fOptionalOnly)
			w.order(r.pseudo["demoted"], r.pseudo["stop"], fOptionalOnly)
			w.order(r.pseudo["running"], r.pseudo["promote"], fOptionalOnly)
		}
		for _, ch := range r.children {
			w.linkChild(r, ch, "start", "running")
			w.linkChild(r, ch, "stop", "stopped")
			if r.pseudo["promote"] != nil {
				w.linkChild(r, ch, "promote", "promoted")
				w.linkChild(r, ch, "demote", "demoted")
			}
		}
	}
}

// childAction is the action of a child for a collection task.
func childAction(ch *rsc, task string) *Action {
	if ch.pseudo != nil {
		return ch.pseudo[task]
	}
	switch task {
	case "start":
		return ch.start
	case "stop":
		return ch.stop
	case "promote":
		return ch.promote
	case "demote":
		return ch.demote
	}
	return nil
}

// childDone is the action that says a child finished a task.
func childDone(ch *rsc, task string) *Action {
	if ch.pseudo != nil {
		return ch.pseudo[doneTask(task)]
	}
	return childAction(ch, task)
}

func doneTask(task string) string {
	switch task {
	case "start":
		return "running"
	case "stop":
		return "stopped"
	case "promote":
		return "promoted"
	case "demote":
		return "demoted"
	}
	return task
}

func (w *ws) linkChild(r, ch *rsc, task, done string) {
	if a := childAction(ch, task); a != nil {
		// Forcing the collection's task forces every child's; a child's own need
		// only marks the collection's pseudo action as part of the transition.
		w.order(r.pseudo[task], a, fImpliesThenForced|fImpliesFirst|fRunnableLeft|fChild)
	}
	if a := childDone(ch, task); a != nil {
		w.order(a, r.pseudo[done], fImpliesThen|fChild)
	}
}

// settleCollections recomputes whether each "all started" pseudo action can run: a
// group needs every member, a clone at least one instance.
func (w *ws) settleCollections() bool {
	changed := false
	for i := len(w.all) - 1; i >= 0; i-- {
		r := w.all[i]
		if r.pseudo == nil {
			continue
		}
		for _, pair := range [][2]string{{"start", "running"}, {"promote", "promoted"}} {
			done := r.pseudo[pair[1]]
			if done == nil {
				continue
			}
			any, all, n := false, true, 0
			for _, ch := range r.children {
				a := childDone(ch, pair[0])
				if a == nil {
					continue
				}
				n++
				ok := a.Runnable && (ch.pseudo != nil || a.Node != nil)
				any = any || ok
				all = all && ok
			}
			runnable := all
			if r.cr.Kind == cluster.Clone {
				runnable = any
			}
			if n == 0 {
				runnable = false
			}
			if done.Runnable && !runnable {
				done.Runnable = false
				changed = true
			}
		}
	}
	return changed
}

// printOneOrMoreStarts makes the start and running pseudo actions of a clone that
// is the first of a one-or-more order (clone-min, require-all=false) part of the
// transition when one of its primitive instances stops for good: Pacemaker then
// runs them as (empty) steps, provided some instance stays active or starts so
// that the clone can be running at all.
func (w *ws) printOneOrMoreStarts() {
	done := map[*rsc]bool{}
	for _, o := range w.ords {
		k := o.first
		if done[k] || cloneMin(o) == 0 || k.pseudo == nil || k.pseudo["start"] == nil || k.pseudo["running"] == nil {
			continue
		}
		done[k] = true
		stopping, up := false, false
		for _, in := range k.children {
			if in.cr.Kind != cluster.Primitive {
				continue
			}
			starts := in.start != nil && !in.start.Optional && in.start.Runnable
			stops := false
			for _, s := range in.stops {
				if !s.Optional && s.Runnable {
					stops = true
				}
			}
			if stops && !starts {
				stopping = true
			}
			if starts || len(in.current) > 0 && !stops {
				up = true
			}
		}
		if stopping && up && k.pseudo["start"].Runnable && k.pseudo["running"].Runnable {
			k.pseudo["start"].Optional = false
			k.pseudo["running"].Optional = false
		}
	}
}
