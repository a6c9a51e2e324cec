package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/crmlevels"
)

// node runs crm node SUBCOMMAND ....
func (a *app) node(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("node: missing subcommand (standby, online, maintenance, ready, attribute, utilization, status-attr, show)")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "list":
		fmt.Fprintf(a.stdout, "WARNING: This command 'list' is deprecated, please use 'show'\n")
		a.info(`"list" is accepted as "show"`)
		cmd = "show"
	case "status":
		a.info(`"status" is accepted as "status-attr"`)
		cmd = "status-attr"
	}
	switch cmd {
	case "standby", "online", "maintenance", "ready":
		return a.nodeState(ctx, cmd, rest)
	case "attribute":
		return a.nodeAttr(ctx, cmd, crmlevels.NodeAttr, "nodes", rest)
	case "utilization":
		return a.nodeAttr(ctx, cmd, crmlevels.NodeUtilization, "nodes", rest)
	case "status-attr":
		return a.nodeAttr(ctx, cmd, crmlevels.NodeStatusAttr, "status", rest)
	case "show":
		return a.nodeShow(ctx, rest)
	case "clearstate", "delete", "fence", "server":
		return crmexit.Wrap(crmexit.Unimplemented, fmt.Errorf("node %s: not implemented yet in Pacer's crm", cmd))
	}
	return usageErr("node: unknown command %q", cmd)
}

// nodeState is standby/online/maintenance/ready [NODE] [lifetime].
func (a *app) nodeState(ctx context.Context, cmd string, rest []string) error {
	name := localNode(ctx)
	lifetime := "forever"
	if len(rest) > 0 {
		name = rest[0]
	}
	if len(rest) > 1 {
		lifetime = rest[1]
	}
	if len(rest) > 2 || (lifetime != "forever" && lifetime != "reboot") || (lifetime == "reboot" && (cmd == "maintenance" || cmd == "ready")) {
		return usageErr("node.%s: Node %q is not a cluster node", cmd, rest[len(rest)-1])
	}
	err := a.edit(ctx, func(c *cib.CIB, _ *cluster.Cluster) error {
		root := c.Root()
		if crmlevels.FindNode(root, name) == nil {
			return usageErr("node.%s: Node %q is not a cluster node", cmd, name)
		}
		var err error
		switch cmd {
		case "standby", "online":
			value := map[string]string{"standby": "on", "online": "off"}[cmd]
			if lifetime == "reboot" {
				_, err = crmlevels.SetNodeAttr(root, name, crmlevels.NodeStatusAttr, "standby", value)
			} else {
				_, err = crmlevels.SetStandby(root, name, value)
				if err == nil && cmd == "online" {
					// Online also ends a standby until reboot.
					_, err = crmlevels.DeleteNodeAttr(root, name, crmlevels.NodeStatusAttr, "standby")
				}
			}
		case "maintenance":
			_, err = crmlevels.SetMaintenance(root, name, "true")
		case "ready":
			_, err = crmlevels.SetNodeAttr(root, name, crmlevels.NodeAttr, "maintenance", "off")
		}
		return err
	})
	if err != nil {
		return err
	}
	if cmd == "standby" || cmd == "online" {
		a.info("%s node %s", cmd, name)
	}
	return nil
}

// nodeAttr is attribute/utilization/status-attr NODE set|delete|show NAME [VALUE],
// done as crm_attribute does.
func (a *app) nodeAttr(ctx context.Context, cmd string, kind crmlevels.NodeAttrKind, scope string, rest []string) error {
	if len(rest) < 3 {
		return usageErr("node.%s: Expected (node cmd attr [value]), takes at least 3 arguments (%d given)", cmd, len(rest))
	}
	name, op, attr := rest[0], rest[1], rest[2]
	switch op {
	case "set":
		if len(rest) != 4 {
			return usageErr("node.%s: set needs <name> <value>", cmd)
		}
		return a.edit(ctx, func(c *cib.CIB, _ *cluster.Cluster) error {
			_, err := crmlevels.SetNodeAttr(c.Root(), name, kind, attr, rest[3])
			return a.attrErr(err, name)
		})
	case "delete":
		if len(rest) != 3 {
			return usageErr("node.%s: delete needs <name>", cmd)
		}
		return a.edit(ctx, func(c *cib.CIB, _ *cluster.Cluster) error {
			ok, err := crmlevels.DeleteNodeAttr(c.Root(), name, kind, attr)
			if err == nil && !ok {
				fmt.Fprintf(a.stderr, "Deleted %s attribute: name=%s (not present)\n", scope, attr)
			}
			return a.attrErr(err, name)
		})
	case "show", "get":
		if len(rest) != 3 {
			return usageErr("node.%s: show needs <name>", cmd)
		}
		c, err := a.readCIB(ctx)
		if err != nil {
			return err
		}
		v, ok, err := crmlevels.GetNodeAttr(c.Root(), name, kind, attr)
		if err != nil {
			return a.attrErr(err, name)
		}
		if !ok {
			fmt.Fprintf(a.stdout, "scope=%s  name=%s value=(null)\n", scope, attr)
			fmt.Fprintf(a.stderr, "crm_attribute: Error performing operation: No such device or address\n")
			return crmexit.Wrap(crmexit.Err, errReported)
		}
		fmt.Fprintf(a.stdout, "scope=%s  name=%s value=%s\n", scope, attr, v)
		return nil
	}
	return usageErr("node.%s: unknown command %q (set, delete, show)", cmd, op)
}

func (a *app) attrErr(err error, node string) error {
	if errors.Is(err, crmlevels.ErrNoNode) {
		return usageErr("Node %s not found", node)
	}
	if err != nil {
		return crmexit.Wrap(crmexit.Err, err)
	}
	return nil
}

// nodeShow prints crmsh's node show: NAME(ID): TYPE, then the node's
// attributes on one line after a tab.
func (a *app) nodeShow(ctx context.Context, rest []string) error {
	c, err := a.readCIB(ctx)
	if err != nil {
		return err
	}
	nodes := c.Root().FindElement("./configuration/nodes")
	if nodes == nil {
		return nil
	}
	found := len(rest) == 0
	for _, n := range nodes.SelectElements("node") {
		uname := n.SelectAttrValue("uname", n.SelectAttrValue("id", ""))
		if len(rest) > 0 && uname != rest[0] {
			continue
		}
		found = true
		fmt.Fprintf(a.stdout, "%s(%s): %s\n", uname, n.SelectAttrValue("id", ""), n.SelectAttrValue("type", "member"))
		var attrs []string
		for _, set := range n.SelectElements("instance_attributes") {
			for _, nv := range set.SelectElements("nvpair") {
				attrs = append(attrs, nv.SelectAttrValue("name", "")+"="+nv.SelectAttrValue("value", ""))
			}
		}
		if len(attrs) > 0 {
			fmt.Fprintf(a.stdout, "\t%s\n", strings.Join(attrs, " "))
		}
	}
	if !found {
		return usageErr("node.show: Node %q is not a cluster node", rest[0])
	}
	return nil
}
