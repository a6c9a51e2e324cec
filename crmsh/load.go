package crmsh

import (
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Load implements `configure load update|replace`: text is configure-level
// commands (typically `show` output). replace starts from an empty configuration
// (nodes are kept: crmsh keeps nodes the text does not mention); update replaces objects that already exist and adds the rest.
// Load is all or nothing: on any error the CIB is left as it was.
func (s *Session) Load(method, text string) error {
	if method != "update" && method != "replace" && method != "push" {
		return fmt.Errorf("load: unknown method %s (update or replace)", method)
	}
	defer func() { s.idx = nil }()
	s.idx = nil
	cfg := s.config()
	idx := cfg.Index()
	backup := cfg.Copy()
	err := s.load(method, text)
	if err != nil {
		s.root.RemoveChild(s.config())
		s.root.InsertChildAt(idx, backup)
	}
	return err
}

// LoadXML implements `configure load xml update|replace`: data is a CIB (or a
// bare <configuration>). update replaces objects with the same id and adds the
// others to their sections; replace first erases everything but the nodes.
func (s *Session) LoadXML(method string, data []byte) error {
	defer func() { s.idx = nil }()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return fmt.Errorf("load xml: %w", err)
	}
	src := doc.Root()
	if src != nil && src.Tag == "cib" {
		src = src.SelectElement("configuration")
	}
	if src == nil || src.Tag != "configuration" {
		return fmt.Errorf("load xml: no <configuration> in the input")
	}
	switch method {
	case "replace", "push":
		// As with the text form, nodes the input does not mention are kept.
		if err := s.exec([]string{"erase"}); err != nil {
			return err
		}
	case "update":
	default:
		return fmt.Errorf("load: unknown method %s (update or replace)", method)
	}
	for _, sec := range src.ChildElements() {
		dst := s.section(sec.Tag)
		for _, obj := range sec.ChildElements() {
			id := obj.SelectAttrValue("id", "")
			var old *etree.Element
			for _, c := range dst.ChildElements() {
				if id != "" && c.Tag == obj.Tag && c.SelectAttrValue("id", "") == id {
					old = c
				}
			}
			if old != nil {
				at := old.Index()
				dst.RemoveChild(old)
				dst.InsertChildAt(at, obj.Copy())
			} else {
				dst.AddChild(obj.Copy())
			}
		}
	}
	return nil
}

func (s *Session) load(method, text string) error {
	if method == "replace" || method == "push" {
		if err := s.exec([]string{"erase"}); err != nil {
			return err
		}
	}
	var errs []error
	for _, l := range SplitLines(text) {
		if rest, ok := rawXML(l.Text); ok {
			if err := s.exec([]string{"xml", rest}); err != nil {
				s.idx = nil
				errs = append(errs, &LineError{l.Num, err})
			}
			continue
		}
		words, err := Lex(l.Text)
		if err != nil {
			errs = append(errs, &LineError{l.Num, err})
			continue
		}
		if len(words) == 0 {
			continue
		}
		if err := s.loadOne(words); err != nil {
			s.idx = nil
			errs = append(errs, &LineError{l.Num, err})
		}
	}
	return errors.Join(errs...)
}

// loadOne runs one command, first taking an existing object of the same id out of
// the way so that the new definition takes its place.
func (s *Session) loadOne(words []string) error {
	id := ""
	switch words[0] {
	case "primitive", "rsc_template", "group", "clone", "ms", "master", "location",
		"colocation", "collocation", "order", "rsc_ticket", "tag":
		if len(words) > 1 {
			id = strings.TrimSuffix(words[1], ":")
		}
	case "node":
		return s.loadNode(words)
	}
	old := (*etree.Element)(nil)
	if id != "" {
		old = s.byID(id)
	}
	if old == nil {
		return s.exec(words)
	}
	parent, at := old.Parent(), old.Index()
	// Members of a container being redefined go back to the top level first.
	for _, c := range old.ChildElements() {
		if resourceTags[c.Tag] {
			old.RemoveChild(c)
			s.section("resources").AddChild(c)
		}
	}
	parent.RemoveChild(old)
	s.idx = nil // the old definition's ids are free again
	if err := s.exec(words); err != nil {
		return err
	}
	// The new definition takes the old one's place, inside its group or clone too.
	if e := s.byID(id); e != nil && e.Parent() != nil && (e.Parent().Tag == parent.Tag || resourceTags[parent.Tag] && resourceTags[e.Tag]) {
		e.Parent().RemoveChild(e)
		parent.InsertChildAt(min(at, len(parent.Child)), e)
	}
	return nil
}

func (s *Session) loadNode(words []string) error {
	nodes := s.section("nodes")
	p := &parser{words: words, pos: 1, cmd: "node", text: strings.Join(words, " ")}
	uname := p.peek()
	if n, v, ok := splitNV(uname); ok && n == "$id" {
		_ = v
		p.pos++
		uname = p.peek()
	} else if strings.HasSuffix(uname, ":") {
		p.pos++
		uname = p.peek()
	}
	if i := strings.IndexByte(uname, ':'); i > 0 {
		uname = uname[:i]
	}
	for _, n := range nodes.ChildElements() {
		if n.SelectAttrValue("uname", "") == uname {
			nodes.RemoveChild(n)
			s.idx = nil
		}
	}
	return s.exec(words)
}
