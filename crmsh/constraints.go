package crmsh

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

var constraintTags = map[string]bool{"rsc_location": true, "rsc_colocation": true, "rsc_order": true, "rsc_ticket": true}

// refAttrs are the constraint attributes that name a resource.
var refAttrs = []string{"rsc", "with-rsc", "first", "then"}

// redirectSimple points the rsc/with-rsc/first/then attributes that name from
// at to instead, leaving resource sets alone.
func (s *Session) redirectSimple(from, to string) {
	cons := s.config().SelectElement("constraints")
	if cons == nil {
		return
	}
	for _, c := range cons.ChildElements() {
		for _, a := range refAttrs {
			if attr := c.SelectAttr(a); attr != nil && attr.Value == from {
				attr.Value = to
				fmt.Fprintf(s.log, "INFO: modified %s:%s from %s to %s\n", kindName(c.Tag), c.SelectAttrValue("id", ""), from, to)
			}
		}
	}
}

// redirect makes constraints that name from name to instead; with all it also
// updates template references (rename does, grouping does not). Tags are left
// alone: crmsh does not update them either.
func (s *Session) redirect(from, to string, all bool) {
	cons := s.config().SelectElement("constraints")
	if cons != nil {
		for _, c := range cons.ChildElements() {
			changed := false
			for _, a := range refAttrs {
				if attr := c.SelectAttr(a); attr != nil && attr.Value == from {
					attr.Value = to
					changed = true
				}
			}
			walk(c, func(e *etree.Element) bool {
				if e.Tag == "resource_ref" && e.SelectAttrValue("id", "") == from {
					e.SelectAttr("id").Value = to
					changed = true
				}
				return true
			})
			if changed {
				fmt.Fprintf(s.log, "INFO: modified %s:%s from %s to %s\n", kindName(c.Tag), c.SelectAttrValue("id", ""), from, to)
				dedupe(c)
				// Two ends now naming the same resource make no constraint.
				if c.SelectAttr("with-rsc") != nil && c.SelectAttrValue("rsc", "") == c.SelectAttrValue("with-rsc", "") ||
					c.SelectAttr("first") != nil && c.SelectAttrValue("first", "") == c.SelectAttrValue("then", "") {
					cons.RemoveChild(c)
					fmt.Fprintf(s.log, "INFO: hanging %s:%s deleted\n", kindName(c.Tag), c.SelectAttrValue("id", ""))
				}
			}
		}
	}
	if !all {
		return
	}
	walk(s.config(), func(e *etree.Element) bool {
		if e.Tag == "primitive" && e.SelectAttrValue("template", "") == from {
			e.SelectAttr("template").Value = to
		}
		return true
	})
}

// dedupe drops repeated resources from a constraint's sets (a group swallowing two
// of them) and collapses what is left to the simple form when it can.
func dedupe(c *etree.Element) {
	seen := map[string]bool{}
	changed := false
	for _, set := range c.SelectElements("resource_set") {
		for _, r := range set.SelectElements("resource_ref") {
			id := r.SelectAttrValue("id", "")
			if seen[id] {
				set.RemoveChild(r)
				changed = true
			}
			seen[id] = true
		}
		if len(set.SelectElements("resource_ref")) == 0 {
			c.RemoveChild(set)
		}
	}
	if changed {
		collapse(c)
	}
}

var intRE = regexp.MustCompile(`^[-+]?[0-9]+$`)

// score parses "<score>:" into the attribute it sets (score or score-attribute)
// and its CIB value.
func parseScore(w string) (attr, val string, ok bool) {
	if !strings.HasSuffix(w, ":") || len(w) < 2 {
		return "", "", false
	}
	v := strings.TrimSuffix(w, ":")
	switch strings.ToLower(v) {
	case "inf", "infinity", "mandatory":
		return "score", "INFINITY", true
	case "+inf", "+infinity":
		return "score", "+INFINITY", true
	case "-inf", "-infinity":
		return "score", "-INFINITY", true
	case "advisory":
		return "score", "0", true
	}
	if intRE.MatchString(v) {
		return "score", v, true
	}
	if validName(v) && !strings.ContainsAny(v, "=") {
		return "score-attribute", v, true
	}
	return "", "", false
}

