package cluster

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Options tune Unpack.
type Options struct {
	// EvalRule decides whether an attribute set guarded by a <rule> applies.
	// node is the node the attributes are evaluated for (nil when not
	// node-specific). When EvalRule is nil, rule-guarded sets are skipped.
	EvalRule func(rule *etree.Element, node *Node) bool
	// EvalRscRule decides rules of rsc_defaults sets, which may test the
	// resource (rsc_expression). When nil, EvalRule(rule, nil) is used.
	EvalRscRule func(rule *etree.Element, r *Resource) bool
}

// UnpackBytes parses CIB XML and unpacks it.
func UnpackBytes(data []byte, now time.Time) (*Cluster, error) {
	root, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	return Unpack(root, now)
}

// Unpack builds the model from a <cib> element with default options.
func Unpack(root *etree.Element, now time.Time) (*Cluster, error) {
	return UnpackWith(root, now, Options{})
}

// unpacker carries per-call state so that nothing is global.
type unpacker struct {
	c    *Cluster
	opts Options
	// idIndex resolves id-ref lazily (built on first use).
	idIndex map[string]*etree.Element
	// Chunks that history records are carved from (see take*): the status
	// section holds one entry per resource per node, so allocating each
	// record on its own dominated the cost of an unpack (allocation and GC).
	// Every record lives as long as the Cluster, so sharing chunks keeps
	// nothing alive that would otherwise be freed.
	opChunk    []OpRecord
	opPtrChunk []*OpRecord
	stChunk    []RscNodeState
	// uniqueNodeNames is set when no two nodes share a name (see statusOn).
	uniqueNodeNames bool
	// histPred[i] is the resource the i-th history entry of the last node
	// read named (see findHistoryResource).
	histPred []*Resource
}

// historyChunk is how many records each chunk holds: large enough that
// allocation is amortised, small enough not to waste much on small CIBs.
const historyChunk = 512

// takeOps returns n zeroed OpRecords, contiguous, from the current chunk.
func (u *unpacker) takeOps(n int) []OpRecord {
	if n > historyChunk {
		return make([]OpRecord, n)
	}
	if len(u.opChunk) < n {
		u.opChunk = make([]OpRecord, historyChunk)
	}
	s := u.opChunk[:n:n]
	u.opChunk = u.opChunk[n:]
	return s
}

// takeOpPtrs returns an empty slice with capacity n from the current chunk.
// Its capacity is exact, so appending to it later reallocates rather than
// overwriting a neighbour's records.
func (u *unpacker) takeOpPtrs(n int) []*OpRecord {
	if n > historyChunk {
		return make([]*OpRecord, 0, n)
	}
	if len(u.opPtrChunk) < n {
		u.opPtrChunk = make([]*OpRecord, historyChunk)
	}
	s := u.opPtrChunk[:0:n]
	u.opPtrChunk = u.opPtrChunk[n:]
	return s
}

// takeState returns a zeroed RscNodeState from the current chunk.
func (u *unpacker) takeState() *RscNodeState {
	if len(u.stChunk) == 0 {
		u.stChunk = make([]RscNodeState, historyChunk)
	}
	st := &u.stChunk[0]
	u.stChunk = u.stChunk[1:]
	return st
}

