package resourcecmd

import (
	"fmt"
	"io"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
)

// Instance is the resource Pacemaker reports for id: a clone's configured
// child stands for its first active instance (else its first).
func Instance(cl *cluster.Cluster, id string) *cluster.Resource {
	r, prims := Find(cl, id)
	if r != nil && r.Kind == cluster.Primitive && !r.IsInstance() && cloneOf(r) != nil && len(prims) > 0 {
		return prims[0]
	}
	return r
}

// Why writes crm_resource --why for one resource (on one node with -N):
// whether it is running.
func Why(stdout, stderr io.Writer, cl *cluster.Cluster, id, node string) error {
	var n *cluster.Node
	if node != "" {
		if n = cl.NodeByName[node]; n == nil {
			return Failf(stderr, "crm_resource", crmexit.NoSuch, "Node '%s' not found", node)
		}
	}
	if id == "" && n != nil {
		// What runs on the node.
		for _, r := range n.RunningRsc {
			fmt.Fprintf(stdout, "Resource %s is running on host %s\n", r.ID, n.Name)
		}
		return nil
	}
	if id == "" {
		// Every configured top-level resource.
		for _, r := range cl.Resources {
			if r.Orphan || r.Implicit {
				continue
			}
			if r.Active() {
				fmt.Fprintf(stdout, "Resource %s is running\n", r.ID)
			} else {
				fmt.Fprintf(stdout, "Resource %s is not running\n", r.ID)
			}
		}
		return nil
	}
	r := Instance(cl, id)
	if r == nil {
		return Failf(stderr, "crm_resource", crmexit.NoSuch, "Resource '%s' not found", id)
	}
	_, prims := Find(cl, id)
	active, _ := ActiveNodes(prims)
	if n != nil {
		on := false
		for _, a := range active {
			on = on || a == n
		}
		if on {
			fmt.Fprintf(stdout, "Resource %s is running on host %s\n", r.ID, n.Name)
		} else {
			fmt.Fprintf(stdout, "Resource %s is not running on host %s\n", r.ID, n.Name)
		}
		return nil
	}
	if len(active) > 0 {
		fmt.Fprintf(stdout, "Resource %s is running\n", r.ID)
	} else {
		fmt.Fprintf(stdout, "Resource %s is not running\n", r.ID)
	}
	return nil
}