// location parses
//
//	location <id> {<rsc>|/<pattern>/|{ <rsc> ... }} [role=<r>] [resource-discovery=<d>]
//	    {<score>: <node> | rule [$id=..] [$role=..] [<score>:] <expr> [rule ...]}
func (s *Session) location(p *parser) error {
	id, err := p.needID("constraint id")
	if err != nil {
		return err
	}
	if p.done() {
		return p.errHere("expected resource")
	}
	g := s.ids()
	exists := s.byID(id)
	g.take(id)
	e := etree.NewElement("rsc_location")
	e.CreateAttr("id", id)
	var setRefs []string
	w := p.peek()
	switch {
	case len(w) > 2 && strings.HasPrefix(w, "/") && strings.HasSuffix(w, "/"):
		e.CreateAttr("rsc-pattern", w[1:len(w)-1])
		p.pos++
	case strings.HasPrefix(w, "{"):
		words := p.splitBrackets()
		p.words = words
		p.pos++
		for !p.done() && p.peek() != "}" {
			if !validID(p.peek()) {
				return p.errHere("invalid resource id")
			}
			setRefs = append(setRefs, p.next())
		}
		if p.done() || len(setRefs) == 0 {
			return p.errHere("expected resources and }")
		}
		p.pos++
	default:
		if !validID(w) {
			return p.errHere("invalid resource id")
		}
		if s.resource(w) == nil {
			fmt.Fprintf(s.log, "WARNING: %s: resource %s does not exist\n", id, w)
		}
		e.CreateAttr("rsc", w)
		p.pos++
	}
	for !p.done() {
		n, v, ok := splitNV(p.peek())
		if !ok || (n != "role" && n != "resource-discovery") {
			break
		}
		e.CreateAttr(n, v)
		p.pos++
	}
	if p.done() {
		return p.errHere("expected <score>: <node> or <rule> [<rule> ...]")
	}
	if p.peek() == "rule" {
		for !p.done() {
			if p.peek() != "rule" {
				return p.errHere("expected rule")
			}
			p.pos++
			if err := s.rule(p, g, e, id, true); err != nil {
				return err
			}
		}
	} else {
		attr, val, ok := parseScore(p.peek())
		if !ok || attr != "score" {
			return p.errHere("expected <score>: <node> or <rule> [<rule> ...]")
		}
		p.pos++
		if p.done() || !validName(p.peek()) || strings.Contains(p.peek(), "=") {
			return p.errHere("expected node name")
		}
		e.CreateAttr("score", val)
		e.CreateAttr("node", p.next())
		if !p.done() {
			return p.errHere("unexpected word")
		}
	}
	if setRefs != nil {
		set := e.CreateElement("resource_set")
		set.CreateAttr("id", g.new(id))
		for _, r := range setRefs {
			set.CreateElement("resource_ref").CreateAttr("id", r)
		}
		// crmsh puts the set before any rule.
		e.RemoveChild(set)
		e.InsertChildAt(0, set)
	}
	if exists != nil {
		return fmt.Errorf("Cannot create location with ID '%s': Found existing %s with same ID.", id, exists.Tag)
	}
	s.section("constraints").AddChild(e)
	return nil
}

// durationKeys are the fields of date_spec and duration.
var durationKeys = map[string]bool{"seconds": true, "minutes": true, "hours": true, "monthdays": true,
	"weekdays": true, "yeardays": true, "months": true, "weeks": true, "years": true,
	"weekyears": true, "moon": true, "days": true}

var binOps = map[string]bool{"lt": true, "gt": true, "lte": true, "gte": true, "eq": true, "ne": true}
var valueTypes = map[string]bool{"string": true, "integer": true, "number": true, "version": true}

