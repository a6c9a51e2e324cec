package cibmodel

import (
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

// Model applies controller operations to CIB XML. It keeps the parsed tree
// of the last document it produced, so a batch applied to that document (the
// DC's next batch, a follower's next diff) skips parsing it again. Not safe
// for concurrent use (a controller node is not either).
type Model struct {
	ids map[string]int // node name -> node id

	lastOut  []byte   // the last document ApplyAll returned...
	lastTree *cib.CIB // ...parsed
}

// New returns a model for a cluster with these node ids (name -> id).
func New(ids map[string]int) *Model { return &Model{ids: ids} }

func toVersion(v cib.Version) controller.Version {
	return controller.Version{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates}
}

// same reports whether a and b are the same slice (not merely equal bytes).
func same(a, b []byte) bool { return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0] }

// Version parses doc and returns its version.
func (m *Model) Version(doc []byte) (controller.Version, error) {
	if same(doc, m.lastOut) {
		return toVersion(m.lastTree.Version()), nil
	}
	c, err := cib.Parse(doc)
	if err != nil {
		return controller.Version{}, err
	}
	return toVersion(c.Version()), nil
}

// Apply returns doc after op (doc itself when nothing changes).
func (m *Model) Apply(doc []byte, op controller.Op) ([]byte, error) {
	out, errs := m.ApplyAll(doc, []controller.Op{op})
	return out, errs[0]
}

// ApplyAll applies ops in order to one parsed copy of doc and serialises the
// result once. Every op that changes something moves the version as Apply
// would: a configuration change the epoch, a status change num_updates. An
// op that fails changes nothing.
func (m *Model) ApplyAll(doc []byte, ops []controller.Op) ([]byte, []error) {
	errs := make([]error, len(ops))
	var w *cib.CIB
	if same(doc, m.lastOut) {
		w = m.lastTree
	} else {
		c, err := cib.Parse(doc)
		if err != nil {
			for i := range errs {
				errs[i] = crmexit.New(crmexit.Software, "the stored CIB does not parse: %w", err)
			}
			return doc, errs
		}
		w = c
	}
	// The tree is modified in place: until the new bytes exist it matches
	// no document.
	m.lastOut, m.lastTree = nil, nil
	changed := false
	for i, op := range ops {
		if op.Kind == controller.OpReplace {
			next, err := m.replace(w, op)
			if err != nil {
				errs[i] = err
				continue
			}
			w, changed = next, true
			continue
		}
		ch, configChanged, err := m.status(w, op)
		if err != nil {
			errs[i] = err
			continue
		}
		if !ch {
			continue
		}
		changed = true
		// Status changes move num_updates only, configuration changes the
		// epoch, as in Pacemaker.
		v := w.Version()
		if configChanged {
			v.Epoch++
			v.NumUpdates = 0
		} else {
			v.NumUpdates++
		}
		w.SetVersion(v)
	}
	if !changed {
		m.lastOut, m.lastTree = doc, w
		return doc, errs
	}
	out, err := w.Bytes()
	if err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = crmexit.New(crmexit.Software, "serialising the CIB: %w", err)
			}
		}
		return doc, errs
	}
	m.lastOut, m.lastTree = out, w
	return out, errs
}

