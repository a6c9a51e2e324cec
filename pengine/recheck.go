package pengine

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/rules"
)

// clearFailcounts creates the clear_failcount crm_events Pacemaker's
// scheduler asks for: a resource with a failure-timeout whose fail count
// on an online node has expired (its last-failure is more than the timeout
// ago) gets its fail-count and last-failure attributes there removed by
// the controller. An anonymous clone's instances share one count: one
// event per clone and node.
func (w *ws) clearFailcounts() {
	done := map[string]bool{}
	var orphanClears []*Action
	defer func() {
		// The counts go before the orphan stops.
		for _, a := range orphanClears {
			for _, s := range a.Rsc.stops {
				w.order(a, s, fOptionalOnly)
			}
		}
	}()
	for _, r := range w.all {
		cr := r.cr
		if cr.Kind != cluster.Primitive {
			continue
		}
		for _, st := range cr.StatusOrder {
			if !cr.HasFailures() {
				// No count, failure or last-failure entry anywhere: nothing
				// to clear (failureCleared would say no for every state).
				break
			}
			if st.Node == nil || cr.Orphan && !isCloneInstance(r) {
				continue
			}
			n := w.byName[st.Node.Name]
			if n == nil || !n.cn.Online || n.unclean {
				continue
			}
			if !failureCleared(w, r, st) {
				continue
			}
			a := &Action{Rsc: r, Task: "clear_failcount", Node: n}
			name := a.graphName() + "@" + n.name
			if done[name] {
				continue
			}
			done[name] = true
			c := w.newAction(r, "clear_failcount", n, false)
			c.defClear = clearedForDefinition(w, r, st)
		}
		if cr.Orphan && !isCloneInstance(r) && len(r.current) > 0 {
			// An active orphan's count is cleared on every online node that
			// has one, its history there or not (by node name, the order the
			// graph lists them in).
			nodes := append([]*node(nil), w.nodes...)
			sort.Slice(nodes, func(i, j int) bool { return nodes[i].name < nodes[j].name })
			for _, n := range nodes {
				if !n.cn.Online || n.unclean || done[r.id+"@"+n.name] {
					continue
				}
				if st := cr.StatusOn(n.name); (st == nil || st.FailCount <= 0) && !hasFailCount(n.cn, r.id) {
					continue
				}
				done[r.id+"@"+n.name] = true
				a := w.newAction(r, "clear_failcount", n, false)
				orphanClears = append(orphanClears, a)
			}
		}
	}
}

// hasFailCount reports whether node n has a non-zero fail-count attribute for
// the resource id (of any operation).
func hasFailCount(n *cluster.Node, id string) bool {
	for _, p := range n.Transient {
		rest, ok := strings.CutPrefix(p.Name, "fail-count-")
		if !ok || rest != id && !strings.HasPrefix(rest, id+"#") {
			continue
		}
		if cluster.ParseScore(p.Value) != 0 {
			return true
		}
	}
	return false
}

// failureCleared reports whether the controller is asked to clear r's fail
// count on st's node: a count whose failure-timeout
// has expired; a count where the definition changed
// since the resource started; and the last failure of a start or probe recorded with other
// parameters than configured now (its op-digest no longer matches).
func failureCleared(w *ws, r *rsc, st *cluster.RscNodeState) bool {
	cr := r.cr
	if cr.FailureTimeout > 0 && st.FailCount > 0 && st.LastFailure > 0 && st.OnFail() != "block" &&
		w.now.After(time.Unix(st.LastFailure, 0).Add(cr.FailureTimeout)) {
		// Expired once strictly past the timeout, as Pacemaker's.
		return true
	}
	return clearedForDefinition(w, r, st) || lastFailureChanged(r, st)
}

