package pengine

import (
	"strings"

	"github.com/pacer-ha/pacer/rules"
)

// applyHealth adds node health (the #health-* node attributes, weighed by
// node-health-strategy) to every resource's scores, except resources that allow
// unhealthy nodes.
func (w *ws) applyHealth() {
	p := w.c.Properties
	strategy := p.NodeHealthStrategy()
	if strategy == "none" || strategy == "" {
		return
	}
	colour := map[string]int{"red": -inf, "yellow": 0, "green": 0}
	switch strategy {
	case "only-green":
		colour["yellow"] = -inf
	case "progressive", "custom":
		for _, c := range []string{"red", "yellow", "green"} {
			v, _ := rules.ParseScore(p.String("node-health-"+c, "0"))
			colour[c] = v
		}
	}
	for _, n := range w.nodes {
		score, any := 0, false
		for k, v := range n.cn.Attrs {
			if !strings.HasPrefix(k, "#health") {
				continue
			}
			any = true
			s, ok := colour[strings.ToLower(v)]
			if !ok {
				s, _ = rules.ParseScore(v)
			}
			score = rules.Add(score, s)
		}
		if !any || score == 0 {
			continue
		}
		for _, r := range w.all {
			if r.scores == nil || r.cr.Meta["allow-unhealthy-nodes"] == "true" {
				continue
			}
			r.scores[n.idx] = rules.Add(r.scores[n.idx], score)
		}
	}
}