// rule parses one rule (the word `rule` already consumed) into parent. Expressions
// run until the next `rule` or the end of the command.
func (s *Session) rule(p *parser, g *idgen, parent *etree.Element, owner string, withScore bool) error {
	r := etree.NewElement("rule")
	var ruleID, role string
	for !p.done() {
		n, v, ok := splitNV(p.peek())
		if !ok || (n != "$id" && n != "$role" && n != "role") {
			break
		}
		if n == "$id" {
			if !validID(v) {
				return p.errHere("invalid id")
			}
			ruleID = v
		} else {
			role = v
		}
		p.pos++
	}
	if role != "" {
		r.CreateAttr("role", role)
	}
	scoreAttr, scoreVal := "score", "INFINITY"
	if a, v, ok := parseScore(p.peek()); ok && withScore {
		scoreAttr, scoreVal = a, v
		p.pos++
	}
	if withScore {
		r.CreateAttr(scoreAttr, scoreVal)
	}
	if ruleID == "" {
		ruleID = g.new(owner + "-rule")
	} else {
		g.take(ruleID)
	}
	boolOp := ""
	var exprs []*etree.Element
	for {
		if p.done() || p.peek() == "rule" {
			return p.errHere("expected expression")
		}
		x, err := p.expression(g, ruleID)
		if err != nil {
			return err
		}
		exprs = append(exprs, x)
		if p.done() || p.peek() == "rule" {
			break
		}
		op := p.peek()
		if op != "and" && op != "or" {
			return p.errHere("expected and/or")
		}
		if boolOp != "" && boolOp != op {
			return p.errHere("cannot mix and/or in one rule")
		}
		boolOp = op
		p.pos++
	}
	if boolOp == "or" {
		r.CreateAttr("boolean-op", "or")
	}
	r.CreateAttr("id", ruleID)
	for _, x := range exprs {
		r.AddChild(x)
	}
	parent.AddChild(r)
	return nil
}

// expression parses one rule term: defined/not_defined, date ..., or
// <attr> [<type>:]<op> <value>.
func (p *parser) expression(g *idgen, ruleID string) (*etree.Element, error) {
	w := p.next()
	switch {
	case w == "defined" || w == "not_defined":
		if p.done() || !validName(p.peek()) {
			return nil, p.errHere("expected attribute name")
		}
		x := etree.NewElement("expression")
		x.CreateAttr("operation", w)
		x.CreateAttr("attribute", p.next())
		x.CreateAttr("id", g.new(ruleID+"-expression"))
		return x, nil
	case w == "date":
		return p.dateExpression(g, ruleID)
	}
	if !validName(w) && !strings.HasPrefix(w, "#") {
		return nil, p.errAt(p.pos-1, "expected attribute name")
	}
	opAt := p.pos
	op := p.next()
	typ := ""
	if i := strings.IndexByte(op, ':'); i > 0 && valueTypes[op[:i]] {
		typ, op = op[:i], op[i+1:]
	}
	if !binOps[op] {
		return nil, p.errAt(opAt, "expected comparison (lt gt lte gte eq ne)")
	}
	if p.done() {
		return nil, p.errHere("expected value")
	}
	x := etree.NewElement("expression")
	x.CreateAttr("operation", op)
	x.CreateAttr("attribute", w)
	if typ != "" {
		x.CreateAttr("type", typ)
	}
	x.CreateAttr("value", p.next())
	x.CreateAttr("id", g.new(ruleID+"-expression"))
	return x, nil
}

