package pengine

import (
	"sort"

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
	score, have := 0, false
	for _, id := range []string{p.id, p.cr.BaseID} {
		if v, ok := n.cn.Attrs["master-"+id]; ok {
			score, _ = rules.ParseScore(v)
			have = true
			break
		}
	}
	for _, l := range w.locs {
		if l.role != cluster.RolePromoted || (l.rsc != clone && l.rsc != inst && l.rsc != p) {
			continue
		}
		if s, ok := w.locScore(l, n); ok {
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
		// Dependents that must follow the promoted instance pull it to their nodes.
		if c.primRole != cluster.RolePromoted || c.score <= -inf || c.score >= inf {
			continue
		}
		d := c.dep
		if s := d.scores; s != nil && s[n.idx] > -inf {
			score = rules.Add(score, s[n.idx]*c.score/inf)
		}
	}
	if !have {
		return 0, false
	}
	return score, score > -inf && score >= 0
}

// promote chooses which placed instances of a promotable clone become Promoted.
func (w *ws) promote(clone *rsc) {
	type cand struct {
		inst  *rsc
		score int
		was   bool
	}
	var cands []cand
	for _, inst := range clone.children {
		p := placeTarget(inst)
		for _, x := range primitivesOf(inst) {
			x.nextRole = cluster.RoleUnpromoted
		}
		if p.assigned == nil || !p.managed {
			continue
		}
		if w.promotionBlocked(clone) {
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
	max := clone.cr.PromotedMax
	nodeMax := clone.cr.PromotedNodeMax
	if nodeMax <= 0 {
		nodeMax = 1
	}
	perNode := map[*node]int{}
	promoted := 0
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

// promotionBlocked reports whether a ticket the clone's Promoted role needs is missing.
func (w *ws) promotionBlocked(clone *rsc) bool {
	if len(w.tickets) == 0 {
		return false
	}
	states := w.ticketStates()
	for _, t := range w.tickets {
		if t.rsc != clone {
			continue
		}
		s := states[t.ticket]
		if !s.granted || s.standby {
			return true
		}
	}
	return false
}
