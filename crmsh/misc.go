package crmsh

import (
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// nvset parses property/rsc_defaults/op_defaults: `[<set-id>:] [$id=<set-id>]
// name=value ...`, updating existing names in place.
func (s *Session) nvset(p *parser, section, tag, defID string) error {
	setID := defID
	if w := p.peek(); strings.HasSuffix(w, ":") && !strings.Contains(w, "=") {
		setID = strings.TrimSuffix(w, ":")
		if !validID(setID) {
			return p.errHere("invalid set id")
		}
		p.pos++
	}
	l := &attrList{}
	if err := p.readPairs(l, func(string) bool { return false }); err != nil {
		return err
	}
	if l.SetID != "" {
		setID = l.SetID
	}
	if len(l.Pairs) == 0 {
		return p.errHere("expected name=value")
	}
	for i, nv := range l.Pairs {
		if !nv.HasValue {
			return p.errAt(p.pos-len(l.Pairs)+i, "expected name=value")
		}
	}
	var set *etree.Element
	if sec := s.config().SelectElement(section); sec != nil {
		for _, c := range sec.ChildElements() {
			if c.SelectAttrValue("id", "") == setID {
				set = c
			}
		}
	}
	if set == nil {
		if e := s.byID(setID); e != nil {
			return fmt.Errorf("%s: id already in use by %s", setID, e.Tag)
		}
	}
	g := s.ids()
	sec := s.section(section)
	if set == nil {
		set = sec.CreateElement(tag)
		set.CreateAttr("id", setID)
		g.take(setID)
	}
	for _, nv := range l.Pairs {
		var found *etree.Element
		for _, c := range set.SelectElements("nvpair") {
			if c.SelectAttrValue("name", "") == nv.Name {
				found = c
			}
		}
		if found != nil {
			found.CreateAttr("value", nv.Value)
			continue
		}
		e := set.CreateElement("nvpair")
		e.CreateAttr("name", nv.Name)
		e.CreateAttr("value", nv.Value)
		e.CreateAttr("id", g.new(setID+"-"+nv.Name))
	}
	return nil
}

// node parses `node [$id=<id>] [<id>:] <uname>[:<type>] [description=<d>]
// [attributes ...] [utilization ...]`.
func (s *Session) node(p *parser) error {
	nodeID := ""
	if n, v, ok := splitNV(p.peek()); ok && n == "$id" {
		nodeID = v
		p.pos++
	} else if w := p.peek(); strings.HasSuffix(w, ":") && len(w) > 1 {
		nodeID = strings.TrimSuffix(w, ":")
		p.pos++
	}
	if p.done() {
		return p.errHere("expected node name")
	}
	uname, typ := p.next(), ""
	if i := strings.IndexByte(uname, ':'); i > 0 {
		uname, typ = uname[:i], uname[i+1:]
	}
	if !validName(uname) || strings.Contains(uname, "=") {
		return p.errAt(p.pos-1, "invalid node name")
	}
	var desc string
	hasDesc := false
	var sets []*attrList
	isKW := func(w string) bool {
		return w == "attributes" || w == "utilization" || strings.HasPrefix(w, "description=")
	}
	for !p.done() {
		w := p.peek()
		switch {
		case strings.HasPrefix(w, "description="):
			desc, hasDesc = strings.TrimPrefix(w, "description="), true
			p.pos++
		case w == "attributes" || w == "utilization":
			p.pos++
			l := &attrList{Kind: setKinds[w]}
			if err := p.readPairs(l, isKW); err != nil {
				return err
			}
			sets = append(sets, l)
		default:
			return p.errHere("unexpected word")
		}
	}
	nodes := s.section("nodes")
	for _, n := range nodes.ChildElements() {
		if n.SelectAttrValue("uname", "") == uname || nodeID != "" && n.SelectAttrValue("id", "") == nodeID {
			return fmt.Errorf("Cannot create node with ID '%s': Found existing node with same ID.", uname)
		}
	}
	g := s.ids()
	e := nodes.CreateElement("node")
	if nodeID != "" {
		e.CreateAttr("id", nodeID)
		e.CreateAttr("uname", uname)
	} else {
		e.CreateAttr("uname", uname)
	}
	if typ != "" {
		e.CreateAttr("type", typ)
	}
	if hasDesc {
		e.CreateAttr("description", desc)
	}
	if nodeID == "" {
		e.CreateAttr("id", uname)
		nodeID = uname
	}
	g.take(nodeID)
	for _, l := range sets {
		addSet(g, e, uname, l)
	}
	return nil
}

// tag parses `tag <id>[:] <ref> [<ref>...]`.
func (s *Session) tag(p *parser) error {
	w := p.peek()
	id := strings.TrimSuffix(w, ":")
	if !validID(id) {
		return p.errHere("invalid tag id")
	}
	p.pos++
	var refs []string
	for !p.done() {
		r := p.peek()
		if s.byID(r) == nil {
			return fmt.Errorf("%s refers to missing object %s", id, r)
		}
		refs = append(refs, r)
		p.pos++
	}
	if len(refs) == 0 {
		return p.errHere("expected at least one object")
	}
	if e := s.byID(id); e != nil {
		return fmt.Errorf("Cannot create tag with ID '%s': Found existing %s with same ID.", id, e.Tag)
	}
	t := s.section("tags").CreateElement("tag")
	t.CreateAttr("id", id)
	s.ids().take(id)
	for _, r := range refs {
		t.CreateElement("obj_ref").CreateAttr("id", r)
	}
	return nil
}

// modgroup parses `modgroup <group> add <rsc> [after|before <rsc>]` and
// `modgroup <group> remove <rsc>`.
func (s *Session) modgroup(p *parser) error {
	gid := p.next()
	grp := s.byID(gid)
	if grp == nil || grp.Tag != "group" {
		return fmt.Errorf("%s is not a group", gid)
	}
	verbAt := p.pos
	verb := p.next()
	if p.done() {
		return p.errHere("expected resource")
	}
	rid := p.next()
	r := s.resource(rid)
	switch verb {
	case "add":
		switch {
		case r == nil:
			return fmt.Errorf("%s refers to missing object %s", gid, rid)
		case r.Tag != "primitive" || !topLevel(r):
			return fmt.Errorf("%s: %s cannot be added to a group", gid, rid)
		}
		var anchor *etree.Element
		after := false
		if !p.done() {
			where := p.next()
			if where != "after" && where != "before" {
				return p.errAt(p.pos-1, "expected after or before")
			}
			after = where == "after"
			if p.done() {
				return p.errHere("expected resource")
			}
			aid := p.next()
			anchor = s.resource(aid)
			if anchor == nil || anchor.Parent() != grp {
				return fmt.Errorf("%s is not a member of %s", aid, gid)
			}
		}
		if !p.done() {
			return p.errHere("unexpected word")
		}
		r.Parent().RemoveChild(r)
		switch {
		case anchor == nil:
			grp.AddChild(r)
		case after:
			grp.InsertChildAt(anchor.Index()+1, r)
		default:
			grp.InsertChildAt(anchor.Index(), r)
		}
		// Unlike group creation, crmsh leaves constraints on the member alone.
	case "remove":
		if !p.done() {
			return p.errHere("unexpected word")
		}
		if r == nil || r.Parent() != grp {
			return fmt.Errorf("%s is not a member of %s", rid, gid)
		}
		if len(grp.SelectElements("primitive")) == 1 {
			return fmt.Errorf("cannot remove the last member of group %s", gid)
		}
		grp.RemoveChild(r)
		s.section("resources").AddChild(r)
	default:
		return p.errAt(verbAt, "expected add or remove")
	}
	return nil
}

// deleteCmd parses `delete <id> [<id>...]`. Like crmsh, ids that do not exist
// are skipped; when none exists crmsh only prints an error and still succeeds.
func (s *Session) deleteCmd(p *parser) error {
	if p.done() {
		return p.errHere("expected object id")
	}
	var found []*etree.Element
	var missing []string
	defer func() { s.idx = nil }() // deleted ids are free again
	for !p.done() {
		id := p.next()
		if e := s.byID(id); e != nil && isObject(e) {
			found = append(found, e)
		} else {
			missing = append(missing, id)
		}
	}
	if len(found) == 0 {
		for _, id := range missing {
			fmt.Fprintf(s.log, "ERROR: object %s does not exist\n", id)
		}
		return nil
	}
	for _, e := range found {
		if e.Parent() != nil {
			s.deleteObject(e)
		}
	}
	return nil
}

// isObject reports whether e is something crmsh shows as its own object.
func isObject(e *etree.Element) bool {
	if resourceTags[e.Tag] || constraintTags[e.Tag] {
		return true
	}
	switch e.Tag {
	case "node", "tag", "cluster_property_set", "fencing-topology":
		return true
	case "acl_role", "acl_target", "acl_group", "acl_user":
		// Shown as raw XML until the ACL language is implemented.
		return e.Parent() != nil && e.Parent().Tag == "acls"
	case "meta_attributes":
		p := e.Parent()
		return p != nil && (p.Tag == "rsc_defaults" || p.Tag == "op_defaults")
	}
	return false
}

func (s *Session) deleteObject(e *etree.Element) {
	id := e.SelectAttrValue("id", "")
	parent := e.Parent()
	switch e.Tag {
	case "group", "clone", "master":
		// Members survive their container: two-resource constraints move to the
		// first member, sets just lose the container, and the members go to the
		// end of <resources>, as crmsh does.
		var members []*etree.Element
		for _, c := range e.ChildElements() {
			if resourceTags[c.Tag] {
				members = append(members, c)
			}
		}
		if len(members) > 0 {
			s.redirectSimple(id, members[0].SelectAttrValue("id", ""))
		}
		parent.RemoveChild(e)
		res := s.section("resources")
		for _, m := range members {
			e.RemoveChild(m)
			res.AddChild(m)
		}
		s.dropRefs(id)
		return
	case "primitive":
		if parent.Tag == "clone" || parent.Tag == "master" || parent.Tag == "group" && len(resourceChildren(parent)) == 1 {
			s.deleteObject(parent)
			parent = e.Parent()
		}
		parent.RemoveChild(e)
		s.dropRefs(id)
		return
	case "template":
		parent.RemoveChild(e)
		s.dropRefs(id)
		return
	}
	parent.RemoveChild(e)
}

func resourceChildren(e *etree.Element) []*etree.Element {
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if resourceTags[c.Tag] {
			out = append(out, c)
		}
	}
	return out
}