// UnpackWith builds the model from a <cib> element.
func UnpackWith(root *etree.Element, now time.Time, opts Options) (*Cluster, error) {
	if root == nil {
		return nil, errors.New("unpack CIB: nil root")
	}
	if root.Tag != "cib" {
		return nil, fmt.Errorf("unpack CIB: root element is <%s>, want <cib>", root.Tag)
	}
	c := &Cluster{
		Now:        now,
		Root:       root,
		NodeByName: map[string]*Node{},
		NodeByID:   map[string]*Node{},
		ByID:       map[string]*Resource{},
		Templates:  map[string]*Resource{},
		TagByID:    map[string]*Tag{},
	}
	u := &unpacker{c: c, opts: opts}
	c.Epoch = ParseInt(root.SelectAttrValue("epoch", "0"), 0)
	c.NumUpdates = ParseInt(root.SelectAttrValue("num_updates", "0"), 0)
	c.AdminEpoch = ParseInt(root.SelectAttrValue("admin_epoch", "0"), 0)
	c.ValidateWith = root.SelectAttrValue("validate-with", "")
	c.CRMFeatureSet = root.SelectAttrValue("crm_feature_set", "")
	c.LastWritten = root.SelectAttrValue("cib-last-written", "")
	c.UpdateOrigin = root.SelectAttrValue("update-origin", "")
	c.UpdateClient = root.SelectAttrValue("update-client", "")
	c.UpdateUser = root.SelectAttrValue("update-user", "")
	c.ExecutionDate = root.SelectAttrValue("execution-date", "")
	c.HaveQuorum = IsTrue(root.SelectAttrValue("have-quorum", "false"))
	c.DCUUID = root.SelectAttrValue("dc-uuid", "")

	c.Configuration = root.SelectElement("configuration")
	c.StatusElement = root.SelectElement("status")
	if c.Configuration == nil {
		return nil, errors.New("unpack CIB: no <configuration> section")
	}
	cfg := c.Configuration
	c.Constraints = cfg.SelectElement("constraints")

	if e := cfg.SelectElement("crm_config"); e != nil {
		c.Properties.Sets = u.sets(e, "cluster_property_set")
	}
	c.Properties.Values = u.resolve(c.Properties.Sets, nil)
	if e := cfg.SelectElement("rsc_defaults"); e != nil {
		c.RscDefaults = u.sets(e, "meta_attributes")
	}
	c.RscDefaultMeta = u.resolve(c.RscDefaults, nil)
	if e := cfg.SelectElement("op_defaults"); e != nil {
		c.OpDefaults = u.sets(e, "meta_attributes")
	}
	c.OpDefaultMeta = u.resolve(c.OpDefaults, nil)

	u.unpackNodes(cfg.SelectElement("nodes"))
	u.unpackRemoteNodes(cfg.SelectElement("resources"))
	if err := u.unpackResources(cfg.SelectElement("resources")); err != nil {
		return nil, err
	}
	u.unpackTags(cfg.SelectElement("tags"))
	if c.DCUUID != "" {
		c.DC = c.NodeByID[c.DCUUID]
	}
	u.unpackStatus()
	return c, nil
}

func (u *unpacker) warn(format string, args ...any) {
	u.c.Warnings = append(u.c.Warnings, fmt.Sprintf(format, args...))
}

// lookupID finds any configuration element by id, for id-ref resolution.
func (u *unpacker) lookupID(id string) *etree.Element {
	if u.idIndex == nil {
		u.idIndex = map[string]*etree.Element{}
		var walk func(e *etree.Element)
		walk = func(e *etree.Element) {
			if id := e.SelectAttrValue("id", ""); id != "" {
				if _, dup := u.idIndex[id]; !dup {
					u.idIndex[id] = e
				}
			}
			for _, ch := range e.ChildElements() {
				walk(ch)
			}
		}
		walk(u.c.Configuration)
	}
	return u.idIndex[id]
}

// deref follows an id-ref to the referenced element.
func (u *unpacker) deref(e *etree.Element) *etree.Element {
	if ref := e.SelectAttrValue("id-ref", ""); ref != "" {
		if t := u.lookupID(ref); t != nil {
			return t
		}
		u.warn("unresolved id-ref %q in <%s>", ref, e.Tag)
	}
	return e
}

