package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
)

// renderStatus prints the crm_mon-style status block. This is a minimal stand-in
// until package crmmon (owned by the status/monitor work) provides RenderStatus.
func renderStatus(w io.Writer, c *cluster.Cluster) {
	var online, offline []string
	for _, n := range c.Nodes {
		if n.Type != cluster.NodeMember {
			continue
		}
		if n.Online {
			online = append(online, n.Name)
		} else {
			offline = append(offline, n.Name)
		}
	}
	if len(c.Nodes) > 0 {
		fmt.Fprintln(w, "  * Node List:")
		if len(online) > 0 {
			fmt.Fprintf(w, "    * Online: [ %s ]\n", strings.Join(online, " "))
		}
		if len(offline) > 0 {
			fmt.Fprintf(w, "    * OFFLINE: [ %s ]\n", strings.Join(offline, " "))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "  * Full List of Resources:")
	if len(c.Resources) == 0 {
		fmt.Fprintln(w, "    * No resources")
	}
	for _, r := range c.Resources {
		renderRsc(w, r, "    ")
	}
}

func agentName(r *cluster.Resource) string {
	if r.Provider != "" {
		return r.Class + ":" + r.Provider + ":" + r.Type
	}
	return r.Class + ":" + r.Type
}

func renderRsc(w io.Writer, r *cluster.Resource, indent string) {
	switch r.Kind {
	case cluster.Primitive:
		state := "Stopped"
		if len(r.RunningOn) > 0 {
			names := make([]string, len(r.RunningOn))
			for i, n := range r.RunningOn {
				names[i] = n.Name
			}
			state = r.Role.String() + " " + strings.Join(names, " ")
		}
		fmt.Fprintf(w, "%s* %s\t(%s):\t %s\n", indent, r.ID, agentName(r), state)
	case cluster.Group:
		fmt.Fprintf(w, "%s* Resource Group: %s:\n", indent, r.ID)
		for _, ch := range r.Children {
			renderRsc(w, ch, indent+"  ")
		}
	default:
		fmt.Fprintf(w, "%s* Clone Set: %s [%s]:\n", indent, r.ID, r.ID)
	}
}
