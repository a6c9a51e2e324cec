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

// need is what r (with the rest of its group when r places a group) consumes.
func need(r *rsc) map[string]int {
	out := map[string]int{}
	rs := []*rsc{r}
	if r.parent != nil && r.parent.cr.Kind == cluster.Group && r.parent.children[0] == r {
		rs = r.parent.children
	}
	for _, x := range rs {
		for k, v := range x.cr.Utilization {
			n, _ := strconv.Atoi(v)
			out[k] += n
		}
	}
	return out
}

// fits reports whether r's utilization fits on n.
func (w *ws) fits(r *rsc, n *node) bool {
	if w.util.free == nil {
		return true
	}
	if r.parent != nil && r.parent.cr.Kind == cluster.Group && r.parent.children[0] != r {
		// Later members were counted with the first one.
		return true
	}
	free := w.util.free[n.idx]
	for k, v := range need(r) {
		if v > 0 && free[k] < v {
			return false
		}
	}
	return true
}

func (w *ws) consume(r *rsc, n *node) {
	if w.util.free == nil {
		return
	}
	if r.parent != nil && r.parent.cr.Kind == cluster.Group && r.parent.children[0] != r {
		return
	}
	free := w.util.free[n.idx]
	for k, v := range need(r) {
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
