package pengine

import (
	"sort"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/rules"
)

// isPromotable reports whether r is (inside) a promotable clone.
func isPromotable(r *rsc) bool {
	c, _ := instanceOf(r)
	return c != nil && c.cr.Promotable
}

// promotionScore is how much an instance wants to be promoted on its node: the
// agent's promotion score (master-* node attribute), plus location constraints for
// the Promoted role and colocations of the Promoted role with placed resources.
// ok is false when the instance may not be promoted there.
func (w *ws) promotionScore(clone, inst *rsc, n *node) (int, bool) {
	p := placeTarget(inst)
	score, have := promotionAttr(p, w.attrNode(p, n))
	bundle := clone.parent
	if bundle != nil && bundle.cr.Kind != cluster.Bundle {
		bundle = nil
	}
	if !have {
		// An instance whose agent set no promotion score starts from -1, so only
		// constraints can make it promotable; a bundle's instance already
		// promoted where it runs starts from 0 and keeps its role.
		score, have = -1, true
		if bundle != nil && p.cr.Role == cluster.RolePromoted && isCurrent(p, n) {
			score = 0
		}
	}
	for _, l := range w.locs {
		if l.rsc != clone && l.rsc != inst && l.rsc != p && (bundle == nil || l.rsc != bundle) {
			continue
		}
		if s, ok := w.locScore(l, n, true); ok {
			score = rules.Add(score, s)
			have = true
		}
	}
	for _, c := range clone.asDep {
		if c.depRole != cluster.RolePromoted {
			continue
		}
		near := false
		for _, pn := range primNodes(c.prim, c.primRole) {
			if sameLoc(n, pn, c.nodeAttr) {
				near = true
			}
		}
		switch {
		case c.score >= inf && !near, c.score <= -inf && near:
			return 0, false
		case near:
			score = rules.Add(score, c.score)
		}
	}
	for _, c := range clone.asPrim {
		// Resources that will follow the promoted instance pull promotion towards
		// the nodes they prefer, scaled by the colocation score.
		if c.primRole != cluster.RolePromoted || !c.influence {
			continue
		}
		d := c.dep
		if d.assigned != nil {
			if sameLoc(n, d.assigned, c.nodeAttr) {
				score = rules.Add(score, c.score)
			}
			continue
		}
		ds := append([]int(nil), d.scores...)
		w.mergeDependents(d, ds, map[*rsc]bool{d: true}, 1.0)
		v := ds[n.idx]
		if v <= -inf {
			continue
		}
		score = rules.Add(score, int(float64(v)*float64(c.score)/float64(inf)))
	}
	if !have {
		return 0, false
	}
	return score, score > -inf && score >= 0
}

// promotionAttr reads the agent's promotion score for p on n: the master-* node
// attribute under the instance id, the clone-stripped id, or any instance of it.
func promotionAttr(p *rsc, n *node) (int, bool) {
	if p.cr.Parent != nil && p.cr.Parent.GloballyUnique {
		// A unique clone's instances each record their own score.
		v, ok := n.cn.Attrs["master-"+p.id]
		s, _ := rules.ParseScore(v)
		return s, ok
	}
	if v, ok := n.cn.Attrs["master-"+p.cr.BaseID]; ok {
		s, _ := rules.ParseScore(v)
		return s, true
	}
	// Instance numbers in history need not match ours: take the best score any
	// instance of this resource recorded on the node.
	prefix := "master-" + p.cr.BaseID + ":"
	best, found := 0, false
	for k, v := range n.cn.Attrs {
		if k == "master-"+p.id || strings.HasPrefix(k, prefix) {
			s, _ := rules.ParseScore(v)
			if !found || s > best {
				best, found = s, true
			}
		}
	}
	return best, found
}

