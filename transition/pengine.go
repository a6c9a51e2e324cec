package transition

import (
	"fmt"
	"strconv"

	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/pengine"
)

// FromTransition parses the graph of a pengine transition and completes it
// with what pengine's GraphXML does not write yet but Pacemaker's graphs
// carry and the executor needs: the resources' instance parameters (from
// the unpacked configuration) and CRM_meta_op_target_rc 7 for probes of
// resources not expected to run.
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
	byID := make(map[int]*pengine.Action, len(t.Actions))
	for _, pa := range t.Actions {
		byID[pa.ID] = pa
	}
	for _, a := range g.Actions {
		if a.Kind != RscOp || a.Rsc == nil {
			continue
		}
		if pa := byID[a.ID]; pa != nil && pa.Probe && !pa.ExpectRunning {
			if _, ok := a.Attrs["CRM_meta_op_target_rc"]; !ok {
				a.TargetRC = lrmd.OCFNotRunning
				a.Attrs["CRM_meta_op_target_rc"] = strconv.Itoa(lrmd.OCFNotRunning)
			}
		}
		if t.Cluster == nil {
			continue
		}
		r := t.Cluster.ByID[a.Rsc.ID]
		if r == nil {
			continue
		}
		for k, v := range r.Params {
			if _, ok := a.Attrs[k]; !ok {
				a.Attrs[k] = v
			}
		}
	}
	return g, nil
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
