package crmsh

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// opAttrs are the <op> attributes of Pacemaker's schema; any other name=value on an
// op line (OCF_CHECK_LEVEL, ...) is an instance attribute of the op.
var opAttrs = map[string]bool{
	"id": true, "name": true, "interval": true, "description": true, "start-delay": true,
	"interval-origin": true, "timeout": true, "enabled": true, "record-pending": true,
	"role": true, "requires": true, "on-fail": true,
}

var setKinds = map[string]string{
	"params":      "instance_attributes",
	"meta":        "meta_attributes",
	"utilization": "utilization",
	"attributes":  "instance_attributes",
}

// addSet appends an nvpair set to parent; owner is the id the generated ids derive from.
func addSet(g *idgen, parent *etree.Element, owner string, l *attrList) *etree.Element {
	set := parent.CreateElement(l.Kind)
	id := l.SetID
	if id == "" {
		id = g.new(owner + "-" + l.Kind)
	} else {
		g.take(id)
	}
	set.CreateAttr("id", id)
	for _, nv := range l.Pairs {
		p := set.CreateElement("nvpair")
		p.CreateAttr("name", nv.Name)
		if nv.HasValue {
			p.CreateAttr("value", nv.Value)
		}
		p.CreateAttr("id", g.new(id+"-"+nv.Name))
	}
	return set
}

// opSpec is one parsed `op` clause.
type opSpec struct {
	name  string
	attrs []nvpair
	sets  []*attrList // op_params / op_meta and stray instance attributes
}

// primitive parses `primitive|rsc_template <id> <agent> ...` (tag is the element).
func (s *Session) primitive(p *parser, tag string) error {
	id, err := p.needID("resource id")
	if err != nil {
		return err
	}
	if p.done() {
		return p.errHere("expected resource agent")
	}
	agentAt := p.pos
	agent := p.next()
	var class, provider, typ, template string
	if strings.HasPrefix(agent, "@") {
		if tag == "template" {
			return p.errAt(agentAt, "a template cannot use a template")
		}
		template = agent[1:]
		if !validID(template) {
			return p.errAt(agentAt, "invalid template reference")
		}
	} else {
		parts := strings.Split(agent, ":")
		switch {
		case len(parts) == 1:
			// Without a class crmsh looks the agent up; ocf:heartbeat is where the
			// common agents live.
			class, provider, typ = "ocf", "heartbeat", parts[0]
		case len(parts) == 2 && parts[0] == "ocf":
			class, provider, typ = "ocf", "heartbeat", parts[1]
		case len(parts) == 2:
			class, typ = parts[0], parts[1]
		case len(parts) == 3 && parts[0] == "ocf":
			class, provider, typ = parts[0], parts[1], parts[2]
		default:
			return p.errAt(agentAt, "invalid resource agent")
		}
		for _, x := range []string{class, typ} {
			if x == "" {
				return p.errAt(agentAt, "invalid resource agent")
			}
		}
		switch class {
		case "ocf", "lsb", "systemd", "service", "stonith", "upstart", "nagios", "heartbeat":
		default:
			return p.errAt(agentAt, "unknown resource class")
		}
	}
	var description string
	hasDesc := false
	var sets []*attrList
	var ops []*opSpec
	var opsID string
	isKW := func(w string) bool {
		switch w {
		case "params", "meta", "utilization", "op", "operations", "op_params", "op_meta":
			return true
		}
		return false
	}
	for !p.done() {
		w := p.peek()
		switch {
		case strings.HasPrefix(w, "description=") && len(ops) == 0:
			description, hasDesc = strings.TrimPrefix(w, "description="), true
			p.pos++
		case setKinds[w] != "" && w != "attributes":
			p.pos++
			l := &attrList{Kind: setKinds[w]}
			if err := p.readPairs(l, isKW); err != nil {
				return err
			}
			sets = append(sets, l)
		case w == "operations":
			p.pos++
			n, v, ok := splitNV(p.peek())
			if !ok || n != "$id" || !validID(v) {
				return p.errHere("expected $id=<id> after operations")
			}
			opsID = v
			p.pos++
		case w == "op":
			p.pos++
			op, err := p.op(isKW)
			if err != nil {
				return err
			}
			ops = append(ops, op)
		case w == "op_params" || w == "op_meta":
			if len(ops) == 0 {
				return p.errHere(w + " must follow an op")
			}
			p.pos++
			kind := "instance_attributes"
			if w == "op_meta" {
				kind = "meta_attributes"
			}
			l := &attrList{Kind: kind}
			if err := p.readPairs(l, isKW); err != nil {
				return err
			}
			ops[len(ops)-1].sets = append(ops[len(ops)-1].sets, l)
		case len(sets) == 0 && len(ops) == 0:
			// name=value right after the agent: implicit params.
			l := &attrList{Kind: "instance_attributes"}
			if err := p.readPairs(l, isKW); err != nil {
				return err
			}
			sets = append(sets, l)
		default:
			return p.errHere("unexpected word")
		}
	}
	if s.byID(id) != nil {
		return fmt.Errorf("Cannot create %s with ID '%s': Found existing %s with same ID.", kindName(tag), id, s.byID(id).Tag)
	}
	if template != "" {
		if t := s.byID(template); t == nil || t.Tag != "template" {
			return fmt.Errorf("%s: template %s does not exist", id, template)
		}
	}
	g := s.ids()
	g.take(id)
	e := s.section("resources").CreateElement(tag)
	e.CreateAttr("id", id)
	if template != "" {
		e.CreateAttr("template", template)
	} else {
		e.CreateAttr("class", class)
		if provider != "" {
			e.CreateAttr("provider", provider)
		}
		e.CreateAttr("type", typ)
	}
	if hasDesc {
		e.CreateAttr("description", description)
	}
	for _, l := range sets {
		addSet(g, e, id, l)
	}
	if len(ops) > 0 {
		oe := e.CreateElement("operations")
		if opsID != "" {
			g.take(opsID)
			oe.CreateAttr("id", opsID)
		}
		// With an explicit operations id, op ids derive from it.
		base := id
		if opsID != "" {
			base = opsID
		}
		for _, op := range ops {
			addOp(g, oe, base, op)
		}
	}
	return nil
}

