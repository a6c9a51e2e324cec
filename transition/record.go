package transition

import (
	"errors"
	"fmt"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/lrmd"
)

// DidFail is Pacemaker's judgement of a result for its history: cancelled
// and pending operations did not fail; an operation that did not run to
// completion did; a completed one failed when its rc is not the target.
func DidFail(res *lrmd.Result, targetRC int) bool {
	switch res.Status {
	case lrmd.StatusCancelled, lrmd.StatusPending:
		return false
	case lrmd.StatusDone:
		return res.RC != targetRC
	}
	return true
}

// statusSection finds (or creates) the <status> element of a <cib> root;
// a <status> element is used as is.
func statusSection(root *etree.Element) (*etree.Element, error) {
	if root == nil {
		return nil, errors.New("no CIB")
	}
	switch root.Tag {
	case "status":
		return root, nil
	case "cib":
		if st := root.SelectElement("status"); st != nil {
			return st, nil
		}
		return root.CreateElement("status"), nil
	}
	return nil, fmt.Errorf("expected <cib> or <status>, got <%s>", root.Tag)
}

func childWithID(parent *etree.Element, tag, id string) *etree.Element {
	for _, c := range parent.SelectElements(tag) {
		if c.SelectAttrValue("id", "") == id {
			return c
		}
	}
	return nil
}

// lrmResources finds or creates node_state > lrm > lrm_resources for a node.
func lrmResources(root *etree.Element, node, nodeUUID string) (*etree.Element, error) {
	st, err := statusSection(root)
	if err != nil {
		return nil, err
	}
	if nodeUUID == "" {
		nodeUUID = node
	}
	var ns *etree.Element
	for _, c := range st.SelectElements("node_state") {
		if c.SelectAttrValue("id", "") == nodeUUID || (node != "" && c.SelectAttrValue("uname", "") == node) {
			ns = c
			break
		}
	}
	if ns == nil {
		ns = st.CreateElement("node_state")
		ns.CreateAttr("id", nodeUUID)
		ns.CreateAttr("uname", node)
	}
	lrm := ns.SelectElement("lrm")
	if lrm == nil {
		lrm = ns.CreateElement("lrm")
		lrm.CreateAttr("id", ns.SelectAttrValue("id", nodeUUID))
	}
	lrs := lrm.SelectElement("lrm_resources")
	if lrs == nil {
		lrs = lrm.CreateElement("lrm_resources")
	}
	return lrs, nil
}

// lrmResource finds or creates the lrm_resource of a primitive.
func lrmResource(lrs *etree.Element, rsc *Primitive) *etree.Element {
	lr := childWithID(lrs, "lrm_resource", rsc.ID)
	if lr == nil {
		lr = lrs.CreateElement("lrm_resource")
		lr.CreateAttr("id", rsc.ID)
		lr.CreateAttr("class", rsc.Class)
		if rsc.Provider != "" {
			lr.CreateAttr("provider", rsc.Provider)
		}
		lr.CreateAttr("type", rsc.Type)
	}
	return lr
}

// putEntry replaces the entry with the same id in place, or appends it.
func putEntry(lr, entry *etree.Element) {
	id := entry.SelectAttrValue("id", "")
	if old := childWithID(lr, "lrm_rsc_op", id); old != nil {
		lr.InsertChildAt(old.Index(), entry)
		lr.RemoveChild(old)
		return
	}
	lr.AddChild(entry)
}

// Record writes an executor result into the CIB's status section as
// Pacemaker's controller does: node_state > lrm > lrm_resources >
// lrm_resource (id, class, provider, type) > lrm_rsc_op, creating what is
// missing. root is the <cib> (or its <status>). A successful one-shot
// action replaces RSC_last_0; a failed one replaces RSC_last_failure_0 and
// RSC_last_0; a recurring result replaces RSC_TASK_INTERVAL when it
// succeeded and RSC_last_failure_0 when it failed (the recurring entry
// keeps its last good result, as in Pacemaker); a cancelled recurring
// operation's entry is deleted. targetRC is the rc the action was expected
// to return. It returns the entries written.
func Record(root *etree.Element, node, nodeUUID string, rsc *Primitive, res *lrmd.Result, targetRC int) ([]*etree.Element, error) {
	if rsc == nil || rsc.ID == "" {
		return nil, errors.New("recording result: no resource")
	}
	if res == nil {
		return nil, fmt.Errorf("recording result for %s: no result", rsc.ID)
	}
	lrs, err := lrmResources(root, node, nodeUUID)
	if err != nil {
		return nil, fmt.Errorf("recording %s result on %s: %w", rsc.ID, node, err)
	}
	lr := lrmResource(lrs, rsc)
	req := res.Request
	if res.Status == lrmd.StatusCancelled && req.IntervalMS > 0 {
		if old := childWithID(lr, "lrm_rsc_op", lrmd.OpKey(rsc.ID, req.Action, req.IntervalMS)); old != nil {
			lr.RemoveChild(old)
		}
		return nil, nil
	}
	var ids []string
	switch {
	case DidFail(res, targetRC):
		ids = append(ids, rsc.ID+"_last_failure_0")
		if req.IntervalMS == 0 {
			ids = append(ids, rsc.ID+"_last_0")
		}
	case req.IntervalMS > 0:
		ids = append(ids, lrmd.OpKey(rsc.ID, req.Action, req.IntervalMS))
	default:
		ids = append(ids, rsc.ID+"_last_0")
	}
	var out []*etree.Element
	for _, id := range ids {
		e := res.HistoryEntry(id, node)
		putEntry(lr, e)
		out = append(out, e)
	}
	return out, nil
}

// DeleteOp removes a resource's history entry by id (a cancelled recurring
// operation's RSC_TASK_INTERVAL), reporting whether there was one.
func DeleteOp(root *etree.Element, node, nodeUUID, rscID, id string) (bool, error) {
	lrs, err := lrmResources(root, node, nodeUUID)
	if err != nil {
		return false, fmt.Errorf("deleting %s of %s on %s: %w", id, rscID, node, err)
	}
	lr := childWithID(lrs, "lrm_resource", rscID)
	if lr == nil {
		return false, nil
	}
	op := childWithID(lr, "lrm_rsc_op", id)
	if op == nil {
		return false, nil
	}
	lr.RemoveChild(op)
	return true, nil
}
