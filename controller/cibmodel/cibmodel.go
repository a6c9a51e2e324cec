package cibmodel

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/controller"
	"github.com/pacer-ha/pacer/crmexit"
)

// ConflictPrefix starts the error text of a replace whose base version is stale;
// clients re-read and retry on it (nothing was written).
const ConflictPrefix = "conflict:"

// Model applies controller operations to CIB XML.
type Model struct {
	ids map[string]int // node name -> node id
}

// New returns a model for a cluster with these node ids (name -> id).
func New(ids map[string]int) *Model { return &Model{ids: ids} }

func toVersion(v cib.Version) controller.Version {
	return controller.Version{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates}
}

// Version parses doc and returns its version.
func (m *Model) Version(doc []byte) (controller.Version, error) {
	c, err := cib.Parse(doc)
	if err != nil {
		return controller.Version{}, err
	}
	return toVersion(c.Version()), nil
}

// Apply returns doc after op (doc itself when nothing changes).
func (m *Model) Apply(doc []byte, op controller.Op) ([]byte, error) {
	cur, err := cib.Parse(doc)
	if err != nil {
		return nil, crmexit.New(crmexit.Software, "the stored CIB does not parse: %w", err)
	}
	if op.Kind == controller.OpReplace {
		return m.replace(cur, op)
	}
	w := cur.Clone()
	configChanged := false
	if op.Kind == controller.OpNodeUp {
		configChanged = m.ensureNode(w, op.Node)
	}
	if err := m.status(w, op); err != nil {
		return nil, err
	}
	out, err := w.Bytes()
	if err != nil {
		return nil, err
	}
	if bytes.Equal(out, doc) {
		return doc, nil
	}
	// Status changes move num_updates only, configuration changes the epoch, as
	// in Pacemaker.
	v := w.Version()
	if configChanged {
		v.Epoch++
		v.NumUpdates = 0
	} else {
		v.NumUpdates++
	}
	w.SetVersion(v)
	return w.Bytes()
}