// op parses the words after `op`: the action name and its attributes.
func (p *parser) op(stop func(string) bool) (*opSpec, error) {
	if p.done() || stop(p.peek()) || strings.Contains(p.peek(), "=") {
		return nil, p.errHere("expected operation name")
	}
	op := &opSpec{name: p.next()}
	var extra *attrList
	for !p.done() && !stop(p.peek()) {
		n, v, ok := splitNV(p.peek())
		if !ok {
			return nil, p.errHere("Attribute order error: expected name=value in op")
		}
		if opAttrs[n] || n == "$id" {
			if n == "$id" {
				n = "id"
			}
			if extra != nil {
				// crmsh requires the op's own attributes first.
				return nil, p.errHere("Attribute order error: " + n + " must appear before any instance attribute")
			}
			op.attrs = append(op.attrs, nvpair{n, v, true})
		} else {
			if extra == nil {
				extra = &attrList{Kind: "instance_attributes"}
				op.sets = append(op.sets, extra)
			}
			extra.Pairs = append(extra.Pairs, nvpair{n, v, true})
		}
		p.pos++
	}
	return op, nil
}

// addOp appends one <op> with crmsh's id rule <rsc>-<name>-<interval>.
func addOp(g *idgen, parent *etree.Element, rsc string, op *opSpec) {
	e := parent.CreateElement("op")
	e.CreateAttr("name", op.name)
	interval := ""
	var id string
	for _, a := range op.attrs {
		if a.Name == "id" {
			id = a.Value
			continue
		}
		if a.Name == "interval" {
			interval = a.Value
		}
		e.CreateAttr(a.Name, a.Value)
	}
	if interval == "" {
		interval = "0"
		e.CreateAttr("interval", "0")
	}
	if id == "" {
		id = g.new(rsc + "-" + op.name + "-" + interval)
	} else {
		g.take(id)
	}
	e.CreateAttr("id", id)
	for _, l := range op.sets {
		addSet(g, e, id, l)
	}
}

func kindName(tag string) string {
	switch tag {
	case "template":
		return "rsc_template"
	case "master":
		return "ms"
	case "rsc_location":
		return "location"
	case "rsc_colocation":
		return "colocation"
	case "rsc_order":
		return "order"
	case "cluster_property_set":
		return "property"
	}
	return tag
}

