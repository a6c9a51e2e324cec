package pengine

import (
	"strconv"
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
	for _, r := range w.all {
		cr := r.cr
		if cr.Kind != cluster.Primitive || cr.FailureTimeout <= 0 {
			continue
		}
		for _, st := range cr.StatusOrder {
			if st.Node == nil || st.FailCount <= 0 || st.LastFailure <= 0 || st.OnFail() == "block" {
				continue
			}
			// Expired once strictly past the timeout, as Pacemaker's.
			if !w.now.After(time.Unix(st.LastFailure, 0).Add(cr.FailureTimeout)) {
				continue
			}
			n := w.byName[st.Node.Name]
			if n == nil || !n.cn.Online || n.unclean {
				continue
			}
			a := &Action{Rsc: r, Task: "clear_failcount", Node: n}
			name := a.graphName() + "@" + n.name
			if done[name] {
				continue
			}
			done[name] = true
			w.newAction(r, "clear_failcount", n, false)
		}
	}
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
