package pengine

import (
	"github.com/beevik/etree"
	"time"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/rules"
)

// ws is the working set of one scheduler run.
type ws struct {
	c   *cluster.Cluster
	now time.Time

	nodes  []*node
	byName map[string]*node
	all    []*rsc // every resource in configuration order (parents before children)
	top    []*rsc
	byID   map[string]*rsc

	locs    []*location
	cols    []*colocation
	ords    []*ordering
	tickets []*ticket

	stonithEnabled bool
	symmetric      bool
	haveQuorum     bool
	noQuorum       string
	stopAll        bool
	maintenance    bool

	util utilization
	// connFirst are remote connection resources, placed before anything else.
	connFirst []*rsc
	// bundleOwn maps a bundle replica's guest node (by index) to the primitives
	// of the instance that belongs there (see remote.go).
	bundleOwn map[int]map[*rsc]bool
	// anyActions are the one-or-more pseudo actions of require-all=false sets.
	anyActions []*Action

	actions  []*Action
	fencing  []*Action
	warnings []string
}

// node is a cluster node during scheduling.
type node struct {
	cn   *cluster.Node
	name string
	idx  int
	// count is how many resources are assigned here, for load spreading.
	count int
	// fence is the fencing action for this node, when one is scheduled.
	fence *Action
	// guestFence is the failed container of a guest node that must be recovered.
	guestFence *rsc
	// unclean is set when the node's state is unknown and it must be fenced.
	unclean bool
	// fenceWhy is why the scheduler wants the node fenced ("" for no reason yet).
	fenceWhy string
	// shutdown is set when the node is shutting down cleanly.
	shutdown *Action
}

// canRun reports whether resources may be placed on the node.
func (n *node) canRun() bool {
	cn := n.cn
	return cn.Online && !cn.Standby && !n.unclean && !cn.Maintenance && !cn.Shutdown && !cn.Pending
}

// rsc is one resource during scheduling.
type rsc struct {
	cr       *cluster.Resource
	id       string
	idx      int
	parent   *rsc
	children []*rsc

	managed bool
	// scores are the node scores from location constraints, stickiness and
	// availability (index = node.idx); -INFINITY means not allowed.
	scores []int
	// discover marks nodes where probing is allowed (resource-discovery).
	discover []bool

	asDep, asPrim []*colocation

	current   []*node // nodes where it is active
	failed    bool
	assigned  *node
	allocated bool
	inAlloc   bool
	// frozen marks a stopped resource that no-quorum-policy=freeze keeps stopped.
	frozen bool
	// nextRole is the role the resource should have where it is placed.
	nextRole cluster.Role
	// rolesSet is set on a promotable clone once promotion is decided.
	rolesSet bool
	// cloneCount counts a clone's instances placed per node.
	cloneCount []int
	target     cluster.Role // configured target-role (RoleUnknown when unset)
	stopped    bool         // must not run anywhere (target-role Stopped, etc.)
	reason     string       // why it stops, for the summary

	start, stop *Action
	// pseudo holds a group's or clone's pseudo actions by task.
	pseudo          map[string]*Action
	promote, demote *Action
	// defChanged is set when the configuration changed since the resource
	// started (restart); reload when only reloadable parameters changed.
	defChanged, reload bool
	// noMigrate says why a migratable move cannot be a migration.
	noMigrate string
	// partialTarget is where an unfinished live migration was heading.
	partialTarget *node
	// migrateTo/migrateFrom are set when a move is done by live migration.
	migrateTo, migrateFrom *Action
	stops                  []*Action
}