func (m *Model) replace(cur *cib.CIB, op controller.Op) ([]byte, error) {
	if got := toVersion(cur.Version()); got != op.Base {
		return nil, crmexit.New(crmexit.TempFail, "%s the CIB is at %v, the update was made on %v", ConflictPrefix, got, op.Base)
	}
	next, err := cib.Parse(op.Doc)
	if err != nil {
		return nil, err
	}
	if next.Version().Compare(cur.Version()) <= 0 {
		return nil, crmexit.New(crmexit.Old, "update was older than existing configuration (%v, current %v)", next.Version(), cur.Version())
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	root := next.Root()
	for k, v := range map[string]string{"cib-last-written": op.When, "update-origin": op.Origin, "update-client": op.Client} {
		if v != "" {
			root.CreateAttr(k, v)
		}
	}
	return next.Bytes()
}

// ensureNode adds the node to configuration/nodes the first time it is a member,
// as Pacemaker does; it reports whether it changed anything.
func (m *Model) ensureNode(c *cib.CIB, node string) bool {
	id, ok := m.ids[node]
	if !ok {
		return false
	}
	nodes := c.Section("nodes")
	if nodes == nil {
		conf := c.Section("configuration")
		if conf == nil {
			conf = c.Root().CreateElement("configuration")
		}
		nodes = conf.CreateElement("nodes")
	}
	sid := strconv.Itoa(id)
	for _, n := range nodes.SelectElements("node") {
		if n.SelectAttrValue("id", "") == sid || n.SelectAttrValue("uname", "") == node {
			return false
		}
	}
	n := nodes.CreateElement("node")
	n.CreateAttr("id", sid)
	n.CreateAttr("uname", node)
	return true
}

func (m *Model) nodeState(c *cib.CIB, node string) (*etree.Element, error) {
	id, ok := m.ids[node]
	if !ok {
		return nil, crmexit.New(crmexit.NoHost, "node %s is not in the cluster", node)
	}
	status := c.Section("status")
	if status == nil {
		status = c.Root().CreateElement("status")
	}
	sid := strconv.Itoa(id)
	for _, ns := range status.SelectElements("node_state") {
		if ns.SelectAttrValue("id", "") == sid {
			return ns, nil
		}
	}
	ns := status.CreateElement("node_state")
	ns.CreateAttr("id", sid)
	ns.CreateAttr("uname", node)
	return ns, nil
}

func setAttr(e *etree.Element, k, v string) {
	if e.SelectAttrValue(k, "\x00") != v {
		e.CreateAttr(k, v)
	}
}

func (m *Model) status(c *cib.CIB, op controller.Op) error {
	switch op.Kind {
	case controller.OpQuorum:
		setAttr(c.Root(), "have-quorum", map[bool]string{true: "1", false: "0"}[op.Quorate])
		if op.Node != "" {
			if id, ok := m.ids[op.Node]; ok {
				setAttr(c.Root(), "dc-uuid", strconv.Itoa(id))
			}
		}
		return nil
	case controller.OpNodeUp, controller.OpNodeDown:
		ns, err := m.nodeState(c, op.Node)
		if err != nil {
			return err
		}
		up := op.Kind == controller.OpNodeUp
		setAttr(ns, "uname", op.Node)
		setAttr(ns, "in_ccm", strconv.FormatBool(up))
		setAttr(ns, "crmd", map[bool]string{true: "online", false: "offline"}[up])
		setAttr(ns, "join", map[bool]string{true: "member", false: "down"}[up])
		setAttr(ns, "expected", map[bool]string{true: "member", false: "down"}[up])
		if !up {
			// Transient attributes do not outlive the node's membership.
			for _, ta := range ns.SelectElements("transient_attributes") {
				ns.RemoveChild(ta)
			}
		}
		return nil
	case controller.OpAttrSet, controller.OpAttrDel:
		ns, err := m.nodeState(c, op.Node)
		if err != nil {
			return err
		}
		sid := strconv.Itoa(m.ids[op.Node])
		ta := ns.SelectElement("transient_attributes")
		if ta == nil {
			if op.Kind == controller.OpAttrDel {
				return nil
			}
			ta = ns.CreateElement("transient_attributes")
			ta.CreateAttr("id", sid)
		}
		ia := ta.SelectElement("instance_attributes")
		if ia == nil {
			if op.Kind == controller.OpAttrDel {
				return nil
			}
			ia = ta.CreateElement("instance_attributes")
			ia.CreateAttr("id", "status-"+sid)
		}
		var nv *etree.Element
		for _, p := range ia.SelectElements("nvpair") {
			if p.SelectAttrValue("name", "") == op.Name {
				nv = p
			}
		}
		if op.Kind == controller.OpAttrDel {
			if nv != nil {
				ia.RemoveChild(nv)
			}
			return nil
		}
		if nv == nil {
			nv = ia.CreateElement("nvpair")
			nv.CreateAttr("id", "status-"+sid+"-"+op.Name)
			nv.CreateAttr("name", op.Name)
		}
		setAttr(nv, "value", op.Value)
		return nil
	case controller.OpLRMClear:
		ns, err := m.nodeState(c, op.Node)
		if err != nil {
			return err
		}
		for _, l := range ns.SelectElements("lrm") {
			ns.RemoveChild(l)
		}
		if len(op.Doc) == 0 {
			return nil
		}
		return m.lrmUpdate(ns, strconv.Itoa(m.ids[op.Node]), op.Doc)
	case controller.OpLRMUpdate:
		ns, err := m.nodeState(c, op.Node)
		if err != nil {
			return err
		}
		return m.lrmUpdate(ns, strconv.Itoa(m.ids[op.Node]), op.Doc)
	}
	return fmt.Errorf("cibmodel: unsupported operation %q", op.Kind)
}

// lrmUpdate applies an <lrm_resources> patch (see controller.OpLRMUpdate) to
// a node_state: entries are put by id, <delete id=".."/> removes one.
func (m *Model) lrmUpdate(ns *etree.Element, sid string, patch []byte) error {
	lrm := ns.SelectElement("lrm")
	if lrm == nil {
		lrm = ns.CreateElement("lrm")
		lrm.CreateAttr("id", sid)
	}
	lrs := lrm.SelectElement("lrm_resources")
	if lrs == nil {
		lrs = lrm.CreateElement("lrm_resources")
	}
	return ApplyLRMPatch(lrs, patch)
}

// ApplyLRMPatch applies an <lrm_resources> patch (see controller.OpLRMUpdate)
// to an <lrm_resources> element; a malformed patch changes nothing.
func ApplyLRMPatch(lrs *etree.Element, patch []byte) error {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(patch); err != nil {
		return crmexit.New(crmexit.InvalidParam, "lrm-update: malformed patch: %w", err)
	}
	p := d.Root()
	if p == nil || p.Tag != "lrm_resources" {
		return crmexit.New(crmexit.InvalidParam, "lrm-update: the patch must be an <lrm_resources> element")
	}
	for _, pr := range p.ChildElements() {
		if pr.Tag != "lrm_resource" || pr.SelectAttrValue("id", "") == "" {
			return crmexit.New(crmexit.InvalidParam, "lrm-update: <%s> without an id in the patch", pr.Tag)
		}
		for _, e := range pr.ChildElements() {
			if (e.Tag != "lrm_rsc_op" && e.Tag != "delete") || e.SelectAttrValue("id", "") == "" {
				return crmexit.New(crmexit.InvalidParam, "lrm-update: bad <%s> in the patch of %s", e.Tag, pr.SelectAttrValue("id", ""))
			}
		}
	}
	for _, pr := range p.ChildElements() {
		id := pr.SelectAttrValue("id", "")
		lr := childByID(lrs, "lrm_resource", id)
		if lr == nil {
			lr = lrs.CreateElement("lrm_resource")
			lr.CreateAttr("id", id)
			for _, k := range []string{"class", "provider", "type"} {
				if v := pr.SelectAttrValue(k, ""); v != "" {
					lr.CreateAttr(k, v)
				}
			}
		}
		for _, e := range pr.ChildElements() {
			old := childByID(lr, "lrm_rsc_op", e.SelectAttrValue("id", ""))
			switch {
			case e.Tag == "delete":
				if old != nil {
					lr.RemoveChild(old)
				}
			case old != nil:
				lr.InsertChildAt(old.Index(), e.Copy())
				lr.RemoveChild(old)
			default:
				lr.AddChild(e.Copy())
			}
		}
	}
	return nil
}

func childByID(parent *etree.Element, tag, id string) *etree.Element {
	for _, c := range parent.SelectElements(tag) {
		if c.SelectAttrValue("id", "") == id {
			return c
		}
	}
	return nil
}

// Attribute reads a transient attribute from a CIB (ok=false when unset).
func Attribute(doc []byte, ids map[string]int, node, name string) (string, bool, error) {
	c, err := cib.Parse(doc)
	if err != nil {
		return "", false, err
	}
	id, ok := ids[node]
	if !ok {
		return "", false, crmexit.New(crmexit.NoHost, "node %s is not in the cluster", node)
	}
	status := c.Section("status")
	if status == nil {
		return "", false, nil
	}
	for _, ns := range status.SelectElements("node_state") {
		if ns.SelectAttrValue("id", "") != strconv.Itoa(id) {
			continue
		}
		for _, ta := range ns.SelectElements("transient_attributes") {
			for _, ia := range ta.SelectElements("instance_attributes") {
				for _, p := range ia.SelectElements("nvpair") {
					if p.SelectAttrValue("name", "") == name {
						return p.SelectAttrValue("value", ""), true, nil
					}
				}
			}
		}
	}
	return "", false, nil
}
