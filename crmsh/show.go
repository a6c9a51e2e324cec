package crmsh

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/beevik/etree"
)

// object is one thing `show` prints: a resource, constraint, node, tag or set.
type object struct {
	rank int
	id   string
	e    *etree.Element
}

// rank orders crmsh's output: nodes, templates, primitives, groups, ms, clones,
// tags, location/colocation/order (together), fencing_topology, tickets,
// properties, defaults.
func rank(e *etree.Element) int {
	switch e.Tag {
	case "node":
		return 0
	case "template":
		return 1
	case "primitive":
		return 2
	case "group":
		return 3
	case "master":
		return 4
	case "clone":
		return 5
	case "bundle":
		return 6
	case "tag":
		return 7
	case "rsc_location", "rsc_colocation", "rsc_order":
		return 8
	case "fencing-topology":
		return 9
	case "rsc_ticket":
		return 10
	case "cluster_property_set":
		return 11
	case "meta_attributes":
		if e.Parent().Tag == "rsc_defaults" {
			return 12
		}
		return 13
	case "acl_role":
		return 14
	case "acl_target", "acl_group", "acl_user":
		return 15
	}
	return 16
}

// objects lists the configuration's objects in show order.
func (s *Session) objects() []object {
	var out []object
	walk(s.config(), func(e *etree.Element) bool {
		if isObject(e) {
			id := e.SelectAttrValue("id", "")
			if e.Tag == "fencing-topology" {
				id = "fencing_topology"
			}
			out = append(out, object{rank(e), id, e})
		}
		return true
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].rank != out[j].rank {
			return out[i].rank < out[j].rank
		}
		return out[i].id < out[j].id
	})
	return out
}

// Show writes the whole configuration in crmsh's text form.
func Show(root *etree.Element, w io.Writer) error {
	s := NewSession(root, w, nil)
	return s.showText(nil)
}

// show parses `show [xml] [<id> ...]`.
func (s *Session) show(p *parser) error {
	asXML := false
	var ids []string
	for !p.done() {
		w := p.next()
		switch {
		case w == "xml":
			asXML = true
		case w == "changed":
		default:
			ids = append(ids, w)
		}
	}
	for _, id := range ids {
		if e := s.byID(id); e == nil || !isObject(e) {
			return fmt.Errorf("object %s does not exist", id)
		}
	}
	if asXML {
		return s.showXML(ids)
	}
	return s.showText(ids)
}