// sets unpacks every child set element with the given tag.
func (u *unpacker) sets(parent *etree.Element, tag string) []AttrSet {
	var out []AttrSet
	// Ranging over Child instead of ChildElements() saves a slice per call:
	// this runs several times for every resource and operation.
	for _, tok := range parent.Child {
		ch, ok := tok.(*etree.Element)
		if !ok || ch.Tag != tag {
			continue
		}
		e := u.deref(ch)
		s := AttrSet{
			ID:      e.SelectAttrValue("id", ""),
			Score:   ParseScore(ch.SelectAttrValue("score", e.SelectAttrValue("score", "0"))),
			Element: e,
		}
		for _, tok := range e.Child {
			p, ok := tok.(*etree.Element)
			if !ok {
				continue
			}
			switch p.Tag {
			case "nvpair":
				p = u.deref(p)
				s.Pairs = append(s.Pairs, NVPair{
					ID:    p.SelectAttrValue("id", ""),
					Name:  p.SelectAttrValue("name", ""),
					Value: p.SelectAttrValue("value", ""),
				})
			case "rule":
				s.Rule = u.deref(p)
			}
		}
		out = append(out, s)
	}
	return out
}

// resolve merges attribute sets the way Pacemaker does: higher score first
// (XML order among equals), and the first value found for a name wins.
func (u *unpacker) resolve(sets []AttrSet, node *Node) map[string]string {
	m := make(map[string]string)
	u.resolveInto(m, sets, node)
	return m
}

func (u *unpacker) resolveInto(m map[string]string, sets []AttrSet, node *Node) {
	order := sets
	if len(sets) > 1 {
		order = append([]AttrSet(nil), sets...)
		sort.SliceStable(order, func(i, j int) bool { return order[i].Score > order[j].Score })
	}
	for _, s := range order {
		if s.Rule != nil && (u.opts.EvalRule == nil || !u.opts.EvalRule(s.Rule, node)) {
			continue
		}
		for _, p := range s.Pairs {
			if _, ok := m[p.Name]; !ok {
				m[p.Name] = p.Value
			}
		}
	}
}

// ResolveSets merges attribute sets by Pacemaker's precedence without rules.
func ResolveSets(sets []AttrSet) map[string]string {
	u := &unpacker{}
	return u.resolve(sets, nil)
}

func (u *unpacker) addNode(n *Node) *Node {
	c := u.c
	if old := c.NodeByName[n.Name]; old != nil {
		return old
	}
	c.Nodes = append(c.Nodes, n)
	c.NodeByName[n.Name] = n
	if n.ID != "" {
		if _, dup := c.NodeByID[n.ID]; !dup {
			c.NodeByID[n.ID] = n
		}
	}
	return n
}

func (u *unpacker) unpackNodes(nodes *etree.Element) {
	if nodes == nil {
		return
	}
	for _, e := range nodes.SelectElements("node") {
		id := e.SelectAttrValue("id", "")
		name := e.SelectAttrValue("uname", id)
		t := NodeType(e.SelectAttrValue("type", "member"))
		switch t {
		case "normal", "":
			t = NodeMember
		case NodeMember, NodeRemote, NodePing:
		default:
			u.warn("node %s has unknown type %q", name, t)
			t = NodeMember
		}
		n := &Node{ID: id, Name: name, Type: t, Element: e, Score: ParseScore(e.SelectAttrValue("score", "0"))}
		n.InstanceSets = u.sets(e, "instance_attributes")
		n.UtilSets = u.sets(e, "utilization")
		u.addNode(n)
	}
	for _, n := range u.c.Nodes {
		n.Attrs = u.resolve(n.InstanceSets, n)
		n.Utilization = u.resolve(n.UtilSets, n)
	}
}

// unpackRemoteNodes creates nodes for remote connections (ocf:pacemaker:remote
// primitives) and guests (remote-node meta) before resources are unpacked, so
// that clone-max defaults count them as Pacemaker does.
func (u *unpacker) unpackRemoteNodes(resources *etree.Element) {
	if resources == nil {
		return
	}
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		for _, ch := range e.ChildElements() {
			switch ch.Tag {
			case "group":
				walk(ch)
			case "primitive":
				id := ch.SelectAttrValue("id", "")
				if ch.SelectAttrValue("class", "") == "ocf" && ch.SelectAttrValue("provider", "") == "pacemaker" &&
					ch.SelectAttrValue("type", "") == "remote" {
					if n := u.c.NodeByName[id]; n != nil {
						n.Type = NodeRemote
					} else {
						n := u.addNode(&Node{ID: id, Name: id, Type: NodeRemote})
						n.Attrs = map[string]string{}
						n.Utilization = map[string]string{}
					}
					continue
				}
				meta := u.resolve(u.sets(ch, "meta_attributes"), nil)
				if rn := meta["remote-node"]; rn != "" {
					if n := u.c.NodeByName[rn]; n != nil {
						n.Type = NodeGuest
					} else {
						n := u.addNode(&Node{ID: rn, Name: rn, Type: NodeGuest})
						n.Attrs = map[string]string{}
						n.Utilization = map[string]string{}
					}
				}
			}
		}
	}
	walk(resources)
}

