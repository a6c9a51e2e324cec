package crmsh

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// renderXML is crmsh's fallback for an object its language cannot express:
// `xml <element ...>` with the element's lines joined by continuations.
func renderXML(e *etree.Element) string {
	doc := etree.NewDocument()
	doc.SetRoot(e.Copy())
	doc.Indent(2)
	s, err := doc.WriteToString()
	if err != nil {
		return "# " + err.Error()
	}
	return "xml " + strings.Join(strings.Split(strings.TrimRight(s, "\n"), "\n"), " \\\n")
}

// needsXML reports whether crmsh shows e only as raw XML.
func needsXML(e *etree.Element) bool {
	switch e.Tag {
	case "rsc_order":
		// The deprecated score attribute has no place in the order syntax.
		return e.SelectAttr("score") != nil
	case "rsc_colocation":
		refs := 0
		for _, set := range e.SelectElements("resource_set") {
			refs += len(set.SelectElements("resource_ref"))
		}
		return e.SelectAttr("rsc") == nil && refs < 2
	case "bundle", "acl_role", "acl_target", "acl_group", "acl_user":
		return true
	}
	return false
}

// xmlSection is the configuration section a raw XML object belongs in.
func xmlSection(tag string) string {
	switch {
	case resourceTags[tag]:
		return "resources"
	case constraintTags[tag]:
		return "constraints"
	case tag == "node":
		return "nodes"
	case tag == "tag":
		return "tags"
	case tag == "cluster_property_set":
		return "crm_config"
	case strings.HasPrefix(tag, "acl_"):
		return "acls"
	}
	return ""
}

// xmlCommand implements `xml <element>`: the raw object replaces the one with
// its id, or is added to its section.
func (s *Session) xmlCommand(p *parser) error {
	text := strings.Join(p.words[1:], " ")
	doc := etree.NewDocument()
	if err := doc.ReadFromString(text); err != nil {
		return fmt.Errorf("xml: %w", err)
	}
	e := doc.Root()
	if e == nil {
		return p.errHere("expected an XML element")
	}
	var sec *etree.Element
	if e.Tag == "fencing-topology" {
		sec = s.config()
		if old := sec.SelectElement("fencing-topology"); old != nil {
			sec.RemoveChild(old)
		}
	} else {
		name := xmlSection(e.Tag)
		if name == "" {
			return fmt.Errorf("xml: unknown element <%s>", e.Tag)
		}
		id := e.SelectAttrValue("id", "")
		if id == "" {
			return fmt.Errorf("xml: <%s> has no id", e.Tag)
		}
		if old := s.byID(id); old != nil {
			if old.Tag != e.Tag {
				return fmt.Errorf("xml: id %s is already used by a %s", id, old.Tag)
			}
			parent, at := old.Parent(), old.Index()
			parent.RemoveChild(old)
			parent.InsertChildAt(at, e.Copy())
			s.idx = nil
			return nil
		}
		sec = s.section(name)
	}
	sec.AddChild(e.Copy())
	s.idx = nil
	return nil
}
