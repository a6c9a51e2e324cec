package pengine

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/rules"
)

// location is one rsc_location after target resolution: either a fixed node and score
// or a list of rules.
type location struct {
	id        string
	rsc       *rsc
	node      string
	score     int
	hasScore  bool
	rules     []*etree.Element
	role      cluster.Role
	discovery string // always, never, exclusive
}

// colocation places dep relative to prim.
type colocation struct {
	id        string
	dep, prim *rsc
	score     int
	depRole   cluster.Role
	primRole  cluster.Role
	nodeAttr  string
	influence bool
}

// orderKind is how strongly an order binds.
type orderKind int

const (
	orderMandatory orderKind = iota
	orderOptional
	orderSerialize
)

// ordering is one rsc_order pair (sets are expanded into pairs); firstAny lists the
// alternatives of a require-all=false set, any one of which satisfies the order.
type ordering struct {
	id          string
	first, then *rsc
	firstAction string
	thenAction  string
	kind        orderKind
	symmetrical bool
	firstAny    []*rsc
	// anyID names the require-all=false set, for its one-or-more pseudo action.
	anyID string
	// anyClone marks require-all=false on the order itself (a clone first is
	// satisfied by any one instance).
	anyClone bool
}

// ticket binds resources to a ticket's state.
type ticket struct {
	id         string
	rsc        *rsc
	ticket     string
	lossPolicy string
	role       cluster.Role
}

// resolve turns a constraint reference (resource id, clone instance, tag or template)
// into resources.
func (w *ws) resolve(id string) []*rsc {
	if r := w.byID[id]; r != nil {
		return []*rsc{r}
	}
	if t := w.c.TagByID[id]; t != nil {
		var out []*rsc
		for _, ref := range t.Refs {
			out = append(out, w.resolve(ref)...)
		}
		return out
	}
	if _, ok := w.c.Templates[id]; ok {
		var out []*rsc
		for _, r := range w.all {
			if r.cr.Template == id {
				out = append(out, r)
			}
		}
		return out
	}
	return nil
}

func (w *ws) unpackConstraints() {
	cons := w.c.Constraints
	if cons == nil {
		return
	}
	for _, e := range cons.ChildElements() {
		switch e.Tag {
		case "rsc_location":
			w.unpackLocation(e)
		case "rsc_colocation":
			w.unpackColocation(e)
		case "rsc_order":
			w.unpackOrder(e)
		case "rsc_ticket":
			w.unpackTicket(e)
		}
	}
}

func (w *ws) warnf(format string, args ...any) {
	w.warnings = append(w.warnings, fmt.Sprintf(format, args...))
}

func roleAttr(e *etree.Element, name string) cluster.Role {
	v := e.SelectAttrValue(name, "")
	if v == "" {
		return cluster.RoleUnknown
	}
	return cluster.ParseRole(v)
}

func (w *ws) unpackLocation(e *etree.Element) {
	id := e.SelectAttrValue("id", "")
	var targets []*rsc
	if v := e.SelectAttrValue("rsc", ""); v != "" {
		targets = w.resolve(v)
		if len(targets) == 0 {
			w.warnf("Ignoring constraint '%s' because resource '%s' does not exist", id, v)
			return
		}
	} else if p := e.SelectAttrValue("rsc-pattern", ""); p != "" {
		// A leading '!' selects the resources the rest does not match.
		invert := strings.HasPrefix(p, "!")
		re, err := regexp.Compile(strings.TrimPrefix(p, "!"))
		if err != nil {
			w.warnf("Ignoring constraint '%s' because pattern '%s' is invalid", id, p)
			return
		}
		for _, r := range w.top {
			if re.MatchString(r.id) != invert {
				targets = append(targets, r)
			}
		}
	}
	for _, set := range e.SelectElements("resource_set") {
		for _, ref := range set.SelectElements("resource_ref") {
			targets = append(targets, w.resolve(ref.SelectAttrValue("id", ""))...)
		}
	}
	base := location{id: id, role: roleAttr(e, "role"), discovery: e.SelectAttrValue("resource-discovery", "always")}
	if n := e.SelectAttr("node"); n != nil {
		base.node = n.Value
		base.score, _ = rules.ParseScore(e.SelectAttrValue("score", ""))
		base.hasScore = true
	} else {
		base.rules = e.SelectElements("rule")
		if len(base.rules) == 0 {
			return
		}
	}
	for _, r := range targets {
		l := base
		l.rsc = r
		w.locs = append(w.locs, &l)
	}
}