func (s *Session) showText(ids []string) error {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var b strings.Builder
	for _, o := range s.objects() {
		if len(ids) > 0 && !want[o.id] {
			continue
		}
		b.WriteString(render(o.e))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(s.out, b.String())
	return err
}

// showXML prints the CIB without its status, as crmsh does; with ids, only those
// objects are kept in their sections.
func (s *Session) showXML(ids []string) error {
	root := s.root.Copy()
	if st := root.SelectElement("status"); st != nil {
		root.RemoveChild(st)
	}
	if len(ids) > 0 {
		want := map[string]bool{}
		for _, id := range ids {
			want[id] = true
		}
		cfg := root.SelectElement("configuration")
		for _, sec := range cfg.ChildElements() {
			for _, c := range sec.ChildElements() {
				keep := false
				walk(c, func(e *etree.Element) bool {
					if isObject(e) && want[e.SelectAttrValue("id", "")] {
						keep = true
					}
					return !keep
				})
				if !keep {
					sec.RemoveChild(c)
				}
			}
		}
	}
	doc := etree.NewDocument()
	doc.SetRoot(root)
	doc.Indent(2)
	out, err := doc.WriteToString()
	if err != nil {
		return fmt.Errorf("show xml: %w", err)
	}
	_, err = io.WriteString(s.out, "<?xml version=\"1.0\" ?>\n"+out+"\n")
	return err
}

var bareRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// quote renders a value the way crmsh does: bare when it is a plain word, else
// double-quoted with " and \ escaped.
func quote(v string) string {
	if bareRE.MatchString(v) {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// nvText renders the nvpairs of a set; crmsh hides password values.
func nvText(set *etree.Element) string {
	var parts []string
	for _, nv := range set.SelectElements("nvpair") {
		n := nv.SelectAttrValue("name", "")
		v := nv.SelectAttr("value")
		switch {
		case v == nil:
			parts = append(parts, n)
		case strings.Contains(strings.ToLower(n), "passw"):
			parts = append(parts, n+`="******"`)
		default:
			parts = append(parts, n+"="+quote(v.Value))
		}
	}
	return strings.Join(parts, " ")
}

var setWord = map[string]string{"instance_attributes": "params", "meta_attributes": "meta", "utilization": "utilization"}

// bodyLines renders description= and the nvpair sets of a resource or node.
func bodyLines(e *etree.Element, instWord string) []string {
	var lines []string
	if d := e.SelectAttr("description"); d != nil {
		lines = append(lines, "description="+quote(d.Value))
	}
	for _, c := range e.ChildElements() {
		w := setWord[c.Tag]
		if w == "" {
			continue
		}
		if c.Tag == "instance_attributes" {
			w = instWord
		}
		lines = append(lines, strings.TrimSpace(w+" "+nvText(c)))
	}
	return lines
}

func joinLines(head string, lines []string) string {
	if len(lines) == 0 {
		return head
	}
	return head + " \\\n\t" + strings.Join(lines, " \\\n\t")
}

func agentText(e *etree.Element) string {
	if t := e.SelectAttrValue("template", ""); t != "" {
		return "@" + t
	}
	class, prov, typ := e.SelectAttrValue("class", ""), e.SelectAttrValue("provider", ""), e.SelectAttrValue("type", "")
	switch {
	case class == "ocf" && prov == "heartbeat":
		return typ
	case prov != "":
		return class + ":" + prov + ":" + typ
	}
	return class + ":" + typ
}

func scoreText(v string) string {
	switch v {
	case "INFINITY":
		return "inf"
	case "+INFINITY":
		return "+inf"
	case "-INFINITY":
		return "-inf"
	}
	return v
}

// render prints one object.
func render(e *etree.Element) string {
	if needsXML(e) {
		return renderXML(e)
	}
	id := e.SelectAttrValue("id", "")
	switch e.Tag {
	case "primitive", "template":
		head := "primitive " + id + " " + agentText(e)
		if e.Tag == "template" {
			head = "rsc_template " + id + " " + agentText(e)
		}
		lines := bodyLines(e, "params")
		if ops := e.SelectElement("operations"); ops != nil {
			if oid := ops.SelectAttrValue("id", ""); oid != "" {
				lines = append(lines, "operations $id="+oid)
			}
			for _, op := range ops.SelectElements("op") {
				l := "op " + op.SelectAttrValue("name", "")
				for _, a := range op.Attr {
					if a.Key != "id" && a.Key != "name" {
						l += " " + a.Key + "=" + quote(a.Value)
					}
				}
				lines = append(lines, l)
				for _, c := range op.ChildElements() {
					switch c.Tag {
					case "instance_attributes":
						lines = append(lines, "op_params "+nvText(c))
					case "meta_attributes":
						lines = append(lines, "op_meta "+nvText(c))
					}
				}
			}
		}
		return joinLines(head, lines)
	case "group", "clone", "master", "bundle":
		word := map[string]string{"group": "group", "clone": "clone", "master": "ms", "bundle": "bundle"}[e.Tag]
		head := word + " " + id
		for _, c := range e.ChildElements() {
			if resourceTags[c.Tag] {
				head += " " + c.SelectAttrValue("id", "")
			}
		}
		return joinLines(head, bodyLines(e, "params"))
	case "node":
		uname := e.SelectAttrValue("uname", id)
		head := "node " + uname
		if id != uname {
			head = "node " + id + ": " + uname
		}
		if t := e.SelectAttrValue("type", ""); t != "" {
			head += ":" + t
		}
		return joinLines(head, bodyLines(e, "attributes"))
	case "tag":
		head := "tag " + id
		for _, r := range e.SelectElements("obj_ref") {
			head += " " + r.SelectAttrValue("id", "")
		}
		return head
	case "cluster_property_set", "meta_attributes":
		word := "property"
		if e.Tag == "meta_attributes" {
			word = e.Parent().Tag
		}
		lines := pairLines(e)
		return joinLines(word+" "+id+":", lines)
	case "rsc_location":
		return renderLocation(e)
	case "fencing-topology":
		return renderFencing(e)
	case "rsc_colocation":
		head := "colocation " + id + " " + scoreOf(e) + ": " + itemsText(e, "rsc", "with-rsc", "rsc-role", "with-rsc-role", "role")
		return head + optText(e, "node-attribute")
	case "rsc_order":
		head := "order " + id + " "
		if k := e.SelectAttrValue("kind", ""); k != "" {
			head += k + ": "
		} else if sc := e.SelectAttrValue("score", ""); sc != "" {
			head += scoreText(sc) + ": "
		}
		head += itemsText(e, "first", "then", "first-action", "then-action", "action")
		return head + optText(e, "symmetrical")
	case "rsc_ticket":
		head := "rsc_ticket " + id + " " + e.SelectAttrValue("ticket", "") + ": "
		if r := e.SelectAttrValue("rsc", ""); r != "" {
			head += r
			if role := e.SelectAttrValue("rsc-role", ""); role != "" {
				head += ":" + role
			}
		} else {
			head += setsText(e, "role")
		}
		return head + optText(e, "loss-policy")
	}
	return renderXML(e)
}

func pairLines(set *etree.Element) []string {
	var out []string
	for _, nv := range set.SelectElements("nvpair") {
		one := etree.NewElement("x")
		one.AddChild(nv.Copy())
		out = append(out, nvText(one))
	}
	return out
}

func scoreOf(e *etree.Element) string {
	if v := e.SelectAttrValue("score", ""); v != "" {
		return scoreText(v)
	}
	return e.SelectAttrValue("score-attribute", "")
}

func optText(e *etree.Element, names ...string) string {
	out := ""
	for _, n := range names {
		if v := e.SelectAttr(n); v != nil {
			out += " " + n + "=" + quote(v.Value)
		}
	}
	return out
}

// itemsText renders the resources of a two-resource constraint or its sets.
func itemsText(e *etree.Element, a, b, aSuffix, bSuffix, setSuffix string) string {
	if e.SelectAttr(a) != nil {
		x := e.SelectAttrValue(a, "")
		if v := e.SelectAttrValue(aSuffix, ""); v != "" {
			x += ":" + v
		}
		y := e.SelectAttrValue(b, "")
		if v := e.SelectAttrValue(bSuffix, ""); v != "" {
			y += ":" + v
		}
		return x + " " + y
	}
	return setsText(e, setSuffix)
}

func setsText(e *etree.Element, suffixAttr string) string {
	var parts []string
	for _, set := range e.SelectElements("resource_set") {
		suffix := ""
		if v := set.SelectAttrValue(suffixAttr, ""); v != "" {
			suffix = ":" + v
		}
		var refs []string
		for _, r := range set.SelectElements("resource_ref") {
			refs = append(refs, r.SelectAttrValue("id", "")+suffix)
		}
		inner := strings.Join(refs, " ")
		switch {
		case set.SelectAttrValue("sequential", "") == "false" && set.SelectAttrValue("require-all", "") == "false":
			inner = "[ " + inner + " ]"
		case set.SelectAttrValue("sequential", "") == "false":
			inner = "( " + inner + " )"
		}
		parts = append(parts, inner)
	}
	return strings.Join(parts, " ")
}

func renderLocation(e *etree.Element) string {
	head := "location " + e.SelectAttrValue("id", "") + " "
	switch {
	case e.SelectAttr("rsc-pattern") != nil:
		head += "/" + e.SelectAttrValue("rsc-pattern", "") + "/"
	case e.SelectAttr("rsc") != nil:
		head += e.SelectAttrValue("rsc", "")
	default:
		var refs []string
		for _, set := range e.SelectElements("resource_set") {
			for _, r := range set.SelectElements("resource_ref") {
				refs = append(refs, r.SelectAttrValue("id", ""))
			}
		}
		head += "{ " + strings.Join(refs, " ") + " }"
	}
	head += optText(e, "role", "resource-discovery")
	if n := e.SelectAttr("node"); n != nil {
		return head + " " + scoreOf(e) + ": " + n.Value
	}
	var lines []string
	for _, r := range e.SelectElements("rule") {
		lines = append(lines, ruleText(r))
	}
	return joinLines(head, lines)
}

func ruleText(r *etree.Element) string {
	out := "rule"
	if role := r.SelectAttrValue("role", ""); role != "" {
		out += " $role=" + role
	}
	if sc := r.SelectAttrValue("score", ""); sc != "" && sc != "INFINITY" {
		out += " " + scoreText(sc) + ":"
	} else if sa := r.SelectAttrValue("score-attribute", ""); sa != "" {
		out += " " + sa + ":"
	}
	sep := " and "
	if r.SelectAttrValue("boolean-op", "") == "or" {
		sep = " or "
	}
	var exprs []string
	for _, x := range r.ChildElements() {
		exprs = append(exprs, exprText(x))
	}
	return out + " " + strings.Join(exprs, sep)
}

func ruleValue(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"'") {
		return quote(v)
	}
	return v
}

func exprText(x *etree.Element) string {
	op := x.SelectAttrValue("operation", "")
	switch x.Tag {
	case "expression":
		attr := x.SelectAttrValue("attribute", "")
		if op == "defined" || op == "not_defined" {
			return op + " " + attr
		}
		if t := x.SelectAttrValue("type", ""); t != "" && t != "string" {
			op = t + ":" + op
		}
		return attr + " " + op + " " + ruleValue(x.SelectAttrValue("value", ""))
	case "date_expression":
		switch op {
		case "gt":
			return "date gt " + ruleValue(x.SelectAttrValue("start", ""))
		case "lt":
			return "date lt " + ruleValue(x.SelectAttrValue("end", ""))
		}
		out := "date in"
		if op == "date_spec" {
			out = "date spec"
		}
		for _, a := range []string{"start", "end"} {
			if v := x.SelectAttr(a); v != nil {
				out += " " + a + "=" + ruleValue(v.Value)
			}
		}
		for _, c := range x.ChildElements() {
			for _, a := range c.Attr {
				if a.Key != "id" {
					out += " " + a.Key + "=" + ruleValue(a.Value)
				}
			}
		}
		return out
	case "rule":
		return "( " + ruleText(x) + " )"
	}
	return x.Tag
}
