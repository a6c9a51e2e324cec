package transition

import (
	"testing"
	"time"

	"github.com/pacer-ha/pacer/lrmd"
)

// wideGraph: n resources, each probe -> start -> monitor, every start
// also after a shared pseudo action and the previous start (a long chain
// beside wide fan-out).
func wideGraph(t testing.TB, n int) *Graph {
	acts := []act{{id: 0, kind: "pseudo_event", op: "start"}}
	for i := 1; i <= n; i++ {
		p, s, m := 3*i-2+1000000, 3*i-1+1000000, 3*i+1000000
		ins := []int{p, 0}
		if i > 1 {
			ins = append(ins, 3*(i-1)-1+1000000)
		}
		acts = append(acts, act{id: p, op: "monitor", attrs: `CRM_meta_op_target_rc="7"`},
			act{id: s, inputs: ins}, act{id: m, op: "monitor", attrs: `CRM_meta_interval="10000"`, inputs: []int{s}})
	}
	return testGraph(t, 0, acts...)
}

// run executes a graph with every action answering as expected, as the
// driver would (Step, results, Done after each result).
func run(g *Graph) Summary {
	e := NewEngine(g)
	now := time.Unix(0, 0)
	for !e.Done() {
		for _, a := range e.Step(now) {
			if _, err := e.Result(a.ID, Outcome{Status: lrmd.StatusDone, RC: a.TargetRC}); err != nil {
				panic(err)
			}
			e.Done()
		}
	}
	return e.Summary()
}

func TestLargeGraphCompletes(t *testing.T) {
	g := wideGraph(t, 1000)
	start := time.Now()
	sum := run(g)
	if sum.Complete != 3001 || sum.Aborted {
		t.Fatalf("summary %s", sum)
	}
	t.Logf("3001 actions in %v", time.Since(start))
}

func BenchmarkEngine1000(b *testing.B) {
	g := wideGraph(b, 1000)
	for b.Loop() {
		run(g)
	}
}
