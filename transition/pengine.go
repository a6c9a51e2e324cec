package transition

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pacer-ha/pacer/pengine"
)

// FromTransition parses the graph of a pengine transition (which carries the
// resources' instance parameters, probes' CRM_meta_op_target_rc and the
// configured operation timeouts) and completes it with what pengine's
// GraphXML does not write yet but Pacemaker's graphs carry and the executor
// needs: the probes' orderings, and the graph's batch-limit,
// migration-limit and failed-start-offset from the cluster properties.
func FromTransition(t *pengine.Transition) (*Graph, error) {
	if t == nil {
		return nil, fmt.Errorf("graph of transition: no transition")
	}
	xml, err := graphXML(t)
	if err != nil {
		return nil, fmt.Errorf("graph of transition: %w", err)
	}
	g, err := Parse([]byte(xml))
	if err != nil {
		return nil, fmt.Errorf("graph of transition: %w", err)
	}
	if t.Cluster != nil {
		// Graph-level settings pengine writes as constants.
		p := t.Cluster.Properties
		if !p.StartFailureIsFatal() {
			g.FailedStartOffset = "1"
		}
		if v, ok := p.Get("batch-limit"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				g.BatchLimit = n
			}
		}
		if v, ok := p.Get("migration-limit"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				g.MigrationLimit = n
			}
		}
	}
	orderProbes(g)
	return g, nil
}

// orderProbes makes every action that brings a resource up (start,
// migrate_*, promote, reload) wait for the probes of that resource, as
// Pacemaker's graphs do; pengine's graphs do not order probes yet, and
// without this a probe can run after the start and overwrite its
// RSC_last_0 entry. Clone instances are matched by their base id.
func orderProbes(g *Graph) {
	base := func(id string) string {
		if i := strings.IndexByte(id, ':'); i >= 0 {
			return id[:i]
		}
		return id
	}
	probes := map[string][]int{}
	for _, a := range g.SortedActions() {
		if a.Kind == RscOp && a.Rsc != nil && a.IsProbe() {
			probes[base(a.Rsc.ID)] = append(probes[base(a.Rsc.ID)], a.ID)
		}
	}
	if len(probes) == 0 {
		return
	}
	for _, syn := range g.Synapses {
		have := map[int]bool{}
		for _, id := range syn.Inputs {
			have[id] = true
		}
		for _, a := range syn.Actions {
			if a.Kind != RscOp || a.Rsc == nil {
				continue
			}
			switch a.Operation {
			case "start", "migrate_to", "migrate_from", "promote", "reload", "reload-agent":
			default:
				continue
			}
			for _, id := range probes[base(a.Rsc.ID)] {
				if !have[id] {
					have[id] = true
					syn.Inputs = append(syn.Inputs, id)
				}
			}
		}
	}
}

// graphXML renders the graph, turning a panic of the renderer (pengine's
// GraphXML dereferences the node of node-less resource-less pseudo actions
// such as stonith_complete) into an error.
func graphXML(t *pengine.Transition) (xml string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pengine GraphXML failed: %v", r)
		}
	}()
	return t.GraphXML(), nil
}