func (w *ws) unpackColocation(e *etree.Element) {
	id := e.SelectAttrValue("id", "")
	score, _ := rules.ParseScore(e.SelectAttrValue("score", "0"))
	attr := e.SelectAttrValue("node-attribute", "")
	influence := e.SelectAttrValue("influence", "true") != "false"
	sets := e.SelectElements("resource_set")
	if len(sets) == 0 {
		depID, primID := e.SelectAttrValue("rsc", ""), e.SelectAttrValue("with-rsc", "")
		deps, prims := w.resolve(depID), w.resolve(primID)
		if len(deps) == 0 || len(prims) == 0 {
			missing := depID
			if len(deps) > 0 {
				missing = primID
			}
			w.warnf("Ignoring constraint '%s' because resource '%s' does not exist", id, missing)
			return
		}
		for _, d := range deps {
			for _, p := range prims {
				w.addColocation(&colocation{id: id, dep: d, prim: p, score: score,
					depRole: roleAttr(e, "rsc-role"), primRole: roleAttr(e, "with-rsc-role"),
					nodeAttr: attr, influence: influence})
			}
		}
		return
	}
	type member struct {
		rscs []*rsc
		role cluster.Role
		seq  bool
		sc   int
	}
	var ms []member
	for _, s := range sets {
		m := member{role: roleAttr(s, "role"), seq: s.SelectAttrValue("sequential", "true") != "false", sc: score}
		if v := s.SelectAttr("score"); v != nil {
			m.sc, _ = rules.ParseScore(v.Value)
		}
		for _, ref := range s.SelectElements("resource_ref") {
			m.rscs = append(m.rscs, w.resolve(ref.SelectAttrValue("id", ""))...)
		}
		ms = append(ms, m)
	}
	for _, m := range ms {
		if !m.seq {
			continue
		}
		// Within a sequential set each member depends on the one listed before it.
		for i := 1; i < len(m.rscs); i++ {
			w.addColocation(&colocation{id: id, dep: m.rscs[i], prim: m.rscs[i-1], score: m.sc,
				depRole: m.role, primRole: m.role, nodeAttr: attr, influence: influence})
		}
	}
	// Between sets, members of a set depend on the set listed after it.
	for i := 0; i+1 < len(ms); i++ {
		a, b := ms[i], ms[i+1]
		if len(a.rscs) == 0 || len(b.rscs) == 0 {
			continue
		}
		deps := a.rscs
		if a.seq {
			deps = a.rscs[:1]
		}
		prims := b.rscs
		if b.seq {
			prims = b.rscs[len(b.rscs)-1:]
		}
		for _, d := range deps {
			for _, p := range prims {
				w.addColocation(&colocation{id: id, dep: d, prim: p, score: score,
					depRole: a.role, primRole: b.role, nodeAttr: attr, influence: influence})
			}
		}
	}
}

func (w *ws) addColocation(c *colocation) {
	if c.dep == c.prim || c.score == 0 {
		return
	}
	w.cols = append(w.cols, c)
	c.dep.asDep = append(c.dep.asDep, c)
	c.prim.asPrim = append(c.prim.asPrim, c)
}

func orderKindOf(e *etree.Element) orderKind {
	switch strings.ToLower(e.SelectAttrValue("kind", "")) {
	case "optional":
		return orderOptional
	case "serialize":
		return orderSerialize
	case "mandatory":
		return orderMandatory
	}
	if s := e.SelectAttr("score"); s != nil {
		if v, _ := rules.ParseScore(s.Value); v == 0 {
			return orderOptional
		}
	}
	return orderMandatory
}

func (w *ws) unpackOrder(e *etree.Element) {
	id := e.SelectAttrValue("id", "")
	kind := orderKindOf(e)
	symDefault := "true"
	if kind == orderSerialize {
		symDefault = "false"
	}
	sym := e.SelectAttrValue("symmetrical", symDefault) != "false"
	sets := e.SelectElements("resource_set")
	if len(sets) == 0 {
		fID, tID := e.SelectAttrValue("first", ""), e.SelectAttrValue("then", "")
		firsts, thens := w.resolve(fID), w.resolve(tID)
		if len(firsts) == 0 || len(thens) == 0 {
			missing := fID
			if len(firsts) > 0 {
				missing = tID
			}
			w.warnf("Ignoring constraint '%s' because resource '%s' does not exist", id, missing)
			return
		}
		fa := e.SelectAttrValue("first-action", "start")
		ta := e.SelectAttrValue("then-action", fa)
		anyClone := e.SelectAttrValue("require-all", "true") == "false"
		for _, f := range firsts {
			for _, t := range thens {
				w.addOrder(&ordering{id: id, first: f, then: t, firstAction: fa, thenAction: ta, kind: kind, symmetrical: sym, anyClone: anyClone})
			}
		}
		return
	}
	type member struct {
		id         string
		rscs       []*rsc
		action     string
		seq        bool
		requireAll bool
		kind       orderKind
	}
	var ms []member
	for _, s := range sets {
		m := member{id: s.SelectAttrValue("id", ""), action: s.SelectAttrValue("action", "start"),
			seq: s.SelectAttrValue("sequential", "true") != "false", requireAll: s.SelectAttrValue("require-all", "true") != "false", kind: kind}
		if s.SelectAttr("kind") != nil || s.SelectAttr("score") != nil {
			m.kind = orderKindOf(s)
		}
		for _, ref := range s.SelectElements("resource_ref") {
			m.rscs = append(m.rscs, w.resolve(ref.SelectAttrValue("id", ""))...)
		}
		ms = append(ms, m)
	}
	for _, m := range ms {
		if !m.seq {
			continue
		}
		for i := 1; i < len(m.rscs); i++ {
			w.addOrder(&ordering{id: id, first: m.rscs[i-1], then: m.rscs[i], firstAction: m.action, thenAction: m.action, kind: m.kind, symmetrical: sym})
		}
	}
	for i := 0; i+1 < len(ms); i++ {
		a, b := ms[i], ms[i+1]
		if len(a.rscs) == 0 || len(b.rscs) == 0 {
			continue
		}
		firsts := a.rscs
		if a.seq && a.requireAll {
			firsts = a.rscs[len(a.rscs)-1:]
		}
		thens := b.rscs
		if b.seq {
			thens = b.rscs[:1]
		}
		for _, t := range thens {
			if !a.requireAll {
				w.addOrder(&ordering{id: id, first: firsts[0], then: t, firstAction: a.action, thenAction: b.action,
					kind: kind, symmetrical: sym, firstAny: firsts, anyID: a.id})
				continue
			}
			for _, f := range firsts {
				w.addOrder(&ordering{id: id, first: f, then: t, firstAction: a.action, thenAction: b.action, kind: kind, symmetrical: sym})
			}
		}
	}
}

