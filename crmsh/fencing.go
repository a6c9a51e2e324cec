package crmsh

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// fencingTarget is one target of fencing_topology: a node, a node attribute or
// a name pattern.
type fencingTarget struct {
	node, attr, value, pattern string
	devices                    []string // one entry per level; commas kept
}

// fencingTopology parses
//
//	fencing_topology <devices> ...                    (the same levels for every node)
//	fencing_topology <target> <devices> ... [<target> <devices> ...]
//
// where a target is `<node>:`, `attr:<name>=<value>` or `pattern:<regex>`.
func (s *Session) fencingTopology(p *parser) error {
	if s.config().SelectElement("fencing-topology") != nil {
		return fmt.Errorf("Cannot create fencing_topology with ID 'fencing_topology': Found existing fencing_topology with same ID.")
	}
	var targets []*fencingTarget
	var cur *fencingTarget
	for !p.done() {
		w := p.peek()
		switch {
		case strings.HasPrefix(w, "attr:"):
			n, v, ok := splitNV(strings.TrimPrefix(w, "attr:"))
			if !ok || n == "" {
				return p.errHere("expected attr:<name>=<value>")
			}
			cur = &fencingTarget{attr: n, value: v}
			targets = append(targets, cur)
		case strings.HasPrefix(w, "pattern:"):
			cur = &fencingTarget{pattern: strings.TrimPrefix(w, "pattern:")}
			if cur.pattern == "" {
				return p.errHere("expected pattern:<regex>")
			}
			targets = append(targets, cur)
		case strings.HasSuffix(w, ":"):
			cur = &fencingTarget{node: strings.TrimSuffix(w, ":")}
			if !validName(cur.node) {
				return p.errHere("invalid node name")
			}
			targets = append(targets, cur)
		default:
			for _, d := range strings.Split(w, ",") {
				if !validID(d) {
					return p.errHere("invalid fencing device list")
				}
			}
			if cur == nil {
				if len(targets) > 0 {
					return p.errHere("expected target")
				}
				cur = &fencingTarget{}
				targets = append(targets, cur)
			}
			cur.devices = append(cur.devices, w)
		}
		p.pos++
	}
	if len(targets) == 0 {
		return p.errHere("expected fencing devices")
	}
	for _, t := range targets {
		if len(t.devices) == 0 {
			return p.errAt(p.pos, "a target needs fencing devices")
		}
	}
	// Without a target the levels apply to every node, one copy per node.
	if len(targets) == 1 && targets[0].node == "" && targets[0].attr == "" && targets[0].pattern == "" {
		devs := targets[0].devices
		targets = nil
		if nodes := s.config().SelectElement("nodes"); nodes != nil {
			for _, n := range nodes.SelectElements("node") {
				targets = append(targets, &fencingTarget{node: n.SelectAttrValue("uname", ""), devices: devs})
			}
		}
		if len(targets) == 0 {
			return fmt.Errorf("fencing_topology: no nodes to apply the levels to")
		}
	}
	g := s.ids()
	ft := s.config().CreateElement("fencing-topology")
	for _, t := range targets {
		for i, d := range t.devices {
			l := ft.CreateElement("fencing-level")
			if t.node != "" {
				l.CreateAttr("target", t.node)
			}
			l.CreateAttr("index", strconv.Itoa(i+1))
			l.CreateAttr("devices", d)
			switch {
			case t.attr != "":
				l.CreateAttr("target-attribute", t.attr)
				l.CreateAttr("target-value", t.value)
			case t.pattern != "":
				l.CreateAttr("target-pattern", t.pattern)
			}
			l.CreateAttr("id", g.new("fencing"))
		}
	}
	return nil
}

// renderFencing prints fencing-topology: the short form when every node has the
// same levels, else one line per target.
func renderFencing(e *etree.Element) string {
	type tgt struct {
		key  string
		devs []string
	}
	var order []*tgt
	byKey := map[string]*tgt{}
	allNodes := true
	for _, l := range e.SelectElements("fencing-level") {
		key := ""
		switch {
		case l.SelectAttr("target") != nil:
			key = l.SelectAttrValue("target", "") + ":"
		case l.SelectAttr("target-attribute") != nil:
			key = "attr:" + l.SelectAttrValue("target-attribute", "") + "=" + l.SelectAttrValue("target-value", "")
			allNodes = false
		default:
			key = "pattern:" + l.SelectAttrValue("target-pattern", "")
			allNodes = false
		}
		t := byKey[key]
		if t == nil {
			t = &tgt{key: key}
			byKey[key] = t
			order = append(order, t)
		}
		t.devs = append(t.devs, l.SelectAttrValue("devices", ""))
	}
	if allNodes && len(order) > 0 {
		same := true
		for _, t := range order {
			same = same && strings.Join(t.devs, " ") == strings.Join(order[0].devs, " ")
		}
		var unames []string
		if cfg := e.Parent(); cfg != nil {
			if nodes := cfg.SelectElement("nodes"); nodes != nil {
				for _, n := range nodes.SelectElements("node") {
					unames = append(unames, n.SelectAttrValue("uname", ""))
				}
			}
		}
		if same && len(unames) == len(order) {
			covered := true
			for _, u := range unames {
				covered = covered && byKey[u+":"] != nil
			}
			if covered {
				return "fencing_topology " + strings.Join(order[0].devs, " ")
			}
		}
	}
	var lines []string
	for _, t := range order {
		lines = append(lines, t.key+" "+strings.Join(t.devs, " "))
	}
	return joinLines("fencing_topology", lines)
}