func (p *parser) dateExpression(g *idgen, ruleID string) (*etree.Element, error) {
	opAt := p.pos
	op := p.next()
	x := etree.NewElement("date_expression")
	switch op {
	case "gt", "lt":
		if p.done() {
			return nil, p.errHere("expected date")
		}
		x.CreateAttr("operation", op)
		if op == "gt" {
			x.CreateAttr("start", p.next())
		} else {
			x.CreateAttr("end", p.next())
		}
	case "in", "in_range":
		// start=/end= go on the expression, anything else is a duration.
		x.CreateAttr("operation", "in_range")
		var dur []nvpair
		n := 0
		for !p.done() {
			k, v, ok := splitNV(p.peek())
			if !ok {
				break
			}
			if k == "start" || k == "end" {
				x.CreateAttr(k, v)
			} else if durationKeys[k] {
				dur = append(dur, nvpair{k, v, true})
			} else {
				return nil, p.errHere("unknown date attribute")
			}
			p.pos++
			n++
		}
		if n < 2 {
			return nil, p.errHere("expected at least 2 name-value pairs")
		}
		id := g.new(ruleID + "-expression")
		x.CreateAttr("id", id)
		if len(dur) > 0 {
			d := x.CreateElement("duration")
			for _, nv := range dur {
				d.CreateAttr(nv.Name, nv.Value)
			}
			d.CreateAttr("id", g.new(id+"-duration"))
		}
		return x, nil
	case "spec", "date_spec":
		x.CreateAttr("operation", "date_spec")
		id := g.new(ruleID + "-expression")
		x.CreateAttr("id", id)
		d := x.CreateElement("date_spec")
		for !p.done() {
			k, v, ok := splitNV(p.peek())
			if !ok || !durationKeys[k] {
				break
			}
			d.CreateAttr(k, v)
			p.pos++
		}
		if len(d.Attr) == 0 {
			return nil, p.errHere("expected date spec name=value")
		}
		d.CreateAttr("id", g.new(id+"-date_spec"))
		return x, nil
	default:
		return nil, p.errAt(opAt, "expected date operation (gt lt in)")
	}
	x.CreateAttr("id", g.new(ruleID+"-expression"))
	return x, nil
}

// splitBrackets returns the words with ( ) [ ] { } split off into words of their
// own, so that "(a" and "b)" work like "( a" and "b )".
func (p *parser) splitBrackets() []string {
	out := append([]string{}, p.words[:p.pos]...)
	for _, w := range p.words[p.pos:] {
		for len(w) > 1 && strings.ContainsRune("([{", rune(w[0])) {
			out = append(out, w[:1])
			w = w[1:]
		}
		var tail []string
		for len(w) > 1 && strings.ContainsRune(")]}", rune(w[len(w)-1])) {
			tail = append([]string{w[len(w)-1:]}, tail...)
			w = w[:len(w)-1]
		}
		out = append(out, w)
		out = append(out, tail...)
	}
	return out
}

// setItem is one resource in a constraint's resource list.
type setItem struct {
	id, suffix string // suffix: role (colocation, ticket) or action (order)
}

// rscSet is a run of resources: bracketed (sequential=false) or plain.
type rscSet struct {
	items   []setItem
	bracket string // "", "(" or "["
}

// resourceList parses resources with optional :suffix, ( ) and [ ] sets, stopping
// at the first name=value word (a trailing option).
func (p *parser) resourceList() ([]rscSet, int, error) {
	p.words = p.splitBrackets()
	var sets []rscSet
	plain := 0
	for !p.done() {
		w := p.peek()
		if strings.Contains(w, "=") {
			break
		}
		switch w {
		case "(", "[":
			p.pos++
			set := rscSet{bracket: w}
			closer := map[string]string{"(": ")", "[": "]"}[w]
			for !p.done() && p.peek() != closer {
				it, err := p.setItem()
				if err != nil {
					return nil, 0, err
				}
				set.items = append(set.items, it)
			}
			if p.done() {
				return nil, 0, p.errHere("missing " + closer)
			}
			if len(set.items) == 0 {
				return nil, 0, p.errHere("empty resource set")
			}
			p.pos++
			sets = append(sets, set)
		case ")", "]", "{", "}":
			return nil, 0, p.errHere("unbalanced bracket")
		default:
			it, err := p.setItem()
			if err != nil {
				return nil, 0, err
			}
			plain++
			// Consecutive plain resources with the same role/action share a set.
			if n := len(sets); n > 0 && sets[n-1].bracket == "" && sets[n-1].items[0].suffix == it.suffix {
				sets[n-1].items = append(sets[n-1].items, it)
			} else {
				sets = append(sets, rscSet{items: []setItem{it}})
			}
		}
	}
	return sets, plain, nil
}

