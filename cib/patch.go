package cib

import (
	"fmt"
	"strconv"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/crmexit"
)

// ApplyPatch applies a Pacemaker XML patchset (format 2, what crm_diff writes and
// `cibadmin --patch` takes). The CIB must be at the patch's source version: a newer
// CIB is crmexit.Old, an older one cannot take the patch (crmexit.Err, Pacemaker's
// "Application of update diff failed, requesting full refresh"). The changes (create,
// delete, modify, move; each naming its element by XPath) are applied in order, the
// result is validated and the counters move as for any other change. On any error
// the CIB is left as it was.
func (c *CIB) ApplyPatch(diff *etree.Element) error {
	if diff == nil || diff.Tag != "diff" {
		return crmexit.New(crmexit.DataErr, "not a patch: expected a <diff> element")
	}
	if f := diff.SelectAttrValue("format", "1"); f != "2" {
		return crmexit.New(crmexit.Unimplemented, "patch format %s is not supported (only format 2, what crm_diff writes)", f)
	}
	if ver := diff.SelectElement("version"); ver != nil {
		if src := ver.SelectElement("source"); src != nil {
			sv := Version{AdminEpoch: intAttr(src, "admin_epoch"), Epoch: intAttr(src, "epoch"), NumUpdates: intAttr(src, "num_updates")}
			switch cur := c.Version(); cur.Compare(sv) {
			case 1:
				return crmexit.New(crmexit.Old, "Update was older than existing configuration: the patch applies to %s, the CIB is at %s", sv, cur)
			case -1:
				return crmexit.New(crmexit.Err, "Application of update diff failed, requesting full refresh: the patch applies to %s, the CIB is only at %s", sv, cur)
			}
		}
	}
	return c.applyInPlace(func(ed *edit) error {
		for i, ch := range diff.SelectElements("change") {
			if err := c.applyChange(ed, ch); err != nil {
				return crmexit.Wrap(crmexit.Of(err), fmt.Errorf("Application of update diff failed: change %d (%s %s): %w",
					i+1, ch.SelectAttrValue("operation", ""), ch.SelectAttrValue("path", ""), err))
			}
		}
		return nil
	})
}

func (c *CIB) patchTarget(path string) (*etree.Element, error) {
	m, err := c.XPath(path)
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, crmexit.New(crmexit.NoSuch, "no element at %s", path)
	}
	return m[0], nil
}

// childIndex converts a position among element (and comment) children into an index
// in e.Child, which also holds text.
func childIndex(e *etree.Element, pos int) int {
	n := 0
	for i, t := range e.Child {
		switch t.(type) {
		case *etree.Element, *etree.Comment:
			if n == pos {
				return i
			}
			n++
		}
	}
	return len(e.Child)
}

func (c *CIB) applyChange(ed *edit, ch *etree.Element) error {
	op, path := ch.SelectAttrValue("operation", ""), ch.SelectAttrValue("path", "")
	switch op {
	case "create":
		parent, err := c.patchTarget(path)
		if err != nil {
			return err
		}
		kids := ch.ChildElements()
		if len(kids) != 1 {
			return crmexit.New(crmexit.DataErr, "a create change must hold exactly one element")
		}
		pos, err := strconv.Atoi(ch.SelectAttrValue("position", "-1"))
		if err != nil {
			return crmexit.New(crmexit.DataErr, "bad position %q", ch.SelectAttrValue("position", ""))
		}
		e := kids[0].Copy()
		idx := len(parent.Child)
		if pos >= 0 {
			idx = childIndex(parent, pos)
		}
		parent.InsertChildAt(idx, e)
		ed.undo = append(ed.undo, func() { parent.RemoveChild(e) })
		ed.touched(e)
		ed.tidy = append(ed.tidy, parent)
		ed.fresh = append(ed.fresh, e)
	case "delete":
		e, err := c.patchTarget(path)
		if err != nil {
			return err
		}
		if e == c.Root() {
			return crmexit.New(crmexit.DataErr, "a patch cannot delete the root element")
		}
		ed.remove(e)
	case "modify":
		e, err := c.patchTarget(path)
		if err != nil {
			return err
		}
		old := append([]etree.Attr(nil), e.Attr...)
		ed.undo = append(ed.undo, func() { e.Attr = old })
		list := ch.SelectElement("change-list")
		if list == nil {
			return crmexit.New(crmexit.DataErr, "a modify change needs a <change-list>")
		}
		for _, a := range list.SelectElements("change-attr") {
			name := a.SelectAttrValue("name", "")
			switch a.SelectAttrValue("operation", "") {
			case "set":
				e.CreateAttr(name, a.SelectAttrValue("value", ""))
			case "unset":
				e.RemoveAttr(name)
			default:
				return crmexit.New(crmexit.DataErr, "unknown attribute operation %q", a.SelectAttrValue("operation", ""))
			}
		}
		ed.touched(e)
	case "move":
		e, err := c.patchTarget(path)
		if err != nil {
			return err
		}
		parent := e.Parent()
		if e == c.Root() || parent == nil {
			return crmexit.New(crmexit.DataErr, "a patch cannot move the root element")
		}
		pos, err := strconv.Atoi(ch.SelectAttrValue("position", ""))
		if err != nil || pos < 0 {
			return crmexit.New(crmexit.DataErr, "bad position %q", ch.SelectAttrValue("position", ""))
		}
		from := e.Index()
		parent.RemoveChildAt(from)
		parent.InsertChildAt(childIndex(parent, pos), e)
		ed.undo = append(ed.undo, func() {
			parent.RemoveChild(e)
			parent.InsertChildAt(from, e)
		})
		ed.touched(e)
		ed.tidy = append(ed.tidy, parent)
	default:
		return crmexit.New(crmexit.DataErr, "unknown change operation %q", op)
	}
	return nil
}
