package resourcecmd

import (
	"fmt"

	"github.com/pacer-ha/pacer/cluster"
)

// Find looks a resource up as Pacemaker's tools do: by configured id or
// clone instance id ("rsc:1"); the configured child of an anonymous clone
// (or a member of it) stands for its first instance. It returns the
// resource and the primitives whose placement counts for it.
func Find(cl *cluster.Cluster, id string) (*cluster.Resource, []*cluster.Resource) {
	r := cl.ByID[id]
	if r == nil || r.Implicit {
		return nil, nil
	}
	if clone := cloneOf(r); clone != nil && !r.IsInstance() {
		if clone.GloballyUnique {
			// Only the instances of a unique clone can be named.
			return nil, nil
		}
		// The first active instance stands for them all.
		var first []*cluster.Resource
		for i := 0; ; i++ {
			inst := cl.ByID[fmt.Sprintf("%s:%d", id, i)]
			if inst == nil {
				break
			}
			if i == 0 {
				first = inst.Primitives()
			}
			if inst.Active() {
				return r, inst.Primitives()
			}
		}
		if first != nil {
			return r, first
		}
	}
	return r, r.Primitives()
}

// cloneOf is the clone r is inside, if any.
func cloneOf(r *cluster.Resource) *cluster.Resource {
	for x := r.Parent; x != nil; x = x.Parent {
		if x.Kind == cluster.Clone {
			return x
		}
	}
	return nil
}

// ActiveNodes are the nodes where any of prims is active, in first-seen
// order, with the number of them where one is promoted.
func ActiveNodes(prims []*cluster.Resource) (nodes []*cluster.Node, promoted int) {
	seen := map[*cluster.Node]bool{}
	prom := map[*cluster.Node]bool{}
	for _, p := range prims {
		for _, n := range p.RunningOn {
			if !seen[n] {
				seen[n] = true
				nodes = append(nodes, n)
			}
			if p.Role == cluster.RolePromoted && !prom[n] {
				prom[n] = true
				promoted++
			}
		}
	}
	return nodes, promoted
}

// IsPromotable reports whether r is a promotable clone or inside one.
func IsPromotable(r *cluster.Resource) bool {
	for x := r; x != nil; x = x.Parent {
		if x.Kind == cluster.Clone && x.Promotable {
			return true
		}
	}
	return false
}