func (p *parser) setItem() (setItem, error) {
	w := p.peek()
	id, suffix := w, ""
	if i := strings.IndexByte(w, ':'); i >= 0 {
		id, suffix = w[:i], w[i+1:]
		if suffix == "" {
			return setItem{}, p.errHere("expected role or action after ':'")
		}
	}
	if !validID(id) {
		return setItem{}, p.errHere("invalid resource id")
	}
	p.pos++
	return setItem{id, suffix}, nil
}

// addSets writes the resource_set children of a constraint.
func addSets(g *idgen, e *etree.Element, owner, suffixAttr string, sets []rscSet) error {
	for _, set := range sets {
		rs := e.CreateElement("resource_set")
		switch set.bracket {
		case "[":
			rs.CreateAttr("require-all", "false")
			rs.CreateAttr("sequential", "false")
		case "(":
			rs.CreateAttr("sequential", "false")
		}
		suffix := set.items[0].suffix
		for _, it := range set.items {
			if it.suffix != suffix {
				return fmt.Errorf("%s: all resources of a set must have the same %s", owner, suffixAttr)
			}
		}
		if suffix != "" {
			rs.CreateAttr(suffixAttr, suffix)
		}
		rs.CreateAttr("id", g.new(owner))
		for _, it := range set.items {
			rs.CreateElement("resource_ref").CreateAttr("id", it.id)
		}
	}
	return nil
}

// trailingOpts reads name=value options allowed at the end of a constraint.
func (p *parser) trailingOpts(allowed ...string) ([]nvpair, error) {
	var out []nvpair
	for !p.done() {
		n, v, ok := splitNV(p.peek())
		known := false
		for _, a := range allowed {
			known = known || a == n
		}
		if !ok || !known {
			return nil, p.errHere("unexpected word")
		}
		out = append(out, nvpair{n, v, true})
		p.pos++
	}
	return out, nil
}

func (s *Session) newConstraint(tag, id string) (*etree.Element, *idgen, error) {
	if e := s.byID(id); e != nil {
		return nil, nil, fmt.Errorf("Cannot create %s with ID '%s': Found existing %s with same ID.", kindName(tag), id, e.Tag)
	}
	g := s.ids()
	g.take(id)
	e := etree.NewElement(tag)
	e.CreateAttr("id", id)
	return e, g, nil
}

// colocation parses `colocation <id> <score>: <rsc>[:<role>] <rsc>[:<role>] ...
// [node-attribute=<attr>]`.
func (s *Session) colocation(p *parser) error {
	id, err := p.needID("constraint id")
	if err != nil {
		return err
	}
	attr, val, ok := parseScore(p.peek())
	if !ok {
		return p.errHere("expected <score>:")
	}
	p.pos++
	sets, plain, err := p.resourceList()
	if err != nil {
		return err
	}
	opts, err := p.trailingOpts("node-attribute")
	if err != nil {
		return err
	}
	n := 0
	for _, st := range sets {
		n += len(st.items)
	}
	if n < 2 && !(n == 1 && sets[0].bracket != "") {
		return p.errHere("expected at least two resources")
	}
	e, g, err := s.newConstraint("rsc_colocation", id)
	if err != nil {
		return err
	}
	e.CreateAttr(attr, val)
	for _, o := range opts {
		e.CreateAttr(o.Name, o.Value)
	}
	if plain == 2 && n == 2 {
		it := flatten(sets)
		e.CreateAttr("rsc", it[0].id)
		if it[0].suffix != "" {
			e.CreateAttr("rsc-role", it[0].suffix)
		}
		e.CreateAttr("with-rsc", it[1].id)
		if it[1].suffix != "" {
			e.CreateAttr("with-rsc-role", it[1].suffix)
		}
	} else if err := addSets(g, e, id, "role", sets); err != nil {
		return err
	}
	s.section("constraints").AddChild(e)
	return nil
}