// dropRefs removes a deleted resource from constraints and tags: constraints left
// without a resource go, a set of two collapses to the simple form.
func (s *Session) dropRefs(id string) {
	if cons := s.config().SelectElement("constraints"); cons != nil {
		for _, c := range cons.ChildElements() {
			hanging := false
			for _, a := range refAttrs {
				if c.SelectAttrValue(a, "") == id {
					hanging = true
				}
			}
			if hanging {
				cons.RemoveChild(c)
				fmt.Fprintf(s.log, "INFO: hanging %s:%s deleted\n", kindName(c.Tag), c.SelectAttrValue("id", ""))
				continue
			}
			changed := false
			for _, set := range c.SelectElements("resource_set") {
				for _, r := range set.SelectElements("resource_ref") {
					if r.SelectAttrValue("id", "") == id {
						set.RemoveChild(r)
						changed = true
					}
				}
				if len(set.SelectElements("resource_ref")) == 0 {
					c.RemoveChild(set)
				}
			}
			if !changed {
				continue
			}
			sets := c.SelectElements("resource_set")
			if len(sets) == 0 {
				cons.RemoveChild(c)
				fmt.Fprintf(s.log, "INFO: hanging %s:%s deleted\n", kindName(c.Tag), c.SelectAttrValue("id", ""))
				continue
			}
			collapse(c)
			fmt.Fprintf(s.log, "INFO: constraint %s:%s updated\n", kindName(c.Tag), c.SelectAttrValue("id", ""))
		}
	}
	walk(s.config(), func(e *etree.Element) bool {
		if e.Tag == "tag" {
			for _, r := range e.SelectElements("obj_ref") {
				if r.SelectAttrValue("id", "") == id {
					e.RemoveChild(r)
				}
			}
		}
		return true
	})
}

