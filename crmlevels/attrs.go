package crmlevels

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// ids collects every id in the document, for crmsh-style unique ids.
func ids(root *etree.Element) map[string]bool {
	seen := map[string]bool{}
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if id := e.SelectAttrValue("id", ""); id != "" {
			seen[id] = true
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(root)
	return seen
}

// uniqueID is base when free, else base-0, base-1, ... (crmsh's rule).
func uniqueID(root *etree.Element, base string) string {
	seen := ids(root)
	if !seen[base] {
		return base
	}
	for i := 0; ; i++ {
		if id := fmt.Sprintf("%s-%d", base, i); !seen[id] {
			return id
		}
	}
}

// findNV finds the nvpair called name in e's direct children of kind tag
// (meta_attributes, instance_attributes, utilization).
func findNV(e *etree.Element, tag, name string) (*etree.Element, *etree.Element) {
	for _, set := range e.SelectElements(tag) {
		for _, nv := range set.SelectElements("nvpair") {
			if nv.SelectAttrValue("name", "") == name {
				return set, nv
			}
		}
	}
	return nil, nil
}

func newNV(id, name, value string) *etree.Element {
	nv := etree.NewElement("nvpair")
	nv.CreateAttr("id", id)
	nv.CreateAttr("name", name)
	nv.CreateAttr("value", value)
	return nv
}

// setNV sets name=value in e's sets of kind tag: an existing nvpair is
// updated; otherwise it goes into the set with id setID (or the first set
// when setID is ""), created at the end of e as setID or defaultSetID when
// missing. It reports whether anything changed.
func setNV(root, e *etree.Element, tag, setID, defaultSetID, name, value string) bool {
	if _, nv := findNV(e, tag, name); nv != nil {
		if nv.SelectAttrValue("value", "") == value {
			return false
		}
		nv.CreateAttr("value", value)
		return true
	}
	var set *etree.Element
	for _, s := range e.SelectElements(tag) {
		if setID == "" || s.SelectAttrValue("id", "") == setID {
			set = s
			break
		}
	}
	if set == nil {
		id := setID
		if id == "" {
			id = uniqueID(root, defaultSetID)
		}
		set = e.CreateElement(tag)
		set.CreateAttr("id", id)
	}
	set.AddChild(newNV(uniqueID(root, set.SelectAttrValue("id", "")+"-"+name), name, value))
	return true
}

// deleteNV removes every nvpair called name from e's sets of kind tag,
// dropping sets left empty; it returns the removed ids.
func deleteNV(e *etree.Element, tag, name string, dropEmpty bool) []string {
	var removed []string
	for _, set := range e.SelectElements(tag) {
		for _, nv := range set.SelectElements("nvpair") {
			if nv.SelectAttrValue("name", "") == name {
				removed = append(removed, nv.SelectAttrValue("id", ""))
				set.RemoveChild(nv)
			}
		}
		if dropEmpty && len(set.ChildElements()) == 0 {
			e.RemoveChild(set)
		}
	}
	return removed
}

// validName rejects attribute names that cannot be an XML attribute value
// worth writing (empty or with spaces).
func validName(what, s string) error {
	if s == "" || strings.ContainsAny(s, " \t\n") {
		return fmt.Errorf("invalid %s name %q", what, s)
	}
	return nil
}