func flatten(sets []rscSet) []setItem {
	var out []setItem
	for _, st := range sets {
		out = append(out, st.items...)
	}
	return out
}

var orderKinds = map[string]string{"mandatory": "Mandatory", "optional": "Optional", "serialize": "Serialize"}

// order parses `order <id> [{kind|<score>}:] <rsc>[:<action>] <rsc>[:<action>] ...
// [symmetrical=<bool>]`.
func (s *Session) order(p *parser) error {
	id, err := p.needID("constraint id")
	if err != nil {
		return err
	}
	kind := ""
	if w := p.peek(); strings.HasSuffix(w, ":") {
		k := strings.TrimSuffix(w, ":")
		if v, ok := orderKinds[strings.ToLower(k)]; ok {
			kind = v
		} else if a, v, ok := parseScore(w); ok && a == "score" {
			// crmsh turns an order score into a kind.
			kind = "Mandatory"
			if n, err := strconv.Atoi(v); err == nil && n == 0 {
				kind = "Optional"
			}
		} else {
			return p.errHere("expected kind (Mandatory, Optional, Serialize) or score")
		}
		p.pos++
	}
	sets, plain, err := p.resourceList()
	if err != nil {
		return err
	}
	opts, err := p.trailingOpts("symmetrical")
	if err != nil {
		return err
	}
	n := len(flatten(sets))
	if n < 2 && !(n == 1 && sets[0].bracket != "") {
		return p.errHere("expected at least two resources")
	}
	e, g, err := s.newConstraint("rsc_order", id)
	if err != nil {
		return err
	}
	if kind != "" {
		e.CreateAttr("kind", kind)
	}
	for _, o := range opts {
		e.CreateAttr(o.Name, o.Value)
	}
	if plain == 2 && n == 2 {
		it := flatten(sets)
		e.CreateAttr("first", it[0].id)
		if it[0].suffix != "" {
			e.CreateAttr("first-action", it[0].suffix)
		}
		e.CreateAttr("then", it[1].id)
		if it[1].suffix != "" {
			e.CreateAttr("then-action", it[1].suffix)
		}
	} else if err := addSets(g, e, id, "action", sets); err != nil {
		return err
	}
	s.section("constraints").AddChild(e)
	return nil
}

// ticket parses `rsc_ticket <id> <ticket>: <rsc>[:<role>] ... [loss-policy=<p>]`.
func (s *Session) ticket(p *parser) error {
	id, err := p.needID("constraint id")
	if err != nil {
		return err
	}
	w := p.peek()
	if !strings.HasSuffix(w, ":") || !validID(strings.TrimSuffix(w, ":")) {
		return p.errHere("expected <ticket>:")
	}
	p.pos++
	sets, plain, err := p.resourceList()
	if err != nil {
		return err
	}
	opts, err := p.trailingOpts("loss-policy")
	if err != nil {
		return err
	}
	n := len(flatten(sets))
	if n == 0 {
		return p.errHere("expected resources")
	}
	e, g, err := s.newConstraint("rsc_ticket", id)
	if err != nil {
		return err
	}
	e.CreateAttr("ticket", strings.TrimSuffix(w, ":"))
	for _, o := range opts {
		e.CreateAttr(o.Name, o.Value)
	}
	if plain == 1 && n == 1 {
		it := flatten(sets)[0]
		e.CreateAttr("rsc", it.id)
		if it.suffix != "" {
			e.CreateAttr("rsc-role", it.suffix)
		}
	} else if err := addSets(g, e, id, "role", sets); err != nil {
		return err
	}
	s.section("constraints").AddChild(e)
	return nil
}
