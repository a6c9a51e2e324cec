package pengine

import (
	"strconv"

	"github.com/pacer-ha/pacer/cluster"
)

// utilization tracks node capacity for placement-strategy other than "default".
type utilization struct {
	strategy string
	free     []map[string]int // remaining capacity per node
}

func (w *ws) initUtilization() {
	w.util.strategy = w.c.Properties.PlacementStrategy()
	if w.util.strategy == "default" {
		return
	}
	w.util.free = make([]map[string]int, len(w.nodes))
	for _, n := range w.nodes {
		m := map[string]int{}
		for k, v := range n.cn.Utilization {
			m[k], _ = strconv.Atoi(v)
		}
		w.util.free[n.idx] = m
	}
}

// own is r's own utilization.
func own(r *rsc) map[string]int {
	out := map[string]int{}
	for k, v := range r.cr.Utilization {
		n, _ := strconv.Atoi(v)
		out[k] += n
	}
	return out
}

// needAll is what r and everything that must follow it (INFINITY colocations,
// group members after it) still to be placed will use on r's node.
func needAll(r *rsc, seen map[*rsc]bool, out map[string]int) {
	if seen[r] {
		return
	}
	seen[r] = true
	for k, v := range own(r) {
		out[k] += v
	}
	for _, c := range r.asPrim {
		if c.score >= inf && !c.dep.allocated && c.dep.cr.Kind == cluster.Primitive {
			needAll(c.dep, seen, out)
		}
	}
}

// fits reports whether r fits on n: with what must follow it when withDeps.
func (w *ws) fits(r *rsc, n *node, withDeps bool) bool {
	if w.util.free == nil {
		return true
	}
	need := own(r)
	if withDeps {
		need = map[string]int{}
		needAll(r, map[*rsc]bool{}, need)
	}
	free := w.util.free[n.idx]
	for k, v := range need {
		if v > 0 && free[k] < v {
			return false
		}
	}
	return true
}

// consume takes r's own utilization from n.
func (w *ws) consume(r *rsc, n *node) {
	if w.util.free == nil {
		return
	}
	free := w.util.free[n.idx]
	for k, v := range own(r) {
		free[k] -= v
	}
}

// moreFree compares remaining capacity for the balanced strategy: >0 when a has
// more room than b.
func (w *ws) moreFree(a, b *node) int {
	fa, fb := w.util.free[a.idx], w.util.free[b.idx]
	score := 0
	for k, v := range fa {
		if v > fb[k] {
			score++
		} else if v < fb[k] {
			score--
		}
	}
	return score
}