// collapse turns a colocation or order whose sets hold two resources in all back
// into the simple two-resource form, as crmsh does after a delete or a grouping.
func collapse(c *etree.Element) {
	suffixAttr := map[string]string{"rsc_colocation": "role", "rsc_order": "action"}[c.Tag]
	if suffixAttr == "" {
		return
	}
	sets := c.SelectElements("resource_set")
	type item struct{ id, suffix string }
	var items []item
	for _, set := range sets {
		for _, a := range set.Attr {
			switch a.Key {
			case "id", suffixAttr:
			case "sequential", "require-all":
				if len(sets) == 1 {
					return // a lone unordered set means something else
				}
			default:
				return
			}
		}
		for _, r := range set.SelectElements("resource_ref") {
			items = append(items, item{r.SelectAttrValue("id", ""), set.SelectAttrValue(suffixAttr, "")})
		}
	}
	if len(items) != 2 {
		return
	}
	if len(sets) == 1 && c.Tag == "rsc_colocation" {
		// In one colocation set each member follows the previous one.
		items[0], items[1] = items[1], items[0]
	}
	for _, set := range sets {
		c.RemoveChild(set)
	}
	names := map[string][4]string{
		"rsc_colocation": {"rsc", "rsc-role", "with-rsc", "with-rsc-role"},
		"rsc_order":      {"first", "first-action", "then", "then-action"},
	}[c.Tag]
	c.CreateAttr(names[0], items[0].id)
	if items[0].suffix != "" {
		c.CreateAttr(names[1], items[0].suffix)
	}
	c.CreateAttr(names[2], items[1].id)
	if items[1].suffix != "" {
		c.CreateAttr(names[3], items[1].suffix)
	}
}