func (u *unpacker) unpackTags(tags *etree.Element) {
	if tags == nil {
		return
	}
	for _, e := range tags.SelectElements("tag") {
		t := &Tag{ID: e.SelectAttrValue("id", "")}
		for _, r := range e.SelectElements("obj_ref") {
			t.Refs = append(t.Refs, r.SelectAttrValue("id", ""))
		}
		u.c.Tags = append(u.c.Tags, t)
		u.c.TagByID[t.ID] = t
	}
}

func (u *unpacker) unpackResources(resources *etree.Element) error {
	if resources == nil {
		return nil
	}
	// Templates first: primitives may reference templates defined later.
	for _, e := range resources.SelectElements("template") {
		t := u.newPrimitive(e, nil)
		u.c.Templates[t.ID] = t
	}
	if len(u.c.ByID) == 0 {
		// Top-level entries are a floor for the number of ids: sizing the map
		// for them saves rehashing it as it grows.
		u.c.ByID = make(map[string]*Resource, len(resources.Child))
	}
	for _, e := range resources.ChildElements() {
		var r *Resource
		switch e.Tag {
		case "primitive":
			r = u.newPrimitive(e, nil)
		case "group":
			r = u.newGroup(e, nil)
		case "clone", "master":
			r = u.newClone(e, nil)
		case "bundle":
			r = u.newBundle(e)
		case "template":
			continue
		default:
			u.warn("ignoring unknown resource element <%s>", e.Tag)
			continue
		}
		if r == nil {
			continue
		}
		// register already put r itself in ByID unless the id was taken.
		if prev, dup := u.c.ByID[r.ID]; dup && prev != r && r.Kind != Bundle {
			u.warn("duplicate resource id %q ignored", r.ID)
		}
		u.c.Resources = append(u.c.Resources, r)
	}
	for _, r := range u.c.Resources {
		u.finish(r)
	}
	u.addGuestConnections()
	// Pacemaker keeps top-level resources ordered by priority (stable).
	sort.SliceStable(u.c.Resources, func(i, j int) bool {
		return u.c.Resources[i].Priority > u.c.Resources[j].Priority
	})
	// Resolve containers named by the "container" meta attribute.
	for _, r := range u.c.ByID {
		if cid := r.Meta["container"]; cid != "" && r.Container == nil {
			r.Container = u.c.ByID[cid]
		}
	}
	for _, n := range u.c.Nodes {
		switch n.Type {
		case NodeRemote:
			if r := u.c.ByID[n.Name]; r != nil && r.Kind == Primitive {
				n.RemoteRsc = r
			}
		case NodeGuest:
			for _, r := range u.c.ByID {
				if r.Kind == Primitive && r.RemoteNode == n.Name && r.InstanceNum < 0 {
					n.Container = r
				}
			}
			if r := u.c.ByID[n.Name]; r != nil && r.Implicit {
				n.RemoteRsc = r
			}
		}
	}
	return nil
}