func newWS(c *cluster.Cluster, now time.Time) *ws {
	w := &ws{c: c, now: now, byName: make(map[string]*node, len(c.Nodes)), byID: make(map[string]*rsc, len(c.ByID))}
	w.nodes = make([]*node, 0, len(c.Nodes))
	w.all = make([]*rsc, 0, len(c.ByID))
	p := c.Properties
	w.stonithEnabled = p.StonithEnabled()
	w.symmetric = p.SymmetricCluster()
	w.haveQuorum = c.HaveQuorum
	w.noQuorum = p.NoQuorumPolicy()
	w.stopAll = p.StopAllResources()
	w.maintenance = p.MaintenanceMode()
	for i, cn := range c.Nodes {
		n := &node{cn: cn, name: cn.Name, idx: i, unclean: cn.Unclean}
		if v, ok := cn.Attrs["terminate"]; ok && cluster.IsTrue(v) && cn.Online && p.StonithEnabled() {
			// A node asked to be terminated is fenced and hosts nothing.
			n.unclean, n.fenceWhy = true, "termination was requested"
		}
		w.nodes = append(w.nodes, n)
		w.byName[n.name] = n
	}
	var add func(cr *cluster.Resource, parent *rsc) *rsc
	add = func(cr *cluster.Resource, parent *rsc) *rsc {
		r := &rsc{cr: cr, id: cr.ID, idx: len(w.all), parent: parent, managed: cr.Managed && !w.maintenance,
			target: cr.TargetRole}
		if !cr.TargetRoleSet {
			r.target = cluster.RoleUnknown
		}
		if parent != nil && !parent.managed {
			r.managed = false
		}
		w.all = append(w.all, r)
		w.byID[r.id] = r
		for _, ch := range cr.Children {
			r.children = append(r.children, add(ch, r))
		}
		return r
	}
	for _, cr := range c.Resources {
		w.top = append(w.top, add(cr, nil))
	}
	for _, r := range w.all {
		if r.cr.Kind != cluster.Primitive {
			continue
		}
		w.fenceForFailures(r)
		w.forgiveFenced(r)
		r.failed = r.cr.Failed
		for _, cn := range r.cr.RunningOn {
			if n := w.byName[cn.Name]; n != nil {
				r.current = append(r.current, n)
			}
		}
		if src, tgt := r.cr.PartialMigrationSource, r.cr.PartialMigrationTarget; src != nil && tgt != nil && len(r.current) == 2 {
			// A migration that got as far as migrate_to: the resource counts as
			// running on the source, and may finish moving to the target.
			r.partialTarget = w.byName[tgt.Name]
			r.current = []*node{w.byName[src.Name]}
			if r.current[0] == nil || r.partialTarget == nil {
				r.current, r.partialTarget = nil, nil
			}
		}
	}
	w.guestFencing()
	return w
}

// guestFencing marks guest nodes whose container failed: the guest is "fenced" by
// recovering its container, and everything that ran inside it is recovered.
func (w *ws) guestFencing() {
	for _, n := range w.nodes {
		if n.cn.Type != cluster.NodeGuest || n.cn.Container == nil {
			continue
		}
		c := w.byID[n.cn.Container.ID]
		if c == nil || !c.managed {
			continue
		}
		hosting := false
		for _, r := range w.all {
			if r.cr.Kind == cluster.Primitive && isCurrent(r, n) {
				hosting = true
			}
		}
		// Resources seem active inside a guest whose container is down: its state
		// is unknown until the container is recovered.
		lost := len(c.current) == 0 && hosting
		if !(c.failed || n.unclean || lost) {
			continue
		}
		n.guestFence = c
		// The guest comes back once its container is recovered.
		n.unclean = false
		for _, r := range w.all {
			if r.cr.Kind == cluster.Primitive && isCurrent(r, n) {
				r.failed = true
			}
		}
	}
}

// fenceForFailures asks for fencing of nodes where a failure's on-fail is fence
// (the default for a failed stop when fencing is enabled).
func (w *ws) fenceForFailures(r *rsc) {
	if !w.stonithEnabled {
		return
	}
	for _, st := range r.cr.StatusOrder {
		f := st.FailedOp
		if f == nil || !st.Failed {
			continue
		}
		if st.OnFail() == "fence" || (st.OnFail() == "" && f.Operation == "stop") {
			if n := w.byName[st.Node.Name]; n != nil {
				w.fenceReason(n, r.id+" failed there")
				n.unclean = true
			}
		}
	}
}