// clearedForDefinition reports whether r's count on st's node is cleared
// because r is active there with another definition than configured.
func clearedForDefinition(w *ws, r *rsc, st *cluster.RscNodeState) bool {
	n := w.byName[st.Node.Name]
	return st.FailCount > 0 && n != nil && isCurrent(r, n) && definitionChanged(w, r, st)
}

// definitionChanged reports whether what runs on st's node was set up by
// another definition than the configured one: its parameters changed (reload or
// restart) or a recurring monitor it runs is no longer configured (or disabled).
func definitionChanged(w *ws, r *rsc, st *cluster.RscNodeState) bool {
	n := w.byName[st.Node.Name]
	if n == nil || r.top().cr.Kind == cluster.Bundle || isConnection(w, r) {
		return false
	}
	if definitionChange(r, n) != defSame {
		return true
	}
	for _, m := range st.ActiveMonitors() {
		enabled := false
		for _, op := range r.cr.Ops {
			if op.Name == "monitor" && op.IntervalMS == m.IntervalMS && op.Enabled {
				enabled = true
			}
		}
		if !enabled {
			return true
		}
	}
	return false
}

// recheckBy is the earliest time after now at which the scheduler's answer
// may change with nothing else happening (Pacemaker's recheck-by): a fail
// count reaching its failure-timeout, a date_expression's start or end
// (location rules, crm_resource --move --lifetime, time-based attributes),
// a shutdown lock reaching shutdown-lock-limit. Zero: none. Derived from the
// CIB and now only.
func recheckBy(c *cluster.Cluster, now time.Time) time.Time {
	var out time.Time
	consider := func(t time.Time) {
		if t.After(now) && (out.IsZero() || t.Before(out)) {
			out = t
		}
	}
	for _, r := range c.Resources {
		for _, p := range r.Primitives() {
			if p.FailureTimeout > 0 {
				for _, st := range p.StatusOrder {
					if st.FailCount > 0 && st.LastFailure > 0 && st.OnFail() != "block" {
						consider(time.Unix(st.LastFailure, 0).Add(p.FailureTimeout + time.Second))
					}
				}
			}
			if p.LockTime > 0 {
				if limit := c.Properties.Duration("shutdown-lock-limit", 0); limit > 0 {
					consider(time.Unix(p.LockTime, 0).Add(limit))
				}
			}
		}
	}
	if c.Configuration != nil {
		// Second resolution: a comparison flips at the boundary or just
		// after it ("gt" start, "lt"/in_range end).
		edge := func(t time.Time) {
			consider(t)
			consider(t.Add(time.Second))
		}
		// Rules live in the configuration; searching the whole CIB walked
		// every history entry too.
		for _, de := range dateExpressions(c.Configuration, nil) {
			var start time.Time
			if t, err := rules.ParseTime(de.SelectAttrValue("start", "")); err == nil {
				start = t
				edge(t)
			}
			if t, err := rules.ParseTime(de.SelectAttrValue("end", "")); err == nil {
				edge(t)
			} else if d := de.SelectElement("duration"); d != nil && !start.IsZero() {
				edge(durationOf(d).AddTo(start))
			}
		}
	}
	return out
}

// dateExpressions appends the date_expression elements below e in document
// order (a plain walk: an XPath search allocates a queue entry per element).
func dateExpressions(e *etree.Element, out []*etree.Element) []*etree.Element {
	for _, t := range e.Child {
		if ch, ok := t.(*etree.Element); ok {
			if ch.Tag == "date_expression" {
				out = append(out, ch)
			}
			out = dateExpressions(ch, out)
		}
	}
	return out
}

// durationOf reads a date_expression's <duration> element.
func durationOf(e *etree.Element) rules.Duration {
	get := func(n string) int {
		v, _ := strconv.Atoi(e.SelectAttrValue(n, "0"))
		return v
	}
	return rules.Duration{Years: get("years"), Months: get("months"), Weeks: get("weeks"),
		Days: get("days"), Hours: get("hours"), Minutes: get("minutes"), Seconds: get("seconds")}
}