// rename parses `rename <old> <new>`.
func (s *Session) rename(p *parser) error {
	if len(p.words) != 3 {
		return p.errAt(min(len(p.words), 3), "usage: rename <old_id> <new_id>")
	}
	from, to := p.words[1], p.words[2]
	e := s.byID(from)
	if e == nil || !isObject(e) {
		return fmt.Errorf("object %s does not exist", from)
	}
	if !validID(to) {
		return p.errAt(2, "invalid id")
	}
	if s.byID(to) != nil {
		return fmt.Errorf("id %s is already in use", to)
	}
	e.SelectAttr("id").Value = to
	s.idx = nil
	if e.Tag == "node" {
		return nil
	}
	s.redirect(from, to, true)
	return nil
}

// erase parses `erase [nodes]`: without argument everything but the nodes goes,
// `erase nodes` removes only the nodes (as crmsh does); section elements stay.
func (s *Session) erase(p *parser) error {
	nodes := false
	if !p.done() {
		if p.peek() != "nodes" || len(p.words) > 2 {
			return p.errHere("usage: erase [nodes]")
		}
		nodes = true
	}
	for _, sec := range s.config().ChildElements() {
		if (sec.Tag == "nodes") != nodes {
			continue
		}
		for _, c := range sec.ChildElements() {
			sec.RemoveChild(c)
		}
	}
	s.idx = nil
	return nil
}

// verify checks that every reference in the configuration resolves.
func (s *Session) verify() error {
	var errs []error
	check := func(owner *etree.Element, ref string) {
		if s.byID(ref) == nil {
			errs = append(errs, fmt.Errorf("%s: resource %s does not exist", owner.SelectAttrValue("id", ""), ref))
		}
	}
	if cons := s.config().SelectElement("constraints"); cons != nil {
		for _, c := range cons.ChildElements() {
			for _, a := range refAttrs {
				if v := c.SelectAttrValue(a, ""); v != "" {
					check(c, v)
				}
			}
			for _, set := range c.SelectElements("resource_set") {
				for _, r := range set.SelectElements("resource_ref") {
					check(c, r.SelectAttrValue("id", ""))
				}
			}
		}
	}
	walk(s.config(), func(e *etree.Element) bool {
		if e.Tag == "primitive" {
			if t := e.SelectAttrValue("template", ""); t != "" {
				check(e, t)
			}
		}
		if e.Tag == "obj_ref" {
			check(e.Parent(), e.SelectAttrValue("id", ""))
		}
		return true
	})
	return errors.Join(errs...)
}