// containerOpts parses the common tail of group/clone/ms: description=, meta, params.
func (p *parser) containerOpts() (desc string, hasDesc bool, sets []*attrList, err error) {
	isKW := func(w string) bool {
		return w == "meta" || w == "params" || strings.HasPrefix(w, "description=")
	}
	for !p.done() {
		w := p.peek()
		switch {
		case strings.HasPrefix(w, "description="):
			desc, hasDesc = strings.TrimPrefix(w, "description="), true
			p.pos++
		case w == "meta" || w == "params":
			p.pos++
			l := &attrList{Kind: setKinds[w]}
			if err := p.readPairs(l, isKW); err != nil {
				return "", false, nil, err
			}
			sets = append(sets, l)
		default:
			return "", false, nil, p.errHere("unexpected word")
		}
	}
	return desc, hasDesc, sets, nil
}

// topLevel reports whether e sits directly in <resources>.
func topLevel(e *etree.Element) bool {
	return e.Parent() != nil && e.Parent().Tag == "resources"
}

// group parses `group <id> <rsc> [<rsc>...] [description=] [meta ...] [params ...]`.
func (s *Session) group(p *parser) error {
	id, err := p.needID("group id")
	if err != nil {
		return err
	}
	var members []*etree.Element
	seen := map[string]bool{}
	for !p.done() {
		w := p.peek()
		if w == "meta" || w == "params" || strings.Contains(w, "=") {
			break
		}
		r := s.resource(w)
		switch {
		case r == nil:
			return fmt.Errorf("%s refers to missing object %s", id, w)
		case r.Tag != "primitive":
			return fmt.Errorf("%s: %s is a %s; a group holds only primitives", id, w, r.Tag)
		case !topLevel(r):
			return fmt.Errorf("%s: %s is already in %s", id, w, r.Parent().SelectAttrValue("id", ""))
		case seen[w]:
			return p.errHere("resource listed twice")
		}
		seen[w] = true
		members = append(members, r)
		p.pos++
	}
	if len(members) == 0 {
		return p.errHere("expected at least one resource")
	}
	desc, hasDesc, sets, err := p.containerOpts()
	if err != nil {
		return err
	}
	return s.makeContainer("group", id, desc, hasDesc, sets, members)
}

// clone parses `clone|ms <id> <rsc> [description=] [meta ...] [params ...]`.
func (s *Session) clone(p *parser, tag string) error {
	id, err := p.needID("clone id")
	if err != nil {
		return err
	}
	if p.done() {
		return p.errHere("expected resource to clone")
	}
	w := p.next()
	r := s.resource(w)
	switch {
	case r == nil:
		return fmt.Errorf("%s refers to missing object %s", id, w)
	case r.Tag != "primitive" && r.Tag != "group":
		return fmt.Errorf("%s: cannot clone %s %s", id, r.Tag, w)
	case !topLevel(r):
		return fmt.Errorf("%s: %s is already in %s", id, w, r.Parent().SelectAttrValue("id", ""))
	}
	desc, hasDesc, sets, err := p.containerOpts()
	if err != nil {
		return err
	}
	return s.makeContainer(tag, id, desc, hasDesc, sets, []*etree.Element{r})
}

// makeContainer creates a group/clone/master at the end of <resources>, moves the
// members into it and, as crmsh does, points constraints at the container instead.
func (s *Session) makeContainer(tag, id, desc string, hasDesc bool, sets []*attrList, members []*etree.Element) error {
	if e := s.byID(id); e != nil {
		return fmt.Errorf("Cannot create %s with ID '%s': Found existing %s with same ID.", kindName(tag), id, e.Tag)
	}
	g := s.ids()
	g.take(id)
	e := s.section("resources").CreateElement(tag)
	e.CreateAttr("id", id)
	if hasDesc {
		e.CreateAttr("description", desc)
	}
	for _, l := range sets {
		addSet(g, e, id, l)
	}
	for _, m := range members {
		m.Parent().RemoveChild(m)
		e.AddChild(m)
		s.redirect(m.SelectAttrValue("id", ""), id, false)
	}
	return nil
}
