package crmlevels

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/beevik/etree"
)

// ErrNoNode is returned when a node name is not configured.
var ErrNoNode = errors.New("not a cluster node")

// FindNode returns the <node> element whose uname (or id) is name.
func FindNode(root *etree.Element, name string) *etree.Element {
	nodes := root.FindElement("./configuration/nodes")
	if nodes == nil {
		return nil
	}
	for _, n := range nodes.SelectElements("node") {
		if n.SelectAttrValue("uname", "") == name {
			return n
		}
	}
	for _, n := range nodes.SelectElements("node") {
		if n.SelectAttrValue("id", "") == name {
			return n
		}
	}
	return nil
}

func node(root *etree.Element, name string) (*etree.Element, error) {
	n := FindNode(root, name)
	if n == nil {
		return nil, fmt.Errorf("node %q: %w", name, ErrNoNode)
	}
	return n, nil
}

// SetStandby sets standby=value in the node's instance attributes as crmsh's
// node standby/online do: into the first existing set, else a new set named
// after the node id (num-ID-instance_attributes for a numeric id).
func SetStandby(root *etree.Element, name, value string) (bool, error) {
	return crmshNodeAttr(root, name, "standby", value, func(id string) string {
		if id != "" && unicode.IsDigit(rune(id[0])) {
			return "num-" + id + "-instance_attributes"
		}
		return id + "-instance_attributes"
	})
}

// SetMaintenance sets maintenance=value as crmsh's node maintenance does
// (a new set is nodes-ID).
func SetMaintenance(root *etree.Element, name, value string) (bool, error) {
	return crmshNodeAttr(root, name, "maintenance", value, func(id string) string { return "nodes-" + id })
}

func crmshNodeAttr(root *etree.Element, name, attr, value string, setID func(string) string) (bool, error) {
	n, err := node(root, name)
	if err != nil {
		return false, err
	}
	return setNV(root, n, "instance_attributes", "", setID(n.SelectAttrValue("id", "")), attr, value), nil
}

// NodeAttrKind selects crm_attribute's node scopes.
type NodeAttrKind int

// The node attribute kinds: permanent attributes (-t nodes), utilization
// (-z) and transient status attributes (-t status).
const (
	NodeAttr NodeAttrKind = iota
	NodeUtilization
	NodeStatusAttr
)

// nodeAttrPlace is where crm_attribute keeps a kind of node attribute: the
// element holding the sets, the set tag and the set id it creates.
func nodeAttrPlace(root *etree.Element, name string, kind NodeAttrKind, create bool) (*etree.Element, string, string, error) {
	n, err := node(root, name)
	if err != nil {
		return nil, "", "", err
	}
	id := n.SelectAttrValue("id", "")
	switch kind {
	case NodeUtilization:
		return n, "utilization", "nodes-" + id + "-utilization", nil
	case NodeStatusAttr:
		st := root.SelectElement("status")
		if st == nil {
			if !create {
				return nil, "", "", nil
			}
			st = root.CreateElement("status")
		}
		var ns *etree.Element
		for _, e := range st.SelectElements("node_state") {
			if e.SelectAttrValue("id", "") == id {
				ns = e
			}
		}
		if ns == nil {
			if !create {
				return nil, "", "", nil
			}
			ns = st.CreateElement("node_state")
			ns.CreateAttr("id", id)
			ns.CreateAttr("uname", n.SelectAttrValue("uname", name))
		}
		ta := ns.SelectElement("transient_attributes")
		if ta == nil {
			if !create {
				return nil, "", "", nil
			}
			ta = ns.CreateElement("transient_attributes")
			ta.CreateAttr("id", id)
		}
		return ta, "instance_attributes", "status-" + id, nil
	}
	return n, "instance_attributes", "nodes-" + id, nil
}

// SetNodeAttr is crm_attribute -N NODE -n NAME -v VALUE for kind: an
// existing nvpair is updated, else it goes into the set nodes-ID
// (nodes-ID-utilization, status-ID), created when missing.
func SetNodeAttr(root *etree.Element, name string, kind NodeAttrKind, attr, value string) (bool, error) {
	if err := validName("attribute", attr); err != nil {
		return false, err
	}
	holder, tag, setID, err := nodeAttrPlace(root, name, kind, true)
	if err != nil {
		return false, err
	}
	return setNV(root, holder, tag, setID, setID, attr, value), nil
}

// GetNodeAttr is crm_attribute -G for kind.
func GetNodeAttr(root *etree.Element, name string, kind NodeAttrKind, attr string) (string, bool, error) {
	holder, tag, _, err := nodeAttrPlace(root, name, kind, false)
	if err != nil || holder == nil {
		return "", false, err
	}
	_, nv := findNV(holder, tag, attr)
	if nv == nil {
		return "", false, nil
	}
	return nv.SelectAttrValue("value", ""), true, nil
}

// DeleteNodeAttr is crm_attribute -D for kind; it reports whether anything
// was removed.
func DeleteNodeAttr(root *etree.Element, name string, kind NodeAttrKind, attr string) (bool, error) {
	holder, tag, _, err := nodeAttrPlace(root, name, kind, false)
	if err != nil || holder == nil {
		return false, err
	}
	return len(deleteNV(holder, tag, attr, false)) > 0, nil
}

// FailCount is the resource's fail count on a node as crm_failcount
// reports it: the sum of its fail-count-RSC and fail-count-RSC#OP_INTERVAL
// transient attributes, "INFINITY" when one is.
func FailCount(root *etree.Element, rsc, name string) (string, error) {
	holder, tag, _, err := nodeAttrPlace(root, name, NodeStatusAttr, false)
	if err != nil {
		return "", err
	}
	total := 0
	if holder != nil {
		for _, set := range holder.SelectElements(tag) {
			for _, nv := range set.SelectElements("nvpair") {
				n := nv.SelectAttrValue("name", "")
				if n != "fail-count-"+rsc && !strings.HasPrefix(n, "fail-count-"+rsc+"#") {
					continue
				}
				v := nv.SelectAttrValue("value", "")
				if v == "INFINITY" || v == "+INFINITY" {
					return "INFINITY", nil
				}
				i, err := strconv.Atoi(v)
				if err != nil {
					continue
				}
				total += i
			}
		}
	}
	return strconv.Itoa(total), nil
}
