package cluster

import (
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// unpackStatus derives node states and resource states from <status>.
func (u *unpacker) unpackStatus() {
	c := u.c
	fencing := c.Properties.StonithEnabled()
	names := make(map[string]bool, len(c.Nodes))
	for _, n := range c.Nodes {
		names[n.Name] = true
	}
	u.uniqueNodeNames = len(names) == len(c.Nodes)
	var states []*etree.Element
	stateNode := map[*etree.Element]*Node{}
	if c.StatusElement != nil {
		for _, ns := range c.StatusElement.SelectElements("node_state") {
			id := ns.SelectAttrValue("id", "")
			n := c.NodeByID[id]
			if n == nil {
				n = c.NodeByName[ns.SelectAttrValue("uname", id)]
			}
			if n == nil || n.StateElement != nil {
				continue
			}
			n.StateElement = ns
			states = append(states, ns)
			stateNode[ns] = n
			u.unpackTransient(n, ns)
		}
	}
	for _, n := range c.Nodes {
		if n.Transient == nil && n.Attrs == nil {
			n.Attrs = map[string]string{}
		}
		n.Standby = IsTrue(n.Attrs["standby"])
		n.Maintenance = IsTrue(n.Attrs["maintenance"])
		if n.IsRemote() {
			continue // decided once connections are known
		}
		u.nodeOnline(n, fencing)
	}

	// History: online cluster nodes first, then remote nodes as their
	// connections turn out to be running, then (with fencing) the rest.
	for changed := true; changed; {
		changed = false
		for _, ns := range states {
			n := stateNode[ns]
			if n.Unpacked || !u.historyReady(n, false) {
				continue
			}
			u.unpackNodeHistory(n, ns)
			changed = true
		}
	}
	if fencing || c.Properties.ShutdownLock() {
		for _, ns := range states {
			n := stateNode[ns]
			if n.Unpacked {
				continue
			}
			if n.IsRemote() {
				u.remoteOnline(n)
			}
			if n.Type == NodeGuest && n.Container != nil && n.Container.Role < RoleStarted {
				// A guest whose container is down: what its history says was
				// running there is gone, and recovering it means treating the
				// container as failed (the guest's "fencing").
				n.Unpacked = true
				if historyShowsActive(ns) {
					n.Container.Failed = true
					n.Unclean = true
				}
				continue
			}
			u.unpackNodeHistory(n, ns)
		}
	}
	for _, n := range c.Nodes {
		if n.IsRemote() && !n.Unpacked {
			u.remoteOnline(n)
		}
		if n.Type == NodeRemote && n.StateElement == nil && !n.Online && n.RemoteRsc != nil &&
			fencing && c.Properties.StartupFencing() {
			// Never seen and not connected: unclean until fenced.
			n.Unclean = true
		}
	}
	u.aggregate()
}

func (u *unpacker) unpackTransient(n *Node, ns *etree.Element) {
	ta := ns.SelectElement("transient_attributes")
	attrs := map[string]string{}
	for k, v := range n.Attrs {
		attrs[k] = v
	}
	if ta != nil {
		sets := u.sets(ta, "instance_attributes")
		for _, s := range sets {
			n.Transient = append(n.Transient, s.Pairs...)
		}
		for k, v := range u.resolve(sets, n) {
			attrs[k] = v
		}
		if n.Transient == nil {
			n.Transient = []NVPair{}
		}
	}
	n.Attrs = attrs
}

// historyReady tells whether a node's history can be used yet: cluster nodes
// when online; remote nodes once their connection (and container) run.
func (u *unpacker) historyReady(n *Node, final bool) bool {
	switch n.Type {
	case NodeGuest:
		if n.Container == nil || n.Container.Role < RoleStarted {
			return false
		}
		if n.RemoteRsc != nil && n.RemoteRsc.Role < RoleStarted {
			return false
		}
		u.remoteOnline(n)
		return true
	case NodeRemote:
		if n.RemoteRsc == nil {
			return false
		}
		if n.RemoteRsc.Role < RoleStarted && !u.c.Properties.ShutdownLock() {
			return false
		}
		u.remoteOnline(n)
		return true
	}
	// Offline cluster nodes are read in order too when fencing (or shutdown
	// locks) may act on what they ran.
	return n.Online || u.c.Properties.StonithEnabled() || u.c.Properties.ShutdownLock()
}

// remoteOnline decides a remote or guest node's state from its connection.
func (u *unpacker) remoteOnline(n *Node) {
	ns := n.StateElement
	if ns != nil {
		n.RemoteWasFenced = IsTrue(ns.SelectAttrValue("node_fenced", "false"))
	}
	rsc := n.RemoteRsc
	if rsc == nil && n.Type == NodeGuest {
		rsc = n.Container
	}
	switch {
	case rsc == nil:
		n.Online = false
	case n.Type == NodeGuest && n.Container != nil && n.Container.Role < RoleStarted:
		n.Online = false
	case n.Type == NodeGuest && n.Container != nil && len(n.Container.RunningOn) > 0 &&
		n.Container.RunningOn[0].Unclean && !n.Container.RunningOn[0].Online:
		// The host is lost, so the guest is too.
		n.Online = false
		n.Unclean = true
	case n.Type == NodeGuest && n.Container != nil && n.Container.Failed:
		n.Online = false
		n.Unclean = true
	case rsc.Role >= RoleStarted && !rsc.Failed:
		n.Online = true
	case rsc.Failed && n.Type == NodeGuest && rsc.Role >= RoleStarted:
		// A guest whose connection failed is recovered by recovering its
		// container: the guest is lost, the container failed.
		n.Online = false
		n.Unclean = true
		if n.Container != nil {
			n.Container.Failed = true
		}
	case rsc.Failed:
		n.Online = false
	default:
		n.Online = false
	}
	if n.Online && n.Type == NodeRemote && n.RemoteRsc != nil && n.RemoteRsc.Failed {
		n.Online = false
	}
	if v := n.Attrs["shutdown"]; v != "" && v != "0" {
		n.Shutdown = true
	}
}

// nodeOnline applies Pacemaker's membership rules to a cluster node.
func (u *unpacker) nodeOnline(n *Node, fencing bool) {
	c := u.c
	if n.Type == NodePing {
		n.Online = false
		return
	}
	ns := n.StateElement
	if ns == nil {
		// Never seen: with startup-fencing it must be fenced before use.
		if fencing && c.Properties.StartupFencing() {
			n.Unclean = true
		}
		return
	}
	n.InCCM = ns.SelectAttrValue("in_ccm", "")
	n.Crmd = ns.SelectAttrValue("crmd", "")
	n.Join = ns.SelectAttrValue("join", "")
	n.Expected = ns.SelectAttrValue("expected", "")
	n.ShutdownTime = n.Attrs["shutdown"]
	if n.ShutdownTime == "" {
		n.ShutdownTime = ns.SelectAttrValue("shutdown", "")
	}
	n.Shutdown = n.ShutdownTime != "" && n.ShutdownTime != "0"
	expected := n.Expected
	if expected == "" {
		expected = "down"
	}
	n.ExpectedUp = expected == "member"
	inCluster := n.InCCM != "" && IsTrue(n.InCCM)
	crmdOnline := n.Crmd == "online"
	terminate := IsTrue(n.Attrs["terminate"]) || ParseInt(n.Attrs["terminate"], 0) > 0

	if !fencing {
		switch {
		case !inCluster:
		case crmdOnline:
			if n.Join == "member" {
				n.Online = true
			}
		case !n.ExpectedUp:
		default:
			n.Unclean = true
		}
		return
	}
	switch {
	case n.InCCM == "":
		// Never seen by the membership layer: must be fenced before use.
		n.Unclean = true
	case n.Join == "nack":
		n.Unclean = true
	case !inCluster:
		// Gone from the membership: clean only if it was expected to leave.
		if n.ExpectedUp && !terminate {
			n.Unclean = true
		}
	case !crmdOnline:
		// Member without a controller: lost unless it was shutting down.
		if n.ExpectedUp || terminate {
			n.Unclean = true
			n.Online = n.Crmd == ""
		}
	case terminate:
		n.Unclean = true
		n.Online = true
	case n.Join == "member":
		n.Online = true
	case n.Join == "pending" || n.Join == "down" || n.Join == "":
		n.Pending = true
	default:
		n.Unclean = true
	}
	if n.Online && !c.HaveQuorum && c.Properties.NoQuorumPolicy() == "suicide" {
		// Without quorum, suicide means every node fences itself.
		n.Unclean = true
	}
}

// historyShowsActive reports whether any resource in a node's history was
// last seen running there.
func historyShowsActive(ns *etree.Element) bool {
	lrm := ns.SelectElement("lrm")
	if lrm == nil || lrm.SelectElement("lrm_resources") == nil {
		return false
	}
	for _, lr := range lrm.SelectElement("lrm_resources").SelectElements("lrm_resource") {
		var recs []*OpRecord
		for _, e := range lr.SelectElements("lrm_rsc_op") {
			recs = append(recs, parseOp(e))
		}
		sortOps(recs)
		active := false
		for _, op := range recs {
			if op.Pending() {
				continue
			}
			res, seen := classify(op)
			if res != outOK {
				continue
			}
			switch {
			case seen == RoleStopped || op.Operation == "stop":
				active = false
			case seen >= RoleStarted || op.Operation == "start" || op.Operation == "promote" ||
				op.Operation == "migrate_from":
				active = true
			}
		}
		if active {
			return true
		}
	}
	return false
}

// unpackNodeHistory processes every lrm_resource recorded for node n.
func (u *unpacker) unpackNodeHistory(n *Node, ns *etree.Element) {
	n.Unpacked = true
	lrm := ns.SelectElement("lrm")
	if lrm == nil {
		return
	}
	lrs := lrm.SelectElement("lrm_resources")
	if lrs == nil {
		return
	}
	i := 0
	for _, tok := range lrs.Child {
		if lr, ok := tok.(*etree.Element); ok && lr.Tag == "lrm_resource" {
			u.unpackLRMResource(n, lr, i)
			i++
		}
	}
}

// findHistoryResource maps a history id on a node to a resource instance,
// creating an orphan when nothing is configured under that name.
//
// pos is lr's position among the node's lrm_resource entries: nodes list
// their history in much the same order, so the resource found at pos on the
// previous node is tried before the map.
func (u *unpacker) findHistoryResource(n *Node, lr *etree.Element, hid string, pos int) *Resource {
	c := u.c
	var r *Resource
	if pos < len(u.histPred) && u.histPred[pos] != nil && u.histPred[pos].ID == hid {
		r = u.histPred[pos]
	} else {
		r = c.ByID[hid]
		if r != nil {
			for len(u.histPred) <= pos {
				u.histPred = append(u.histPred, nil)
			}
			u.histPred[pos] = r
		}
	}
	var parent *Resource
	if r == nil || r.Kind != Primitive {
		if r != nil {
			r = nil // history for something no longer primitive is orphaned
		} else if z := c.ByID[stripInstance(hid)+":0"]; z != nil && z.Kind == Primitive {
			if top := z.Top(); top.Kind == Clone && !top.GloballyUnique {
				r, parent = z, top
			}
		}
	} else {
		parent = r.Top()
	}
	if r != nil && r.Parent != nil && r.Parent.Kind == Clone && r.Parent.Parent != nil &&
		r.Parent.Parent.Kind == Bundle {
		// Bundle children belong to the replica whose guest node this is.
		r = bundleReplicaFor(r.Parent.Parent, n, r.BaseID)
	} else if r != nil && r.InstanceNum < 0 && r.Parent != nil && r.Parent.Kind == Clone {
		// History recorded under a clone's prototype id.
		parent = r.Parent
		r = nil
		if !parent.GloballyUnique && parent.Prototype != nil {
			r = u.anonymousInstance(n, parent, hid)
		}
	} else if r != nil && parent != nil && parent.Kind == Clone && !parent.GloballyUnique {
		r = u.anonymousInstance(n, parent, stripInstance(hid))
	}
	if r == nil {
		r = u.orphan(lr, hid)
	}
	return r
}

// anonymousInstance picks the instance of an anonymous clone that history for
// base on node n belongs to: one already (partly) active on n, else the first
// inactive instance, else a new orphan instance.
func (u *unpacker) anonymousInstance(n *Node, clone *Resource, base string) *Resource {
	var inactive *Resource
	for _, inst := range clone.Children {
		where := inst.activeNodes()
		if len(where) > 0 {
			for _, w := range where {
				if w == n {
					r := findBase(inst, base)
					if st := statusByName(r, n.Name); st != nil && st.Active {
						// Another history entry for the same instance on the
						// same node: surplus entries are orphans.
						return u.cloneOrphan(clone, base)
					}
					if r != nil {
						return r
					}
				}
			}
			continue
		}
		if inactive == nil && !inst.Blocked {
			r := findBase(inst, base)
			if r != nil && (r.PendingNode == nil || r.PendingNode == n) {
				inactive = r
			}
		}
	}
	if inactive != nil {
		// Instances whose history lives on an unclean node without needing
		// fencing are treated as orphans so a fresh instance can start.
		top := clone
		if inactive.Requires != "fencing" && (!n.Online || n.Unclean) && n.Type != NodeGuest &&
			!(top.CloneMax >= len(u.c.Nodes)) {
			return u.cloneOrphan(clone, base)
		}
		return inactive
	}
	return u.cloneOrphan(clone, base)
}

// findBase finds the primitive with the given base id inside instance inst.
func findBase(inst *Resource, base string) *Resource {
	if inst.BaseID == base && inst.Kind == Primitive {
		return inst
	}
	for _, ch := range inst.Children {
		if r := findBase(ch, base); r != nil {
			return r
		}
	}
	return nil
}

// activeNodes lists nodes where any primitive of r is active or pending.
func (r *Resource) activeNodes() []*Node {
	var out []*Node
	for _, p := range r.Primitives() {
		for _, n := range p.RunningOn {
			out = appendNode(out, n)
		}
		if p.PendingNode != nil {
			out = appendNode(out, p.PendingNode)
		}
	}
	return out
}

func appendNode(list []*Node, n *Node) []*Node {
	for _, x := range list {
		if x == n {
			return list
		}
	}
	return append(list, n)
}

// cloneOrphan creates an extra, orphaned instance of an anonymous clone.
func (u *unpacker) cloneOrphan(clone *Resource, base string) *Resource {
	n := len(clone.Children)
	inst := u.instance(clone.Prototype, clone, n)
	markOrphan(inst)
	clone.Children = append(clone.Children, inst)
	return findBase(inst, base)
}

func markOrphan(r *Resource) {
	r.Orphan = true
	for _, ch := range r.Children {
		markOrphan(ch)
	}
}

// orphan creates a top-level resource for history with no configuration.
func (u *unpacker) orphan(lr *etree.Element, hid string) *Resource {
	if r := u.c.ByID[hid]; r != nil && r.Orphan && r.Parent == nil {
		return r
	}
	r := &Resource{
		ID: hid, BaseID: hid, Kind: Primitive, Element: lr, InstanceNum: -1,
		Class:    lr.SelectAttrValue("class", ""),
		Provider: lr.SelectAttrValue("provider", ""),
		Type:     lr.SelectAttrValue("type", ""),
		Orphan:   true,
	}
	if cid := lr.SelectAttrValue("container", ""); cid != "" {
		r.Container = u.c.ByID[cid]
	}
	u.resolveMeta(r)
	// Orphans are managed only when the cluster stops them.
	if !u.c.Properties.StopOrphanResources() {
		r.Managed = false
	}
	u.c.ByID[hid] = r
	// ByID[hid] may have named another resource: forget the guesses.
	clear(u.histPred)
	u.c.Resources = append(u.c.Resources, r)
	return r
}

// unpackLRMResource reads one lrm_resource and folds it into the model.
func (u *unpacker) unpackLRMResource(n *Node, lr *etree.Element, pos int) {
	hid := lrmID(lr)
	if hid == "" {
		return
	}
	// Records come from shared chunks (takeOps): this runs for every
	// resource on every node each time the DC rebuilds the model.
	nops := 0
	for _, tok := range lr.Child {
		if e, ok := tok.(*etree.Element); ok && e.Tag == "lrm_rsc_op" {
			nops++
		}
	}
	slab := u.takeOps(nops)
	recs := u.takeOpPtrs(nops)
	for _, tok := range lr.Child {
		if e, ok := tok.(*etree.Element); ok && e.Tag == "lrm_rsc_op" {
			o := &slab[len(recs)]
			parseOpInto(o, e)
			recs = append(recs, o)
		}
	}
	sortOps(recs)
	r := u.findHistoryResource(n, lr, hid, pos)
	if r == nil {
		return
	}
	if r.Orphan && len(recs) == 0 {
		return
	}
	lastFailure := false
	for _, o := range recs {
		if o.Operation == "migrate_to" && !o.Pending() {
			r.migrateTo = true // see migrations
		}
		if strings.HasSuffix(o.ID, "_last_failure_0") {
			lastFailure = true
		}
	}
	st := u.takeState()
	*st = RscNodeState{
		Rsc: r, Node: n, HistoryID: hid, History: recs, Element: lr,
		agentChanged: agentChanged(r, lr), discovered: discoveredBy(recs),
		lastFailure: lastFailure,
	}
	if r.StatusOrder == nil {
		// Probes leave history for most resources on every node, so size
		// for that instead of growing node by node.
		r.StatusOrder = make([]*RscNodeState, 0, len(u.c.Nodes))
		r.statusNodes = make([]*Node, 0, len(u.c.Nodes))
	}
	u.replay(r, n, st)
	if !n.Online && !n.Unclean && u.c.Properties.ShutdownLock() {
		u.shutdownLock(r, n, lr)
	}
	if n.Maintenance && st.Active {
		// Nothing active on a node in maintenance is managed.
		r.Managed = false
	}
	u.failcounts(r, n, st)
	if old := u.statusOn(r, n); old != nil {
		// Several history entries map to the same resource and node: each is
		// replayed on its own and the node stays active if any says so.
		merged := st
		if old.Active && (!st.Active || old.Role > st.Role) {
			merged = old
		}
		merged.History = append(append([]*OpRecord(nil), old.History...), recs...)
		sortOps(merged.History)
		merged.discovered = discoveredBy(merged.History)
		merged.lastFailure = old.lastFailure || st.lastFailure
		if !old.discovered {
			r.undiscovered--
		}
		if !merged.discovered {
			r.undiscovered++
		}
		merged.Failed = old.Failed || st.Failed
		st = merged
		for i, x := range r.StatusOrder {
			if x == old {
				r.StatusOrder[i] = st
			}
		}
	} else {
		r.StatusOrder = append(r.StatusOrder, st)
		r.statusNodes = append(r.statusNodes, n)
		if !st.discovered {
			r.undiscovered++
		}
	}
	if len(st.Failures()) > 0 || st.FailCount != 0 || st.lastFailure {
		r.failing = true
	}
	if st.agentChanged {
		r.retyped = true
	}
	if st.Active && !n.Online && !n.Unclean && n.Type != NodeGuest && r.Managed &&
		u.c.Properties.StonithEnabled() {
		// A managed resource believed active on a node that is down means
		// the node must be fenced.
		n.Unclean = true
	}
	if st.Active && n.Type == NodeGuest && n.Unclean {
		// Resources on a guest that must be "fenced" (its container
		// recovered) are failed.
		st.Failed = true
	}
	if st.Active {
		r.RunningOn = appendNode(r.RunningOn, n)
		n.RunningRsc = appendRsc(n.RunningRsc, r)
		if st.Role > r.Role {
			r.Role = st.Role
		}
	}
	if st.Failed {
		r.Failed = true
	}
	if st.Blocked {
		r.Blocked = true
		r.Managed = false
	}
	if st.Pending != nil && r.PendingNode == nil {
		r.PendingNode = n
		r.PendingTask = st.Pending.Operation
	}
}

// lrmID returns an lrm_resource's id (SelectAttrValue's answer: the first
// attribute so named). It runs for every resource on every node, and id
// comes first in what Pacemaker writes.
func lrmID(lr *etree.Element) string {
	if len(lr.Attr) > 0 && lr.Attr[0].Key == "id" {
		return lr.Attr[0].Value
	}
	return lr.SelectAttrValue("id", "")
}

// agentChanged tells whether lr records another agent than r's configured
// one (see RscNodeState.AgentChanged). The attributes sit next to the id just
// read, so one pass over them is cheap; each is the first of its name, as
// SelectAttrValue would find.
func agentChanged(r *Resource, lr *etree.Element) bool {
	if r.Class == "" {
		return false
	}
	var class, provider, typ string
	var seen [3]bool
	for i := range lr.Attr {
		a := &lr.Attr[i]
		switch a.Key {
		case "class":
			if !seen[0] {
				class, seen[0] = a.Value, true
			}
		case "provider":
			if !seen[1] {
				provider, seen[1] = a.Value, true
			}
		case "type":
			if !seen[2] {
				typ, seen[2] = a.Value, true
			}
		}
	}
	if class == "" || typ == "" {
		return false
	}
	return class != r.Class || typ != r.Type || provider != r.Provider
}

// shutdownLock ties r to node n, shut down cleanly, when its history there
// carries a shutdown lock that has not expired.
func (u *unpacker) shutdownLock(r *Resource, n *Node, lr *etree.Element) {
	lock := atoi64(lr.SelectAttrValue("shutdown-lock", ""))
	if lock <= 0 {
		return
	}
	limit := u.c.Properties.Duration("shutdown-lock-limit", 0)
	if limit == 0 || u.c.Now.Before(time.Unix(lock, 0).Add(limit)) {
		r.LockNode, r.LockTime = n, lock
	}
}

// statusOn returns r's state on n while n's history is being read. Each node's history is read in one pass
// (Node.Unpacked), so when node names are unique r can only have state on n
// if the last state added to r was n's: no search for almost every entry.
func (u *unpacker) statusOn(r *Resource, n *Node) *RscNodeState {
	if u.uniqueNodeNames {
		if k := len(r.StatusOrder); k == 0 || r.StatusOrder[k-1].Node != n {
			return nil
		}
	}
	return statusByName(r, n.Name)
}

// statusByName is r.StatusOn(name), searching from the end: while history
// is being read the node's state, if any, is usually the last one.
func statusByName(r *Resource, name string) *RscNodeState {
	for i := len(r.statusNodes) - 1; i >= 0; i-- {
		if r.statusNodes[i].Name == name {
			return r.StatusOrder[i]
		}
	}
	return nil
}

func appendRsc(list []*Resource, r *Resource) []*Resource {
	for _, x := range list {
		if x == r {
			return list
		}
	}
	return append(list, r)
}

func removeNode(list []*Node, n *Node) []*Node {
	out := list[:0]
	for _, x := range list {
		if x != n {
			out = append(out, x)
		}
	}
	return out
}

// atoi64 parses a decimal integer, 0 if s is not one. It runs for most
// attributes of every history entry.
func atoi64(s string) int64 {
	if s == "" {
		// Absent attributes are common; ParseInt would allocate an error.
		return 0
	}
	if len(s) <= 18 {
		// Plain non-negative numbers (nearly all of them) without
		// ParseInt's generality; 18 digits cannot overflow.
		var n int64
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				goto general
			}
			n = n*10 + int64(c-'0')
		}
		return n
	}
