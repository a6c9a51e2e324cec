package resourcecmd

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
)

// NodeRef is a node as found in the CIB: its id and name.
type NodeRef struct{ ID, Name string }

// LookupNode maps a node name to its id as crm_attribute does: configured
// nodes first, then node_state entries (remote nodes).
func LookupNode(c *cib.CIB, name string) (NodeRef, bool) {
	if nodes := c.Section("nodes"); nodes != nil {
		for _, n := range nodes.SelectElements("node") {
			if n.SelectAttrValue("uname", "") == name {
				return NodeRef{n.SelectAttrValue("id", ""), name}, true
			}
		}
	}
	if st := c.Section("status"); st != nil {
		for _, ns := range st.SelectElements("node_state") {
			if ns.SelectAttrValue("uname", "") == name {
				return NodeRef{ns.SelectAttrValue("id", ""), name}, true
			}
		}
	}
	return NodeRef{}, false
}

// LocalNodeName is the name this node has in the cluster: the local crmd's
// node name on a live cluster, else the host name (uname -n, up to the first
// dot).
func LocalNodeName(ctx context.Context) string {
	if n, ok := cibclient.LocalNode(ctx, os.Getenv); ok {
		return n
	}
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	return h
}

// Scope is where a node attribute lives: "nodes" (lifetime forever) or
// "status" (lifetime reboot, transient).
type Scope string

// Node attribute scopes.
const (
	ScopeNodes  Scope = "nodes"
	ScopeStatus Scope = "status"
)

// ScopeFor maps a --lifetime value to its scope.
func ScopeFor(lifetime string) (Scope, bool) {
	switch lifetime {
	case "forever", "":
		return ScopeNodes, true
	case "reboot":
		return ScopeStatus, true
	}
	return "", false
}

func (s Scope) holder(c *cib.CIB, n NodeRef) *etree.Element {
	sec := c.Section(string(s))
	if sec == nil {
		return nil
	}
	if s == ScopeNodes {
		for _, e := range sec.SelectElements("node") {
			if e.SelectAttrValue("id", "") == n.ID {
				return e
			}
		}
		return nil
	}
	for _, e := range sec.SelectElements("node_state") {
		if e.SelectAttrValue("id", "") == n.ID {
			if ta := e.SelectElement("transient_attributes"); ta != nil {
				return ta
			}
			return nil
		}
	}
	return nil
}

// FindNodeAttr is the node attribute nvpair named name (or with id) in scope.
func FindNodeAttr(c *cib.CIB, s Scope, n NodeRef, name, id string) *etree.Element {
	h := s.holder(c, n)
	if h == nil {
		return nil
	}
	for _, set := range h.SelectElements("instance_attributes") {
		for _, nv := range set.SelectElements("nvpair") {
			if (id != "" && nv.SelectAttrValue("id", "") == id) || (id == "" && nv.SelectAttrValue("name", "") == name) {
				return nv
			}
		}
	}
	return nil
}

// SetNodeAttr sets a node attribute as crm_attribute does: an existing
// nvpair is updated, a new one goes to the set "nodes-ID" ("status-ID" for
// transient attributes) with id "SET-NAME" (or id when given).
func SetNodeAttr(c *cib.CIB, s Scope, n NodeRef, name, value, id string) error {
	if nv := FindNodeAttr(c, s, n, name, id); nv != nil {
		x := etree.NewElement("nvpair")
		x.CreateAttr("id", nv.SelectAttrValue("id", ""))
		x.CreateAttr("name", name)
		x.CreateAttr("value", value)
		return c.Modify(string(s), x, false)
	}
	setID := string(s) + "-" + n.ID
	if id == "" {
		id = setID + "-" + name
	}
	var x, set *etree.Element
	if s == ScopeNodes {
		x = etree.NewElement("node")
		x.CreateAttr("id", n.ID)
		set = x.CreateElement("instance_attributes")
	} else {
		if c.Section("status") == nil || func() bool {
			for _, e := range c.Section("status").SelectElements("node_state") {
				if e.SelectAttrValue("id", "") == n.ID {
					return false
				}
			}
			return true
		}() {
			return crmexit.New(crmexit.NoSuch, "Error setting %s=%s (section=status, set=%s): No such device or address", name, value, setID)
		}
		x = etree.NewElement("node_state")
		x.CreateAttr("id", n.ID)
		ta := x.CreateElement("transient_attributes")
		ta.CreateAttr("id", n.ID)
		set = ta.CreateElement("instance_attributes")
	}
	set.CreateAttr("id", setID)
	nv := set.CreateElement("nvpair")
	nv.CreateAttr("id", id)
	nv.CreateAttr("name", name)
	nv.CreateAttr("value", value)
	if err := c.Modify(string(s), x, false); err != nil {
		return fmt.Errorf("set node attribute %s: %w", name, err)
	}
	return nil
}

// DeleteNodeAttr removes a node attribute, returning the deleted nvpair's
// id ("" when there was none).
func DeleteNodeAttr(c *cib.CIB, s Scope, n NodeRef, name, id string) (string, error) {
	nv := FindNodeAttr(c, s, n, name, id)
	if nv == nil {
		return "", nil
	}
	nvID := nv.SelectAttrValue("id", "")
	setID := nv.Parent().SelectAttrValue("id", "")
	base := "/cib/configuration/nodes/node[@id=" + xpathQuote(n.ID) + "]"
	if s == ScopeStatus {
		base = "/cib/status/node_state[@id=" + xpathQuote(n.ID) + "]/transient_attributes"
	}
	xp := base + "/instance_attributes[@id=" + xpathQuote(setID) + "]/nvpair[@id=" + xpathQuote(nvID) + "]"
	if err := c.DeleteXPath(xp, true); err != nil {
		return "", fmt.Errorf("delete node attribute %s: %w", name, err)
	}
	return nvID, nil
}