// addGuestConnections creates the implicit ocf:pacemaker:remote connection
// resource of every guest node (a primitive with remote-node set), named
// after the node, as Pacemaker does; crm_mon does not list them.
func (u *unpacker) addGuestConnections() {
	var guests []*Resource
	for _, r := range u.c.Resources {
		for _, p := range r.Primitives() {
			if p.RemoteNode != "" && p.InstanceNum < 0 {
				guests = append(guests, p)
			}
		}
	}
	for _, g := range guests {
		if _, exists := u.c.ByID[g.RemoteNode]; exists {
			continue
		}
		conn := &Resource{
			ID: g.RemoteNode, BaseID: g.RemoteNode, Kind: Primitive, Element: g.Element,
			InstanceNum: -1, Class: "ocf", Provider: "pacemaker", Type: "remote",
			Implicit: true, Container: g,
		}
		// Pacemaker gives the implicit connection a 30s monitor.
		conn.Ops = []Op{{ID: g.RemoteNode + "-monitor-interval-30s", Name: "monitor", Interval: 30 * time.Second, IntervalMS: 30000, Timeout: 30 * time.Second, Enabled: true}}
		conn.Params = map[string]string{"addr": firstOf(g.Meta, "remote-addr"), "port": g.Meta["remote-port"]}
		if conn.Params["addr"] == "" {
			conn.Params["addr"] = g.RemoteNode
		}
		u.resolveMeta(conn)
		u.register(conn)
		u.c.Resources = append(u.c.Resources, conn)
	}
}

func (u *unpacker) register(r *Resource) {
	if _, dup := u.c.ByID[r.ID]; !dup {
		u.c.ByID[r.ID] = r
	}
}

func newResource(e *etree.Element, kind Kind, parent *Resource) *Resource {
	id := e.SelectAttrValue("id", "")
	return &Resource{ID: id, BaseID: id, Kind: kind, Element: e, Parent: parent, InstanceNum: -1}
}

func (u *unpacker) newPrimitive(e *etree.Element, parent *Resource) *Resource {
	r := newResource(e, Primitive, parent)
	r.Class = e.SelectAttrValue("class", "")
	r.Provider = e.SelectAttrValue("provider", "")
	r.Type = e.SelectAttrValue("type", "")
	r.Template = e.SelectAttrValue("template", "")
	r.InstanceSets = u.sets(e, "instance_attributes")
	r.MetaSets = u.sets(e, "meta_attributes")
	r.UtilSets = u.sets(e, "utilization")
	r.Ops = u.ops(e)
	if r.Template != "" && e.Tag != "template" {
		t := u.c.Templates[r.Template]
		if t == nil {
			u.warn("resource %s references unknown template %s", r.ID, r.Template)
		} else {
			if r.Class == "" {
				r.Class, r.Provider, r.Type = t.Class, t.Provider, t.Type
			}
			// The primitive's own settings take precedence over the template's.
			r.InstanceSets = append(r.InstanceSets, t.InstanceSets...)
			r.MetaSets = append(r.MetaSets, t.MetaSets...)
			r.UtilSets = append(r.UtilSets, t.UtilSets...)
			for _, op := range t.Ops {
				overridden := false
				for _, own := range r.Ops {
					// A primitive's op replaces the template's of the same
					// name and role, whatever its interval.
					if own.Name == op.Name && own.Role == op.Role {
						overridden = true
						break
					}
				}
				if !overridden {
					r.Ops = append(r.Ops, op)
				}
			}
		}
	}
	if e.Tag != "template" {
		u.register(r)
	}
	return r
}

func (u *unpacker) ops(e *etree.Element) []Op {
	ops := e.SelectElement("operations")
	if ops == nil {
		return nil
	}
	ops = u.deref(ops)
	var out []Op
	for _, o := range ops.SelectElements("op") {
		o = u.deref(o)
		op := Op{
			ID:      o.SelectAttrValue("id", ""),
			Name:    o.SelectAttrValue("name", ""),
			OnFail:  o.SelectAttrValue("on-fail", ""),
			Enabled: ParseBool(o.SelectAttrValue("enabled", "true"), true),
			Element: o,
			Role:    ParseRole(o.SelectAttrValue("role", "")),
		}
		if iv, err := ParseInterval(o.SelectAttrValue("interval", "0")); err == nil {
			op.Interval = iv
			op.IntervalMS = iv.Milliseconds()
		} else {
			u.warn("op %s: %v", op.ID, err)
		}
		if to := o.SelectAttrValue("timeout", ""); to != "" {
			if d, err := ParseInterval(to); err == nil {
				op.Timeout = d
			}
		}
		sets := u.sets(o, "meta_attributes")
		size := len(o.Attr)
		for _, s := range sets {
			size += len(s.Pairs)
		}
		op.Meta = make(map[string]string, size)
		u.resolveInto(op.Meta, sets, nil)
		for _, a := range o.Attr {
			if _, ok := op.Meta[a.Key]; !ok {
				op.Meta[a.Key] = a.Value
			}
		}
		if v, ok := op.Meta["on-fail"]; ok && op.OnFail == "" {
			op.OnFail = v
		}
		if v, ok := op.Meta["enabled"]; ok {
			op.Enabled = ParseBool(v, true)
		}
		out = append(out, op)
	}
	return out
}