func (w *ws) addOrder(o *ordering) {
	if o.first == o.then {
		return
	}
	w.ords = append(w.ords, o)
}

func (w *ws) unpackTicket(e *etree.Element) {
	id := e.SelectAttrValue("id", "")
	base := ticket{id: id, ticket: e.SelectAttrValue("ticket", ""), lossPolicy: e.SelectAttrValue("loss-policy", "stop"), role: roleAttr(e, "rsc-role")}
	add := func(r *rsc, role cluster.Role) {
		t := base
		t.rsc = r
		if role != cluster.RoleUnknown {
			t.role = role
		}
		w.tickets = append(w.tickets, &t)
	}
	if v := e.SelectAttrValue("rsc", ""); v != "" {
		for _, r := range w.resolve(v) {
			add(r, cluster.RoleUnknown)
		}
	}
	for _, set := range e.SelectElements("resource_set") {
		role := roleAttr(set, "role")
		for _, ref := range set.SelectElements("resource_ref") {
			for _, r := range w.resolve(ref.SelectAttrValue("id", "")) {
				add(r, role)
			}
		}
	}
}

// settle spreads required/unrunnable along the orders (propagate) and then along
// mandatory colocations: a dependent cannot start where its primary, placed but
// unable to start, will not run. Both repeat until nothing changes.
func (w *ws) settle() {
	for round := 0; round < 100; round++ {
		w.propagate()
		if !w.blockColocated() {
			return
		}
	}
	w.warnf("Colocation blocking did not settle; the transition may be incomplete")
}

// blockColocated makes the start of a dependent unrunnable when the primary of
// a mandatory colocation is placed but cannot start; it reports whether it
// changed anything.
func (w *ws) blockColocated() bool {
	changed := false
	for _, c := range w.cols {
		if c.score >= inf && c.depRole == cluster.RolePromoted && c.primRole != cluster.RolePromoted && w.blockPromotion(c) {
			changed = true
		}
		if c.score < inf || c.primRole == cluster.RolePromoted || c.depRole == cluster.RolePromoted {
			continue
		}
		p, d := c.prim, c.dep
		if p.cr.Kind != cluster.Primitive || d.cr.Kind != cluster.Primitive || p.start == nil || d.start == nil {
			continue
		}
		if p.assigned == nil || p.start.Runnable || !d.start.Runnable || d.assigned == nil {
			continue
		}
		d.start.Runnable = false
		if d.start.Reason == "" {
			d.start.Reason = "colocation with " + p.id
		}
		changed = true
	}
	return changed
}

// blockPromotion blocks the promotion of a promotable clone's instances that a
// mandatory colocation of the Promoted role binds to a primary placed but
// unable to start; it reports whether it changed anything.
func (w *ws) blockPromotion(c *colocation) bool {
	p, clone := c.prim, c.dep
	if clone.cr.Kind != cluster.Clone || !clone.cr.Promotable || p.cr.Kind != cluster.Primitive ||
		p.start == nil || p.assigned == nil || p.start.Runnable {
		return false
	}
	changed := false
	for _, in := range clone.children {
		x := placeTarget(in)
		if x.promote == nil || !x.promote.Runnable || x.assigned == nil || !sameLoc(x.assigned, p.assigned, c.nodeAttr) {
			continue
		}
		x.promote.Runnable = false
		if x.promote.Reason == "" {
			x.promote.Reason = "colocation with " + p.id
		}
		changed = true
	}
	return changed
}
