package resourcecmd

import (
	"fmt"

	"github.com/pacer-ha/pacer/cib"
)

// Member is one cluster node as crm_node lists it.
type Member struct {
	ID, Name string
	// InCCM reports whether the node is in the membership (node_state
	// in_ccm="true"); crm_node prints it as "member", else "lost".
	InCCM bool
}

// State is the membership word crm_node prints.
func (m Member) State() string {
	if m.InCCM {
		return "member"
	}
	return "lost"
}

// Members lists the cluster (not remote) nodes of the configuration, then
// node_state entries of nodes not configured, in CIB order.
func Members(c *cib.CIB) []Member {
	var out []Member
	idx := map[string]int{}
	if nodes := c.Section("nodes"); nodes != nil {
		for _, n := range nodes.SelectElements("node") {
			t := n.SelectAttrValue("type", "member")
			if t != "member" && t != "normal" && t != "" {
				continue
			}
			idx[n.SelectAttrValue("id", "")] = len(out)
			out = append(out, Member{ID: n.SelectAttrValue("id", ""), Name: n.SelectAttrValue("uname", "")})
		}
	}
	if st := c.Section("status"); st != nil {
		for _, ns := range st.SelectElements("node_state") {
			if ns.SelectAttrValue("remote_node", "") == "true" {
				continue
			}
			id := ns.SelectAttrValue("id", "")
			in := ns.SelectAttrValue("in_ccm", "") == "true"
			if i, ok := idx[id]; ok {
				out[i].InCCM = in
				continue
			}
			idx[id] = len(out)
			out = append(out, Member{ID: id, Name: ns.SelectAttrValue("uname", ""), InCCM: in})
		}
	}
	return out
}

// HaveQuorum is the CIB root's have-quorum.
func HaveQuorum(c *cib.CIB) bool {
	switch c.Root().SelectAttrValue("have-quorum", "0") {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// RemoveNode deletes the node named name from the nodes section and its
// node_state from the status section, reporting whether it found either.
func RemoveNode(c *cib.CIB, name string) (bool, error) {
	found := false
	for _, xp := range []string{
		"/cib/configuration/nodes/node[@uname=" + xpathQuote(name) + "]",
		"/cib/status/node_state[@uname=" + xpathQuote(name) + "]",
	} {
		m, err := c.XPath(xp)
		if err != nil {
			return false, fmt.Errorf("find node %s: %w", name, err)
		}
		if len(m) == 0 {
			continue
		}
		found = true
		if err := c.DeleteXPath(xp, true); err != nil {
			return false, fmt.Errorf("remove node %s: %w", name, err)
		}
	}
	return found, nil
}