general:
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func parseOp(e *etree.Element) *OpRecord {
	o := &OpRecord{}
	parseOpInto(o, e)
	return o
}

// parseOpInto reads the attributes every history entry needs in one pass
// (last occurrence wins); the rest are read on demand (OpRecord methods).
// This runs for every entry of every node, so it dispatches on the key's
// length before comparing it.
func parseOpInto(o *OpRecord, e *etree.Element) {
	o.Element, o.TargetRC = e, -1
	var key, magic string
	for i := range e.Attr {
		a := &e.Attr[i]
		k, v := a.Key, a.Value
		switch len(k) {
		case 2:
			if k == "id" {
				o.ID = v
			}
		case 7:
			switch k {
			case "call-id":
				o.CallID = int(atoi64(v))
			case "rc-code":
				o.RC = int(atoi64(v))
			}
		case 8:
			if k == "interval" {
				o.IntervalMS = atoi64(v)
			}
		case 9:
			switch k {
			case "operation":
				o.Operation = internOp(v)
			case "op-status":
				o.Status = int(atoi64(v))
			case "op-digest":
				o.Digest = v
			}
		case 14:
			switch k {
			case "last-rc-change":
				o.LastRCChange = atoi64(v)
			case "transition-key":
				key = v
			}
		case 16:
			if k == "transition-magic" {
				magic = v
			}
		}
	}
	if key == "" && magic != "" {
		if i := strings.IndexByte(magic, ';'); i >= 0 {
			key = magic[i+1:]
		}
	}
	if key != "" {
		// "action:transition:target-rc:uuid" without allocating.
		if i := strings.IndexByte(key, ':'); i >= 0 {
			rest := key[i+1:]
			if j := strings.IndexByte(rest, ':'); j >= 0 {
				rest = rest[j+1:]
				if k := strings.IndexByte(rest, ':'); k >= 0 {
					rest = rest[:k]
				}
				if t, err := strconv.Atoi(rest); err == nil {
					o.TargetRC = t
				}
			}
		}
	}
}

