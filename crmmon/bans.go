package crmmon

import (
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/rules"
)

// Ban is a negative location preference of a resource for a node (crm_mon's
// "bans", -L).
type Ban struct {
	ID, Resource, Node string
	Weight             int
	PromotedOnly       bool
}

// Bans lists the location constraints (or their rules) that give a resource
// a negative score on a node, most recently defined first as crm_mon lists
// them.
func Bans(c *cluster.Cluster, now time.Time) []Ban {
	if c.Root == nil {
		return nil
	}
	cons := c.Root.FindElement("configuration/constraints")
	if cons == nil {
		return nil
	}
	var out []Ban
	locs := cons.SelectElements("rsc_location")
	for i := len(locs) - 1; i >= 0; i-- {
		e := locs[i]
		rsc := e.SelectAttrValue("rsc", "")
		if rsc == "" || c.ByID[rsc] == nil {
			continue
		}
		role := e.SelectAttrValue("role", "")
		if node := e.SelectAttrValue("node", ""); node != "" {
			score, _ := rules.ParseScore(e.SelectAttrValue("score", ""))
			if n := nodeNamed(c, node); n != nil && score < 0 {
				out = append(out, Ban{ID: e.SelectAttrValue("id", ""), Resource: rsc, Node: n.Name, Weight: score, PromotedOnly: promotedRole(role)})
			}
			continue
		}
		rs := e.SelectElements("rule")
		for j := len(rs) - 1; j >= 0; j-- {
			rule := rs[j]
			rrole := role
			if v := rule.SelectAttrValue("role", ""); v != "" {
				rrole = v
			}
			// Nodes matched by a rule come in reverse name order.
			nodes := sortedNodes(c)
			for k := len(nodes) - 1; k >= 0; k-- {
				n := nodes[k]
				ctx := ruleContext(c, n, now)
				if ok, _ := rules.Eval(rule, ctx); !ok {
					continue
				}
				score, _ := rules.Score(rule, ctx)
				if score < 0 {
					out = append(out, Ban{ID: rule.SelectAttrValue("id", ""), Resource: rsc, Node: n.Name, Weight: score, PromotedOnly: promotedRole(rrole)})
				}
			}
		}
	}
	return out
}

func promotedRole(role string) bool {
	return role == "Promoted" || role == "Master"
}

func nodeNamed(c *cluster.Cluster, name string) *cluster.Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// RuleContext is what a location rule sees of node n at time now.
func RuleContext(c *cluster.Cluster, n *cluster.Node, now time.Time) *rules.Context {
	return ruleContext(c, n, now)
}

// SortedNodes lists the nodes in Pacemaker's order (natural name order).
func SortedNodes(c *cluster.Cluster) []*cluster.Node { return sortedNodes(c) }

// ruleContext is what a location rule sees of node n.
func ruleContext(c *cluster.Cluster, n *cluster.Node, now time.Time) *rules.Context {
	attrs := map[string]string{"#uname": n.Name, "#id": n.ID, "#is_dc": "false"}
	switch n.Type {
	case cluster.NodeRemote:
		attrs["#kind"] = "remote"
	case cluster.NodeGuest:
		attrs["#kind"] = "container"
	default:
		attrs["#kind"] = "cluster"
	}
	if c.DC == n {
		attrs["#is_dc"] = "true"
	}
	for k, v := range n.Attrs {
		attrs[k] = v
	}
	return &rules.Context{NodeAttrs: attrs, Now: now}
}

// Ticket is a cluster ticket as crm_mon shows it.
type Ticket struct {
	ID               string
	Granted, Standby bool
	LastGranted      int64 // seconds since the epoch, 0 when unknown
}

// Tickets lists the tickets of the status section, then those only named by
// rsc_ticket constraints (revoked).
func Tickets(c *cluster.Cluster) []Ticket {
	if c.Root == nil {
		return nil
	}
	var out []Ticket
	seen := map[string]bool{}
	if st := c.Root.FindElement("status/tickets"); st != nil {
		for _, t := range st.SelectElements("ticket_state") {
			id := t.SelectAttrValue("id", "")
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, Ticket{
				ID:          id,
				Granted:     cluster.IsTrue(t.SelectAttrValue("granted", "false")),
				Standby:     cluster.IsTrue(t.SelectAttrValue("standby", "false")),
				LastGranted: int64(cluster.ParseInt(t.SelectAttrValue("last-granted", ""), 0)),
			})
		}
	}
	if cons := c.Root.FindElement("configuration/constraints"); cons != nil {
		var walk func(e *etree.Element)
		walk = func(e *etree.Element) {
			for _, x := range e.ChildElements() {
				if x.Tag == "rsc_ticket" {
					if id := x.SelectAttrValue("ticket", ""); id != "" && !seen[id] {
						seen[id] = true
						out = append(out, Ticket{ID: id})
					}
				}
			}
		}
		walk(cons)
	}
	return out
}
