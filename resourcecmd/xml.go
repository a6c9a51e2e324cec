package resourcecmd

import (
	"strconv"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
)

// The *XML functions add the element crm_resource --output-as=xml writes for
// a command to a pacemaker-result root; errors are reported as by the text
// versions (on stderr), which XML output collects.

// ListRawXML is --list-raw: the primitives' ids.
func ListRawXML(root *etree.Element, cl *cluster.Cluster) {
	l := root.CreateElement("list")
	l.CreateAttr("name", "resource names")
	var ids []string
	var walk func(r *cluster.Resource)
	walk = func(r *cluster.Resource) {
		if r.Kind == cluster.Primitive {
			ids = append(ids, r.ID)
			return
		}
		for _, ch := range r.Children {
			walk(ch)
		}
	}
	for _, r := range cl.Resources {
		walk(r)
	}
	l.CreateAttr("count", strconv.Itoa(len(ids)))
	for _, id := range ids {
		it := l.CreateElement("item")
		it.CreateAttr("name", "resource")
		it.SetText(id)
	}
}

// LocateXML is --locate: the nodes r is active on.
func LocateXML(root *etree.Element, r *cluster.Resource, prims []*cluster.Resource) {
	e := root.CreateElement("nodes")
	e.CreateAttr("resource", r.ID)
	for _, l := range locate(r, prims) {
		n := e.CreateElement("node")
		if l.promoted {
			n.CreateAttr("state", "promoted")
		}
		n.SetText(l.node)
	}
}

// ConstraintsXML is --constraints (--stack): the constraints the text lists,
// as constraint elements in the same order.
func ConstraintsXML(root *etree.Element, cl *cluster.Cluster, r *cluster.Resource, recursive bool) {
	e := root.CreateElement("constraints")
	walkConstraints(cl, r, recursive, constraintVisitor{
		locations: func(int, string) {},
		location: func(_ int, rsc string, l locationItem) {
			x := e.CreateElement("rsc_location")
			x.CreateAttr("node", l.node)
			x.CreateAttr("rsc", rsc)
			x.CreateAttr("id", l.id)
			x.CreateAttr("score", l.score)
		},
		colocations: func(int, string, bool) {},
		colocation: func(_ int, rsc string, c colocItem, dependents bool) {
			x := e.CreateElement("rsc_colocation")
			x.CreateAttr("id", c.id)
			dep, prim := rsc, c.other
			if dependents {
				dep, prim = c.other, rsc
			}
			x.CreateAttr("rsc", dep)
			x.CreateAttr("with-rsc", prim)
			x.CreateAttr("score", c.score)
			if c.role != "" {
				x.CreateAttr("with-rsc-role", c.role)
			}
		},
	})
}

// whyCheck is the <check> of a resource: what of its configuration keeps
// it from running.
func whyCheck(parent *etree.Element, r *cluster.Resource) {
	top := r.Top()
	e := parent.CreateElement("check")
	e.CreateAttr("id", top.ID)
	if top.TargetRoleSet && top.TargetRole == cluster.RoleStopped {
		e.CreateAttr("remain_stopped", "true")
	}
	if !top.Managed {
		e.CreateAttr("unmanaged", "true")
	}
}

// WhyXML is --why (optionally for one resource and/or node).
func WhyXML(root *etree.Element, stderr interface{ Write([]byte) (int, error) }, cl *cluster.Cluster, id, node string) error {
	var n *cluster.Node
	if node != "" {
		if n = cl.NodeByName[node]; n == nil {
			return Failf(stderr, "crm_resource", crmexit.NoSuch, "Node '%s' not found", node)
		}
	}
	var r *cluster.Resource
	if id != "" {
		if r = Instance(cl, id); r == nil {
			return Failf(stderr, "crm_resource", crmexit.NoSuch, "Resource '%s' not found", id)
		}
	}
	reason := root.CreateElement("reason")
	switch {
	case r == nil && n != nil:
		list := reason.CreateElement("resources")
		for _, x := range n.RunningRsc {
			e := list.CreateElement("resource")
			e.CreateAttr("id", x.ID)
			e.CreateAttr("running", "true")
			e.CreateAttr("host", n.Name)
			whyCheck(e, x)
		}
	case r == nil:
		list := reason.CreateElement("resources")
		for _, x := range cl.Resources {
			if x.Orphan || x.Implicit {
				continue
			}
			e := list.CreateElement("resource")
			e.CreateAttr("id", x.ID)
			e.CreateAttr("running", strconv.FormatBool(x.Active()))
			whyCheck(e, x)
		}
	default:
		_, prims := Find(cl, id)
		active, _ := ActiveNodes(prims)
		if n != nil {
			for _, a := range active {
				if a == n {
					reason.CreateAttr("running_on", n.Name)
				}
			}
		} else {
			reason.CreateAttr("running", strconv.FormatBool(len(active) > 0))
		}
		whyCheck(reason, r)
	}
	return nil
}