// forgiveFenced ignores failures (and the blocking they caused) recorded only on
// nodes that will be fenced: fencing resets whatever was running there.
func (w *ws) forgiveFenced(r *rsc) {
	if !r.cr.Failed && !r.cr.Blocked {
		return
	}
	onlyFenced, stopFailures, any := true, true, false
	for _, st := range r.cr.StatusOrder {
		n := w.byName[st.Node.Name]
		if !(st.Failed || st.Blocked) {
			continue
		}
		any = true
		if !(n != nil && n.unclean && w.stonithEnabled) {
			onlyFenced = false
		}
		// Only a node that was lost anyway settles the failure; fencing it
		// because of this very failure is part of the recovery.
		if st.Failed && (st.FailedOp == nil || st.FailedOp.Operation != "stop" || st.Node.Online) {
			stopFailures = false
		}
	}
	if !onlyFenced || !any {
		// (No node's failure: blocked for another reason, such as
		// multiple-active=block, which fencing does not settle.)
		r.failed = r.cr.Failed
		return
	}
	// A failed stop is settled by fencing; other failures still need recovery.
	failed := r.cr.Failed && !stopFailures
	r.cr = shallowUnfail(r.cr)
	r.cr.Failed = failed
	r.managed = configuredManaged(r.cr) && !w.maintenance
	if r.parent != nil && !r.parent.managed {
		r.managed = false
	}
}

func shallowUnfail(cr *cluster.Resource) *cluster.Resource {
	c := *cr
	c.Failed, c.Blocked = false, false
	return &c
}

// configuredManaged is is-managed as configured, before history blocked it.
func configuredManaged(cr *cluster.Resource) bool {
	for x := cr; x != nil; x = x.Parent {
		if v, ok := x.Meta["is-managed"]; ok {
			return cluster.ParseBool(v, true)
		}
	}
	return true
}

// nodeAttrs are the attributes a rule sees for a node.
func nodeAttrs(n *node, dc *cluster.Node) map[string]string {
	m := make(map[string]string, len(n.cn.Attrs)+3)
	for k, v := range n.cn.Attrs {
		m[k] = v
	}
	m["#uname"] = n.name
	m["#id"] = n.cn.ID
	kind := "cluster"
	switch n.cn.Type {
	case cluster.NodeRemote:
		kind = "remote"
	case cluster.NodeGuest:
		kind = "container"
	}
	m["#kind"] = kind
	m["#is_dc"] = "false"
	if dc != nil && dc == n.cn {
		m["#is_dc"] = "true"
	}
	return m
}

// ruleCtx builds the context to evaluate rules for a node.
func (w *ws) ruleCtx(n *node) *rules.Context {
	return &rules.Context{NodeAttrs: nodeAttrs(n, w.c.DC), Now: w.now}
}

// Unpack builds the cluster model with rule-guarded attribute sets evaluated by
// package rules at time now.
func Unpack(root *etree.Element, now time.Time) (*cluster.Cluster, error) {
	return cluster.UnpackWith(root, now, cluster.Options{EvalRule: func(rule *etree.Element, n *cluster.Node) bool {
		ctx := &rules.Context{Now: now}
		if n != nil {
			// The DC is not known while unpacking; #is_dc reads as false here.
			ctx.NodeAttrs = nodeAttrs(&node{cn: n, name: n.Name}, nil)
		}
		ok, _ := rules.Eval(rule, ctx)
		return ok
	}, EvalRscRule: func(rule *etree.Element, r *cluster.Resource) bool {
		ctx := &rules.Context{Now: now}
		if r != nil {
			ctx.Rsc = &rules.RscInfo{Class: r.Class, Provider: r.Provider, Type: r.Type}
		}
		ok, _ := rules.Eval(rule, ctx)
		return ok
	}})
}