func (u *unpacker) newGroup(e *etree.Element, parent *Resource) *Resource {
	r := newResource(e, Group, parent)
	r.InstanceSets = u.sets(e, "instance_attributes")
	r.MetaSets = u.sets(e, "meta_attributes")
	u.register(r)
	for _, ch := range e.SelectElements("primitive") {
		r.Children = append(r.Children, u.newPrimitive(ch, r))
	}
	return r
}

func (u *unpacker) newClone(e *etree.Element, parent *Resource) *Resource {
	r := newResource(e, Clone, parent)
	r.InstanceSets = u.sets(e, "instance_attributes")
	r.MetaSets = u.sets(e, "meta_attributes")
	u.register(r)
	for _, ch := range e.ChildElements() {
		switch ch.Tag {
		case "primitive":
			r.Prototype = u.newPrimitive(ch, r)
		case "group":
			r.Prototype = u.newGroup(ch, r)
		}
		if r.Prototype != nil {
			break
		}
	}
	if r.Prototype == nil {
		u.warn("clone %s has no child resource", r.ID)
	}
	return r
}

// finish resolves meta attributes top-down, then expands clone instances.
func (u *unpacker) finish(r *Resource) {
	u.resolveMeta(r)
	switch r.Kind {
	case Group:
		for _, ch := range r.Children {
			u.finish(ch)
		}
	case Clone:
		if r.Prototype != nil {
			u.finish(r.Prototype)
			for i := 0; i < r.CloneMax; i++ {
				r.Children = append(r.Children, u.instance(r.Prototype, r, i))
			}
		}
	case Bundle:
		u.finishBundle(r)
	}
}

// instance deep-copies a clone's prototype as instance number n.
func (u *unpacker) instance(proto, parent *Resource, n int) *Resource {
	cp := *proto
	cp.ID = proto.BaseID + ":" + strconv.Itoa(n)
	cp.InstanceNum = n
	cp.Parent = parent
	cp.Children = nil
	cp.StatusOrder = nil
	cp.statusNodes = nil
	cp.undiscovered = 0
	cp.failing = false
	cp.retyped = false
	cp.RunningOn = nil
	r := &cp
	for _, ch := range proto.Children {
		r.Children = append(r.Children, u.instance(ch, r, n))
	}
	u.register(r)
	return r
}