// promote chooses which placed instances of a promotable clone become Promoted.
func (w *ws) promote(clone *rsc) {
	type cand struct {
		inst  *rsc
		score int
		was   bool
	}
	var cands []cand
	blocked, freeze := w.promotionBlocked(clone)
	if !w.haveQuorum && w.noQuorum == "demote" {
		blocked, freeze = true, false
	}
	max := clone.cr.PromotedMax
	promoted := 0
	perNode := map[*node]int{}
	for _, inst := range clone.children {
		p := placeTarget(inst)
		for _, x := range primitivesOf(inst) {
			x.nextRole = cluster.RoleUnpromoted
		}
		if p.assigned == nil {
			continue
		}
		was := p.cr.Role == cluster.RolePromoted && isCurrent(p, p.assigned)
		if was && (!p.managed || freeze) {
			// Unmanaged or frozen promoted instances stay promoted and count.
			for _, x := range primitivesOf(inst) {
				x.nextRole = cluster.RolePromoted
			}
			promoted++
			perNode[p.assigned]++
			continue
		}
		if !p.managed || blocked || !fullyPlaced(inst) || w.downContainer(p.assigned) != nil {
			// Nor is an instance in a guest whose container cannot start.
			continue
		}
		s, ok := w.promotionScore(clone, inst, p.assigned)
		if !ok {
			continue
		}
		cands = append(cands, cand{inst, s, p.cr.Role == cluster.RolePromoted && isCurrent(p, p.assigned)})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].was && !cands[j].was
	})
	nodeMax := clone.cr.PromotedNodeMax
	if nodeMax <= 0 {
		nodeMax = 1
	}
	for _, c := range cands {
		if promoted >= max {
			break
		}
		n := placeTarget(c.inst).assigned
		if perNode[n] >= nodeMax {
			continue
		}
		perNode[n]++
		promoted++
		for _, x := range primitivesOf(c.inst) {
			x.nextRole = cluster.RolePromoted
		}
	}
}

// promotionBlocked reports whether a ticket the clone needs is missing, and whether
// its loss-policy freezes the current roles.
func (w *ws) promotionBlocked(clone *rsc) (blocked, freeze bool) {
	if len(w.tickets) == 0 {
		return false, false
	}
	states := w.ticketStates()
	for _, t := range w.tickets {
		if t.rsc != clone {
			continue
		}
		s := states[t.ticket]
		if !s.granted || s.standby {
			blocked = true
			if t.lossPolicy == "freeze" && !s.standby {
				freeze = true
			}
		}
	}
	return blocked, freeze
}

// fullyPlaced reports whether every member of an instance has a node: a partly
// placed group instance cannot be promoted.
func fullyPlaced(inst *rsc) bool {
	for _, p := range primitivesOf(inst) {
		if p.assigned == nil {
			return false
		}
	}
	return true
}

// attrNode is the node whose attributes r sees when running on n: with
// container-attribute-target=host, a guest node's attributes are those of the
// host its container runs on now.
func (w *ws) attrNode(r *rsc, n *node) *node {
	if r.cr.Meta["container-attribute-target"] != "host" || n.cn.Type != cluster.NodeGuest || n.cn.Container == nil {
		return n
	}
	c := w.byID[n.cn.Container.ID]
	if c == nil || len(c.current) == 0 {
		return n
	}
	return c.current[0]
}

// promotionPreference adds an instance's positive promotion score (master-*
// attribute) on each node to its placement score there: instances of a
// promotable clone go preferably where they can be promoted.
func (w *ws) promotionPreference(r *rsc) {
	if !isPromotable(r) || placeTarget(r) != r {
		return
	}
	clone, placing := instanceOf(r)
	if clone == nil || !placing {
		return
	}
	for _, n := range w.nodes {
		if r.scores[n.idx] <= -inf {
			continue
		}
		if s, ok := promotionAttr(r, w.attrNode(r, n)); ok && s > 0 {
			r.scores[n.idx] = rules.Add(r.scores[n.idx], s)
		}
	}
}
