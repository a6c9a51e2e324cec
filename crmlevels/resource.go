package crmlevels

import (
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"
)

// resourceKinds are the elements a resource id can name.
var resourceKinds = map[string]bool{
	"primitive": true, "group": true, "clone": true, "master": true, "bundle": true,
}

// ErrNoResource is returned when a resource id is not configured.
var ErrNoResource = errors.New("resource not found")

// FindResource returns the configured resource element with id.
func FindResource(root *etree.Element, id string) *etree.Element {
	res := root.FindElement("./configuration/resources")
	if res == nil {
		return nil
	}
	var walk func(e *etree.Element) *etree.Element
	walk = func(e *etree.Element) *etree.Element {
		for _, c := range e.ChildElements() {
			if !resourceKinds[c.Tag] {
				continue
			}
			if c.SelectAttrValue("id", "") == id {
				return c
			}
			if f := walk(c); f != nil {
				return f
			}
		}
		return nil
	}
	return walk(res)
}

func isClone(e *etree.Element) bool { return e != nil && (e.Tag == "clone" || e.Tag == "master") }

// SetDeepMeta sets a meta attribute the way crmsh's resource start, stop,
// manage and unmanage do: on a clone (or on the clone of a clone's direct
// child) the attribute goes on the clone and is dropped from its child;
// anything else gets it on itself. It reports whether the CIB changed.
func SetDeepMeta(root *etree.Element, rsc, name, value string) (bool, error) {
	e := FindResource(root, rsc)
	if e == nil {
		return false, fmt.Errorf("resource not found: %s: %w", rsc, ErrNoResource)
	}
	target := e
	if p := e.Parent(); !isClone(e) && isClone(p) {
		target = p
	}
	changed := false
	if isClone(target) {
		for _, ch := range target.ChildElements() {
			if resourceKinds[ch.Tag] && len(deleteNV(ch, "meta_attributes", name, true)) > 0 {
				changed = true
			}
		}
	}
	id := target.SelectAttrValue("id", "")
	if setNV(root, target, "meta_attributes", "", id+"-meta_attributes", name, value) {
		changed = true
	}
	return changed, nil
}

// AttrKind selects crm_resource's instance attributes (param) or meta
// attributes (meta).
type AttrKind string

// The kinds of resource attributes.
const (
	Params AttrKind = "instance_attributes"
	Meta   AttrKind = "meta_attributes"
)

// SetAttr is crm_resource --set-parameter (with --meta for Meta): it updates
// an existing nvpair or adds one to the resource's first set of that kind
// (RSC-instance_attributes / RSC-meta_attributes when there is none),
// printing crm_resource's confirmation to w.
func SetAttr(root *etree.Element, w io.Writer, rsc string, kind AttrKind, name, value string) error {
	e := FindResource(root, rsc)
	if e == nil {
		return fmt.Errorf("Resource '%s' not found: %w", rsc, ErrNoResource)
	}
	if err := validName("attribute", name); err != nil {
		return err
	}
	tag := string(kind)
	if _, nv := findNV(e, tag, name); nv != nil {
		nv.CreateAttr("value", value)
		fmt.Fprintf(w, "Set '%s' option: id=%s name=%s value=%s\n", rsc, nv.SelectAttrValue("id", ""), name, value)
		return nil
	}
	setNV(root, e, tag, "", rsc+"-"+tag, name, value)
	set, nv := findNV(e, tag, name)
	fmt.Fprintf(w, "Set '%s' option: id=%s set=%s name=%s value=%s\n", rsc, nv.SelectAttrValue("id", ""), set.SelectAttrValue("id", ""), name, value)
	return nil
}

// GetAttr is crm_resource --get-parameter: the value, or ok=false when the
// resource has no such attribute.
func GetAttr(root *etree.Element, rsc string, kind AttrKind, name string) (string, bool, error) {
	e := FindResource(root, rsc)
	if e == nil {
		return "", false, fmt.Errorf("Resource '%s' not found: %w", rsc, ErrNoResource)
	}
	_, nv := findNV(e, string(kind), name)
	if nv == nil {
		return "", false, nil
	}
	return nv.SelectAttrValue("value", ""), true, nil
}

// DeleteAttr is crm_resource --delete-parameter, printing the deleted ids
// to w; deleting a missing attribute changes nothing and reports ok=false.
func DeleteAttr(root *etree.Element, w io.Writer, rsc string, kind AttrKind, name string) (bool, error) {
	e := FindResource(root, rsc)
	if e == nil {
		return false, fmt.Errorf("Resource '%s' not found: %w", rsc, ErrNoResource)
	}
	removed := deleteNV(e, string(kind), name, false)
	for _, id := range removed {
		fmt.Fprintf(w, "Deleted '%s' option: id=%s name=%s\n", rsc, id, name)
	}
	return len(removed) > 0, nil
}