// resolveMeta computes Meta/Params/Utilization and the typed fields.
func (u *unpacker) resolveMeta(r *Resource) {
	c := u.c
	meta := u.resolve(r.MetaSets, nil)
	// Parents' meta attributes are inherited where not overridden.
	if r.Parent != nil {
		for k, v := range r.Parent.Meta {
			if _, ok := meta[k]; !ok {
				meta[k] = v
			}
		}
	}
	for k, v := range u.rscDefaultsFor(r) {
		if _, ok := meta[k]; !ok {
			meta[k] = v
		}
	}
	r.Meta = meta
	r.Params = u.resolve(r.InstanceSets, nil)
	r.Utilization = u.resolve(r.UtilSets, nil)

	r.TargetRole = RoleStarted
	if v, ok := meta["target-role"]; ok {
		if role := ParseRole(v); role != RoleUnknown {
			r.TargetRole = role
			r.TargetRoleSet = true
		} else if v != "default" {
			u.warn("resource %s: invalid target-role %q", r.ID, v)
		}
	}
	r.Managed = ParseBool(meta["is-managed"], true)
	if IsTrue(meta["maintenance"]) || c.Properties.MaintenanceMode() {
		r.Managed = false
	}
	r.Priority = ParseScore(meta["priority"])
	if v, ok := meta["resource-stickiness"]; ok {
		r.Stickiness = ParseScore(v)
	} else if v, ok := meta["default-resource-stickiness"]; ok {
		r.Stickiness = ParseScore(v)
	} else {
		r.Stickiness = c.Properties.DefaultResourceStickiness()
	}
	r.MigrationThreshold = Infinity
	if v, ok := meta["migration-threshold"]; ok {
		r.MigrationThreshold = ParseScore(v)
		if r.MigrationThreshold < 0 {
			r.MigrationThreshold = 0
		}
	}
	if v, ok := meta["failure-timeout"]; ok {
		if d, err := ParseInterval(v); err == nil {
			r.FailureTimeout = d
		}
	}
	r.MultipleActive = meta["multiple-active"]
	if r.MultipleActive == "" {
		r.MultipleActive = "stop_start"
	}
	r.AllowMigrate = IsTrue(meta["allow-migrate"])
	r.Critical = ParseBool(meta["critical"], true)
	r.Description = r.Element.SelectAttrValue("description", "")
	r.RemoteNode = meta["remote-node"]
	r.Requires = meta["requires"]
	if r.Requires == "" {
		switch {
		case r.Class == "stonith":
			r.Requires = "quorum"
		case c.Properties.StonithEnabled():
			r.Requires = "fencing"
		default:
			r.Requires = "quorum"
		}
	}
	if r.Kind == Clone {
		r.Promotable = r.Element.Tag == "master" || IsTrue(meta["promotable"])
		r.GloballyUnique = IsTrue(meta["globally-unique"])
		r.CloneMax = len(c.Nodes)
		if v, ok := meta["clone-max"]; ok {
			r.CloneMax = ParseInt(v, r.CloneMax)
		}
		if r.CloneMax < 0 {
			r.CloneMax = 0
		}
		r.CloneNodeMax = ParseInt(meta["clone-node-max"], 1)
		r.PromotedMax = ParseInt(firstOf(meta, "promoted-max", "master-max"), 1)
		r.PromotedNodeMax = ParseInt(firstOf(meta, "promoted-node-max", "master-node-max"), 1)
		r.Interleave = IsTrue(meta["interleave"])
		r.Notify = IsTrue(meta["notify"])
		r.Ordered = IsTrue(meta["ordered"])
	}
	if r.Parent != nil && r.Parent.Kind == Clone {
		if _, ok := meta["resource-stickiness"]; !ok {
			if _, ok := r.Parent.Meta["resource-stickiness"]; !ok {
				// Clone instances default to a stickiness of 1.
				r.Stickiness = 1
			}
		}
	}
}

// rscDefaultsFor resolves rsc_defaults for one resource: sets guarded by
// rules are evaluated against that resource.
func (u *unpacker) rscDefaultsFor(r *Resource) map[string]string {
	ruled := false
	for _, s := range u.c.RscDefaults {
		ruled = ruled || s.Rule != nil
	}
	if !ruled || u.opts.EvalRscRule == nil {
		return u.c.RscDefaultMeta
	}
	order := append([]AttrSet(nil), u.c.RscDefaults...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Score > order[j].Score })
	m := map[string]string{}
	for _, s := range order {
		if s.Rule != nil && !u.opts.EvalRscRule(s.Rule, r) {
			continue
		}
		for _, p := range s.Pairs {
			if _, ok := m[p.Name]; !ok {
				m[p.Name] = p.Value
			}
		}
	}
	return m
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return ""
}

// stripInstance removes a trailing ":N" clone instance suffix.
func stripInstance(id string) string {
	if i := strings.LastIndexByte(id, ':'); i > 0 {
		if _, err := strconv.Atoi(id[i+1:]); err == nil {
			return id[:i]
		}
	}
	return id
}
