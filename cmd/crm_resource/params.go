package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// attrSetTag is the attribute set -g/-p/-d work on.
func attrSetTag(o *options) string {
	switch {
	case o.meta:
		return "meta_attributes"
	case o.utilization:
		return "utilization"
	}
	return "instance_attributes"
}

// findNVPair finds the nvpair named name (or with id nvID) in el's sets of
// kind tag (restricted to set setID when given).
func findNVPair(el *etree.Element, tag, name, setID, nvID string) *etree.Element {
	for _, set := range el.SelectElements(tag) {
		if setID != "" && set.SelectAttrValue("id", "") != setID {
			continue
		}
		for _, nv := range set.SelectElements("nvpair") {
			if nvID != "" && nv.SelectAttrValue("id", "") == nvID {
				return nv
			}
			if nvID == "" && nv.SelectAttrValue("name", "") == name {
				return nv
			}
		}
	}
	return nil
}

// paramCommand implements -g/--get-parameter, -p/--set-parameter and
// -d/--delete-parameter on a resource's attributes.
func paramCommand(ctx context.Context, o *options, stdout, stderr io.Writer, _ func(string) string) error {
	if o.resource == "" {
		fmt.Fprintln(stderr, "crm_resource: Must supply a resource id with -r")
		return fail(crmexit.Usage)
	}
	if o.setParam != "" && o.paramValue == "" {
		fmt.Fprintln(stderr, "crm_resource: You need to supply a value with the -v option")
		return fail(crmexit.Usage)
	}
	tag := attrSetTag(o)
	notFound := func() error {
		fmt.Fprintf(stderr, "crm_resource: Resource '%s' not found\nError performing operation: %s\n", o.resource, crmexit.NoSuch)
		return fail(crmexit.NoSuch)
	}
	if o.getParam != "" {
		c, err := readCIB(ctx, stderr)
		if err != nil {
			return err
		}
		el := findResource(c, o.resource)
		if el == nil {
			return notFound()
		}
		// Pacemaker names the resource it resolved (a clone's child is its
		// first instance) and warns about a resource active on several
		// nodes.
		name, multi := o.resource, false
		if cl, err := resourcecmd.View(c, time.Now()); err == nil {
			if r := resourcecmd.Instance(cl, o.resource); r != nil {
				name = r.ID
				_, prims := resourcecmd.Find(cl, o.resource)
				nodes, _ := resourcecmd.ActiveNodes(prims)
				multi = len(nodes) > 1
			}
		}
		if multi {
			fmt.Fprintf(stderr, "%s is active on more than one node, returning the default value for %s\n", name, o.getParam)
		}
		nv := findNVPair(el, tag, o.getParam, "", "")
		if nv == nil {
			fmt.Fprintf(stderr, "Attribute '%s' not found for '%s'\n", o.getParam, name)
			return nil
		}
		fmt.Fprintln(stdout, nv.SelectAttrValue("value", ""))
		return nil
	}

	be, err := cibclient.Open(ctx)
	if err != nil {
		_, rerr := readCIB(ctx, stderr)
		return rerr
	}
	defer be.Close()
	var message string
	missing := false
	err = be.Update(ctx, func(c *cib.CIB) error {
		el := findResource(c, o.resource)
		if el == nil {
			missing = true
			return fail(crmexit.NoSuch)
		}
		rid := el.SelectAttrValue("id", "")
		if o.delParam != "" {
			nv := findNVPair(el, tag, o.delParam, o.setName, o.nvpair)
			if nv == nil {
				return nil
			}
			id := nv.SelectAttrValue("id", "")
			message = fmt.Sprintf("Deleted '%s' option: id=%s name=%s", o.resource, id, o.delParam)
			x := etree.NewElement("nvpair")
			x.CreateAttr("id", id)
			return c.Delete("resources", x)
		}
		if nv := findNVPair(el, tag, o.setParam, o.setName, o.nvpair); nv != nil {
			id := nv.SelectAttrValue("id", "")
			x := etree.NewElement("nvpair")
			x.CreateAttr("id", id)
			x.CreateAttr("name", o.setParam)
			x.CreateAttr("value", o.paramValue)
			message = fmt.Sprintf("Set '%s' option: id=%s name=%s value=%s", o.resource, id, o.setParam, o.paramValue)
			return c.Modify("resources", x, false)
		}
		// A new attribute goes in the resource's default set
		// (RSC-instance_attributes, ...), created when missing.
		setID := o.setName
		if setID == "" {
			setID = rid + "-" + tag
		}
		nvID := o.nvpair
		if nvID == "" {
			nvID = setID + "-" + o.setParam
		}
		x := etree.NewElement(el.Tag)
		x.CreateAttr("id", rid)
		set := x.CreateElement(tag)
		set.CreateAttr("id", setID)
		nv := set.CreateElement("nvpair")
		nv.CreateAttr("id", nvID)
		nv.CreateAttr("name", o.setParam)
		nv.CreateAttr("value", o.paramValue)
		message = fmt.Sprintf("Set '%s' option: id=%s set=%s name=%s value=%s", o.resource, nvID, setID, o.setParam, o.paramValue)
		return c.Modify("resources", x, false)
	})
	if missing {
		return notFound()
	}
	if err != nil {
		fmt.Fprintf(stderr, "crm_resource: Error performing operation: %v\n", err)
		return crmexit.Wrap(crmexit.Of(err), reported{Code: crmexit.Of(err)})
	}
	if message != "" && !o.quiet {
		fmt.Fprintln(stdout, message)
	}
	return nil
}