func (m *Model) replace(cur *cib.CIB, op controller.Op) (*cib.CIB, error) {
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
	for _, kv := range [][2]string{{"cib-last-written", op.When}, {"update-origin", op.Origin}, {"update-client", op.Client}} {
		if kv[1] != "" {
			root.CreateAttr(kv[0], kv[1])
		}
	}
	return next, nil
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

// nodeState finds the node's node_state, creating it (created=true) if needed.
func (m *Model) nodeState(c *cib.CIB, node string) (ns *etree.Element, created bool, err error) {
	id, ok := m.ids[node]
	if !ok {
		return nil, false, crmexit.New(crmexit.NoHost, "node %s is not in the cluster", node)
	}
	status := c.Section("status")
	if status == nil {
		status = c.Root().CreateElement("status")
		created = true
	}
	sid := strconv.Itoa(id)
	for _, ns := range status.SelectElements("node_state") {
		if ns.SelectAttrValue("id", "") == sid {
			return ns, created, nil
		}
	}
	ns = status.CreateElement("node_state")
	ns.CreateAttr("id", sid)
	ns.CreateAttr("uname", node)
	return ns, true, nil
}

// setAttr sets k=v on e, reporting whether that changed anything.
func setAttr(e *etree.Element, k, v string) bool {
	if e.SelectAttrValue(k, "\x00") != v {
		e.CreateAttr(k, v)
		return true
	}
	return false
}

// status applies a status operation in place and reports whether it changed
// the document (configChanged: the configuration section). On error it
// changes nothing.
func (m *Model) status(c *cib.CIB, op controller.Op) (changed, configChanged bool, err error) {
	switch op.Kind {
	case controller.OpQuorum:
		changed = setAttr(c.Root(), "have-quorum", map[bool]string{true: "1", false: "0"}[op.Quorate])
		if op.Node != "" {
			if id, ok := m.ids[op.Node]; ok {
				changed = setAttr(c.Root(), "dc-uuid", strconv.Itoa(id)) || changed
			}
		}
		return changed, false, nil
	case controller.OpNodeUp, controller.OpNodeDown:
		if _, ok := m.ids[op.Node]; !ok {
			return false, false, crmexit.New(crmexit.NoHost, "node %s is not in the cluster", op.Node)
		}
		up := op.Kind == controller.OpNodeUp
		if up {
			configChanged = m.ensureNode(c, op.Node)
		}
		ns, created, err := m.nodeState(c, op.Node)
		if err != nil {
			return false, false, err
		}
		changed = created || configChanged
		for _, kv := range [][2]string{{"uname", op.Node}, {"in_ccm", strconv.FormatBool(up)},
			{"crmd", map[bool]string{true: "online", false: "offline"}[up]},
			{"join", map[bool]string{true: "member", false: "down"}[up]},
			{"expected", map[bool]string{true: "member", false: "down"}[up]}} {
			changed = setAttr(ns, kv[0], kv[1]) || changed
		}
		if !up {
			// Transient attributes do not outlive the node's membership.
			for _, ta := range ns.SelectElements("transient_attributes") {
				ns.RemoveChild(ta)
				changed = true
			}
		}
		return changed, configChanged, nil
	case controller.OpAttrSet, controller.OpAttrDel:
		ch, err := m.attr(c, op)
		return ch, false, err
	case controller.OpLRMClear, controller.OpLRMUpdate:
		var p *etree.Element
		if len(op.Doc) > 0 {
			if p, err = parseLRMPatch(op.Doc); err != nil {
				return false, false, err
			}
		}
		if _, ok := m.ids[op.Node]; !ok {
			return false, false, crmexit.New(crmexit.NoHost, "node %s is not in the cluster", op.Node)
		}
		ns, created, err := m.nodeState(c, op.Node)
		if err != nil {
			return false, false, err
		}
		sid := strconv.Itoa(m.ids[op.Node])
		if op.Kind == controller.OpLRMUpdate {
			lrs, made := lrmResources(ns, sid)
			return applyLRMPatch(lrs, p) || made || created, false, nil
		}
		// Clear: build the new history aside and swap it in only if it differs.
		fresh := etree.NewElement("node_state")
		if p != nil {
			lrs, _ := lrmResources(fresh, sid)
			applyLRMPatch(lrs, p)
		}
		old := ns.SelectElements("lrm")
		newLRM := fresh.SelectElement("lrm")
		if len(old) == 1 && newLRM != nil && sameElement(old[0], newLRM) || len(old) == 0 && newLRM == nil {
			return created, false, nil
		}
		for _, l := range old {
			ns.RemoveChild(l)
		}
		if newLRM != nil {
			ns.AddChild(newLRM)
		}
		return true, false, nil
	}
	return false, false, fmt.Errorf("cibmodel: unsupported operation %q", op.Kind)
}

// attr sets or deletes a transient attribute.
func (m *Model) attr(c *cib.CIB, op controller.Op) (bool, error) {
	if _, ok := m.ids[op.Node]; !ok {
		return false, crmexit.New(crmexit.NoHost, "node %s is not in the cluster", op.Node)
	}
	del := op.Kind == controller.OpAttrDel
	if del {
		// Deleting what is not there must not create the node's state.
		ns := m.findNodeState(c, op.Node)
		if ns == nil {
			return false, nil
		}
		for _, ta := range ns.SelectElements("transient_attributes") {
			for _, ia := range ta.SelectElements("instance_attributes") {
				for _, p := range ia.SelectElements("nvpair") {
					if p.SelectAttrValue("name", "") == op.Name {
						ia.RemoveChild(p)
						return true, nil
					}
				}
			}
		}
		return false, nil
	}
	ns, changed, err := m.nodeState(c, op.Node)
	if err != nil {
		return false, err
	}
	sid := strconv.Itoa(m.ids[op.Node])
	ta := ns.SelectElement("transient_attributes")
	if ta == nil {
		ta = ns.CreateElement("transient_attributes")
		ta.CreateAttr("id", sid)
		changed = true
	}
	ia := ta.SelectElement("instance_attributes")
	if ia == nil {
		ia = ta.CreateElement("instance_attributes")
		ia.CreateAttr("id", "status-"+sid)
		changed = true
	}
	var nv *etree.Element
	for _, p := range ia.SelectElements("nvpair") {
		if p.SelectAttrValue("name", "") == op.Name {
			nv = p
		}
	}
	if nv == nil {
		nv = ia.CreateElement("nvpair")
		nv.CreateAttr("id", "status-"+sid+"-"+op.Name)
		nv.CreateAttr("name", op.Name)
		changed = true
	}
	return setAttr(nv, "value", op.Value) || changed, nil
}

func (m *Model) findNodeState(c *cib.CIB, node string) *etree.Element {
	status := c.Section("status")
	if status == nil {
		return nil
	}
	sid := strconv.Itoa(m.ids[node])
	for _, ns := range status.SelectElements("node_state") {
		if ns.SelectAttrValue("id", "") == sid {
			return ns
		}
	}
	return nil
}

// lrmResources finds or creates a node_state's lrm/lrm_resources.
func lrmResources(ns *etree.Element, sid string) (*etree.Element, bool) {
	made := false
	lrm := ns.SelectElement("lrm")
	if lrm == nil {
		lrm = ns.CreateElement("lrm")
		lrm.CreateAttr("id", sid)
		made = true
	}
	lrs := lrm.SelectElement("lrm_resources")
	if lrs == nil {
		lrs = lrm.CreateElement("lrm_resources")
		made = true
	}
	return lrs, made
}

// ApplyLRMPatch applies an <lrm_resources> patch (see controller.OpLRMUpdate)
// to an <lrm_resources> element; a malformed patch changes nothing.
func ApplyLRMPatch(lrs *etree.Element, patch []byte) error {
	p, err := parseLRMPatch(patch)
	if err != nil {
		return err
	}
	applyLRMPatch(lrs, p)
	return nil
}

// parseLRMPatch parses and checks an <lrm_resources> patch.
func parseLRMPatch(patch []byte) (*etree.Element, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(patch); err != nil {
		return nil, crmexit.New(crmexit.InvalidParam, "lrm-update: malformed patch: %w", err)
	}
	p := d.Root()
	if p == nil || p.Tag != "lrm_resources" {
		return nil, crmexit.New(crmexit.InvalidParam, "lrm-update: the patch must be an <lrm_resources> element")
	}
	for _, pr := range p.ChildElements() {
		if pr.Tag != "lrm_resource" || pr.SelectAttrValue("id", "") == "" {
			return nil, crmexit.New(crmexit.InvalidParam, "lrm-update: <%s> without an id in the patch", pr.Tag)
		}
		for _, e := range pr.ChildElements() {
			if (e.Tag != "lrm_rsc_op" && e.Tag != "delete") || e.SelectAttrValue("id", "") == "" {
				return nil, crmexit.New(crmexit.InvalidParam, "lrm-update: bad <%s> in the patch of %s", e.Tag, pr.SelectAttrValue("id", ""))
			}
		}
	}
	return p, nil
}

// applyLRMPatch applies a checked patch and reports whether it changed lrs.
func applyLRMPatch(lrs *etree.Element, p *etree.Element) bool {
	changed := false
	for _, pr := range p.ChildElements() {
		id := pr.SelectAttrValue("id", "")
		lr := childByID(lrs, "lrm_resource", id)
		if pr.SelectAttrValue("remove", "") == "true" {
			// The resource's whole history goes (a delete action: an
			// orphan the scheduler stopped).
			if lr != nil {
				lrs.RemoveChild(lr)
				changed = true
			}
			continue
		}
		if lr == nil {
			lr = lrs.CreateElement("lrm_resource")
			lr.CreateAttr("id", id)
			for _, k := range []string{"class", "provider", "type"} {
				if v := pr.SelectAttrValue(k, ""); v != "" {
					lr.CreateAttr(k, v)
				}
			}
			changed = true
		}
		for _, e := range pr.ChildElements() {
			old := childByID(lr, "lrm_rsc_op", e.SelectAttrValue("id", ""))
			switch {
			case e.Tag == "delete":
				// With a transition-key, only the entry that operation wrote.
				tk := e.SelectAttrValue("transition-key", "")
				if old != nil && (tk == "" || old.SelectAttrValue("transition-key", "") == tk) {
					lr.RemoveChild(old)
					changed = true
				}
			case old != nil:
				if !sameElement(old, e) {
					lr.InsertChildAt(old.Index(), e.Copy())
					lr.RemoveChild(old)
					changed = true
				}
			default:
				lr.AddChild(e.Copy())
				changed = true
			}
		}
	}
	return changed
}

// sameElement compares two elements as their serialisations would (tag,
// attributes in order, children, text).
func sameElement(a, b *etree.Element) bool {
	if a.Space != b.Space || a.Tag != b.Tag || len(a.Attr) != len(b.Attr) || len(a.Child) != len(b.Child) {
		return false
	}
	for i := range a.Attr {
		if x, y := a.Attr[i], b.Attr[i]; x.Space != y.Space || x.Key != y.Key || x.Value != y.Value {
			return false
		}
	}
	for i := range a.Child {
		switch x := a.Child[i].(type) {
		case *etree.Element:
			y, ok := b.Child[i].(*etree.Element)
			if !ok || !sameElement(x, y) {
				return false
			}
		case *etree.CharData:
			y, ok := b.Child[i].(*etree.CharData)
			if !ok || x.Data != y.Data {
				return false
			}
		default:
			return false // comments and the like: call it a change
		}
	}
	return true
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
	return AttributeIn(c, ids, node, name)
}

// AttributeIn is Attribute on a parsed CIB.
func AttributeIn(c *cib.CIB, ids map[string]int, node, name string) (string, bool, error) {
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