// internOp returns the usual operation names as constant strings. The value
// read from the tree lives in scattered memory, in the same cache line as
// its attribute name just compared; the model and the scheduler compare
// Operation many times per record later, when that line is long gone.
func internOp(v string) string {
	switch v {
	case "monitor":
		return "monitor"
	case "start":
		return "start"
	case "stop":
		return "stop"
	case "promote":
		return "promote"
	case "demote":
		return "demote"
	case "notify":
		return "notify"
	case "migrate_to":
		return "migrate_to"
	case "migrate_from":
		return "migrate_from"
	}
	return v
}

// transitionNum extracts the transition number from a transition key
// "action:transition:target-rc:uuid".
func transitionNum(key string) (int, bool) {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) < 3 {
		return 0, false
	}
	n, err := strconv.Atoi(parts[1])
	return n, err == nil
}

// sortOps orders history by call-id, pending (call-id -1) entries last.
func sortOps(recs []*OpRecord) {
	// Insertion sort: stable, allocation-free, and histories are short and
	// usually nearly sorted already.
	for i := 1; i < len(recs); i++ {
		for j := i; j > 0 && opLess(recs[j], recs[j-1]); j-- {
			recs[j], recs[j-1] = recs[j-1], recs[j]
		}
	}
}

// opLess orders two history records.
func opLess(a, b *OpRecord) bool {
	ap, bp := a.Pending(), b.Pending()
	if ap || bp {
		// A pending op's call-id is unknown: order by transition number.
		ta, oka := transitionNum(a.TransitionKey())
		tb, okb := transitionNum(b.TransitionKey())
		if oka && okb && ta != tb {
			return ta < tb
		}
		if ap != bp {
			return bp
		}
	}
	if a.CallID != b.CallID {
		return a.CallID < b.CallID
	}
	return a.LastRCChange < b.LastRCChange
}
