package cluster

import (
	"time"

	"github.com/beevik/etree"
)

// Cluster is the unpacked view of one CIB at one point in time.
type Cluster struct {
	// Now is the time used to expire failures and evaluate dates.
	Now time.Time
	// Root is the <cib> element the model was built from.
	Root *etree.Element
	// Configuration, Constraints and Status are the raw sections (may be nil).
	Configuration *etree.Element
	Constraints   *etree.Element
	StatusElement *etree.Element

	// CIB root attributes.
	Epoch, NumUpdates, AdminEpoch int
	ValidateWith, CRMFeatureSet   string
	LastWritten, UpdateOrigin     string
	UpdateClient, UpdateUser      string
	ExecutionDate                 string
	HaveQuorum                    bool
	DCUUID                        string
	DC                            *Node

	Properties  Properties
	RscDefaults []AttrSet
	OpDefaults  []AttrSet
	// RscDefaultMeta and OpDefaultMeta are the resolved default values.
	RscDefaultMeta map[string]string
	OpDefaultMeta  map[string]string

	Nodes      []*Node
	NodeByName map[string]*Node
	NodeByID   map[string]*Node

	// Resources are the top-level resources in XML order, followed by
	// orphans found only in the status section.
	Resources []*Resource
	// ByID indexes every resource: children, clone instances, prototypes.
	ByID map[string]*Resource
	// Templates are rsc_template definitions by id.
	Templates map[string]*Resource

	Tags    []*Tag
	TagByID map[string]*Tag

	// Warnings collects non-fatal problems met while unpacking.
	Warnings []string
}

// NodeType is the kind of a cluster node.
type NodeType string

// Node types. Guest nodes are remote nodes whose connection is a resource's
// remote-node meta attribute (or a bundle replica).
const (
	NodeMember NodeType = "member"
	NodeRemote NodeType = "remote"
	NodeGuest  NodeType = "guest"
	NodePing   NodeType = "ping"
)

// Node is one configured (or status-only) node and its derived state.
type Node struct {
	ID   string
	Name string
	Type NodeType
	// Element is the <node> element; nil for implicit remote/guest nodes.
	Element *etree.Element
	// StateElement is the <node_state> element, nil if never seen.
	StateElement *etree.Element

	InstanceSets []AttrSet
	UtilSets     []AttrSet
	// Attrs holds instance attributes overlaid by transient attributes.
	Attrs map[string]string
	// Transient holds only the transient (status) attributes, in XML order.
	Transient []NVPair
	// Utilization is the resolved utilization of the node.
	Utilization map[string]string
	Score       int

	// Raw node_state values.
	InCCM, Crmd, Join, Expected string
	ShutdownTime                string

	Online        bool
	Standby       bool
	StandbyOnFail bool
	Maintenance   bool
	Unclean       bool
	Pending       bool
	Shutdown      bool
	ExpectedUp    bool
	// RemoteRsc is the connection resource of a remote or guest node.
	RemoteRsc *Resource
	// Container is a guest node's containing resource.
	Container *Resource
	// RemoteWasFenced / RemoteRequiresReset mirror node_state attributes.
	RemoteWasFenced bool
	// Unpacked reports whether the node's resource history was used.
	Unpacked bool
	// RunningRsc lists the primitives active on this node, in unpack order.
	RunningRsc []*Resource
}

// IsRemote reports whether the node is a remote or guest node.
func (n *Node) IsRemote() bool { return n.Type == NodeRemote || n.Type == NodeGuest }

// NVPair is one name/value pair in XML order.
type NVPair struct {
	ID, Name, Value string
}

// AttrSet is one instance_attributes / meta_attributes / utilization block.
type AttrSet struct {
	ID    string
	Score int
	// Rule is the set's <rule> element, nil if unconditional.
	Rule  *etree.Element
	Pairs []NVPair
	// Element is the set element (after id-ref resolution).
	Element *etree.Element
}

// Kind is a resource variant.
type Kind int

// Resource variants.
const (
	Primitive Kind = iota
	Group
	Clone
	Bundle
)

func (k Kind) String() string {
	switch k {
	case Primitive:
		return "primitive"
	case Group:
		return "group"
	case Clone:
		return "clone"
	case Bundle:
		return "bundle"
	}
	return "unknown"
}

// Role is a resource role, ordered like Pacemaker's so comparisons work.
type Role int

// Roles.
const (
	RoleUnknown Role = iota
	RoleStopped
	RoleStarted
	RoleUnpromoted
	RolePromoted
)

// String returns Pacemaker 2.1's role name.
func (r Role) String() string {
	switch r {
	case RoleStopped:
		return "Stopped"
	case RoleStarted:
		return "Started"
	case RoleUnpromoted:
		return "Unpromoted"
	case RolePromoted:
		return "Promoted"
	}
	return "Unknown"
}

// ParseRole parses a role name, accepting legacy Master/Slave.
func ParseRole(s string) Role {
	switch s {
	case "Stopped", "stopped":
		return RoleStopped
	case "Started", "started":
		return RoleStarted
	case "Unpromoted", "unpromoted", "Slave", "slave":
		return RoleUnpromoted
	case "Promoted", "promoted", "Master", "master":
		return RolePromoted
	}
	return RoleUnknown
}

// Op is one configured operation.
type Op struct {
	ID       string
	Name     string
	Interval time.Duration
	// IntervalMS is Interval in milliseconds (the unit in history keys).
	IntervalMS int64
	Timeout    time.Duration
	Role       Role
	OnFail     string
	Enabled    bool
	Element    *etree.Element
	Meta       map[string]string
}

// Resource is a primitive, group, clone or bundle (or a clone instance).
type Resource struct {
	ID   string
	Kind Kind
	// Element is the configuration element (shared by clone instances).
	Element *etree.Element

	Class, Provider, Type string
	// Template is the rsc_template id this primitive was built from.
	Template string

	Parent   *Resource
	Children []*Resource
	// Prototype is a clone's configured child, from which instances are copied.
	Prototype *Resource
	// InstanceNum is the clone instance number, -1 when not an instance.
	InstanceNum int
	// BaseID is the id without instance suffix.
	BaseID string

	InstanceSets []AttrSet
	MetaSets     []AttrSet
	UtilSets     []AttrSet
	Meta         map[string]string
	Params       map[string]string
	Utilization  map[string]string
	Ops          []Op

	// Resolved meta attributes.
	TargetRole         Role
	TargetRoleSet      bool
	Managed            bool
	Priority           int
	Stickiness         int
	MigrationThreshold int
	FailureTimeout     time.Duration
	MultipleActive     string
	AllowMigrate       bool
	Requires           string
	Critical           bool
	Description        string
	RemoteNode         string
	Container          *Resource
	// Clone/bundle settings (meaningful for Clone and Bundle kinds).
	Promotable      bool
	GloballyUnique  bool
	CloneMax        int
	CloneNodeMax    int
	PromotedMax     int
	PromotedNodeMax int
	Interleave      bool
	Notify          bool
	Ordered         bool
	// Bundle holds the bundle description when Kind == Bundle.
	Bundle *BundleInfo

	// Orphan is set for history entries with no configuration.
	Orphan bool
	// Implicit marks resources Pacemaker generates (a guest node's
	// connection); they are scheduled but not listed by crm_mon.
	Implicit bool

	// StatusOrder is r's state on each node with history (primitives), in
	// the order the history was found, one per node name; StatusOn finds
	// one node's.
	StatusOrder []*RscNodeState
	// statusNodes are StatusOrder's nodes, side by side so that StatusOn
	// scans one small slice instead of visiting every state.
	statusNodes []*Node
	// undiscovered counts StatusOrder's states that are not Discovered, so
	// DiscoveredOn need not read the (cold) states when there are none.
	undiscovered int
	// failing is set once a state with failures or a fail count is
	// recorded (see HasFailures).
	failing bool
	// retyped is set once a state recorded for another agent is read (see
	// HasAgentChanged).
	retyped bool
	// migrateTo is set when r's history has a completed migrate_to.
	migrateTo bool

	// Derived state over all nodes (primitives; collections aggregate).
	Role      Role
	RunningOn []*Node
	Failed    bool
	Blocked   bool
	// FailureIgnored is set when a failure was ignored by on-fail=ignore.
	FailureIgnored bool
	PendingNode    *Node
	PendingTask    string
	// PartialMigrationSource/Target are set when migrate_to succeeded
	// without a matching migrate_from.
	PartialMigrationSource *Node
	PartialMigrationTarget *Node
	// LockNode is the node a shutdown lock ties the resource to (the node
	// shut down cleanly with shutdown-lock enabled); LockTime is when.
	LockNode *Node
	LockTime int64
	// Provisional state flags for callers.
	Stopping bool
	// NextRole is a role forced by history (e.g. Stopped after on-fail=stop).
	NextRole Role
}

// StatusOn returns r's state on the named node, nil when r has no history
// there. A resource has history on at most every node, so a scan is as
// quick as a map and saves building one per resource on every unpack.
func (r *Resource) StatusOn(node string) *RscNodeState {
	if len(r.statusNodes) == len(r.StatusOrder) {
		last := len(node) - 1
		for i, n := range r.statusNodes {
			// Node names often differ only at the end (node1, node2, ...):
			// checking the last byte first spares most full comparisons.
			if nm := n.Name; len(nm) == len(node) && (last < 0 || nm[last] == node[last]) && nm == node {
				return r.StatusOrder[i]
			}
		}
		return nil
	}
	// A Resource put together outside Unpack.
	for _, st := range r.StatusOrder {
		if st.Node.Name == node {
			return st
		}
	}
	return nil
}

// DiscoveredOn reports whether r's history on the named node tells its
// state (RscNodeState.Discovered); false without history there. The
// scheduler asks it for every resource on every node when probing.
func (r *Resource) DiscoveredOn(node string) bool {
	st := r.StatusOn(node)
	return st != nil && (r.undiscovered == 0 && len(r.statusNodes) == len(r.StatusOrder) || st.discovered)
}

// HasFailures reports whether any of r's states may hold failures: one
// has Failures, a fail count or a last-failure entry (HasLastFailure).
// When false, no state needs looking at for them (the scheduler's failure
// bans and fail-count clearing would read every cold state).
func (r *Resource) HasFailures() bool {
	return r.failing || len(r.statusNodes) != len(r.StatusOrder)
}

// HasAgentChanged reports whether any of r's states may have been recorded
// for another agent (RscNodeState.AgentChanged); when false, none needs
// reading for it.
func (r *Resource) HasAgentChanged() bool {
	return r.retyped || len(r.statusNodes) != len(r.StatusOrder)
}

// IsClone reports whether r is a clone (including promotable).
func (r *Resource) IsClone() bool { return r.Kind == Clone }

// IsInstance reports whether r is a clone instance or inside one.
func (r *Resource) IsInstance() bool { return r.InstanceNum >= 0 }

// Top returns the top-level ancestor of r.
func (r *Resource) Top() *Resource {
	for r.Parent != nil {
		r = r.Parent
	}
	return r
}

// Primitives returns r's primitive descendants in order (r itself if primitive).
func (r *Resource) Primitives() []*Resource {
	var out []*Resource
	var walk func(*Resource)
	walk = func(x *Resource) {
		if x.Kind == Primitive {
			out = append(out, x)
			return
		}
		for _, c := range x.Children {
			walk(c)
		}
	}
	walk(r)
	return out
}

// Active reports whether r (any primitive below it) is active somewhere.
func (r *Resource) Active() bool {
	for _, p := range r.Primitives() {
		if len(p.RunningOn) > 0 {
			return true
		}
	}
	return false
}

// BundleInfo describes a bundle's container and network configuration.
type BundleInfo struct {
	ContainerType   string // docker, podman, rkt
	Image           string
	Replicas        int
	ReplicasPerHost int
	PromotedMax     int
	IPRangeStart    string
	HostNetmask     string
	ControlPort     string
	RunCommand      string
	// Replicas' generated resources, in replica order.
	Replica []*BundleReplica
	// Child is the configured primitive inside the bundle, if any.
	Child *Resource
}

// BundleReplica is one generated replica of a bundle.
type BundleReplica struct {
	Num       int
	IP        *Resource
	Container *Resource
	Remote    *Resource
	Child     *Resource
	IPAddr    string
	Node      *Node
}

// OpRecord is one lrm_rsc_op entry from a node's history.
//
// It holds what the scheduler reads for every entry; attributes needed only
// for some entries (exit reason, timings, migration ends, other digests) are
// read from Element on demand. An unpack makes one record per history entry,
// so the record's size is most of what an unpack allocates.
type OpRecord struct {
	ID        string
	Operation string
	Digest    string // op-digest
	CallID    int
	RC        int
	Status    int // op-status
	// TargetRC is the expected rc parsed from the transition key (-1 unknown).
	TargetRC     int
	IntervalMS   int64
	LastRCChange int64
	Element      *etree.Element
}

// attr returns the value of the element's last attribute named key (whatever
// its prefix), as the unpacker's single pass over the attributes reads them.
func (o *OpRecord) attr(key string) string {
	if o.Element == nil {
		return ""
	}
	v := ""
	for i := range o.Element.Attr {
		if a := &o.Element.Attr[i]; a.Key == key {
			v = a.Value
		}
	}
	return v
}

// Key is the operation_key attribute.
func (o *OpRecord) Key() string { return o.attr("operation_key") }

// TransitionKey is the transition-key attribute.
func (o *OpRecord) TransitionKey() string { return o.attr("transition-key") }

// TransitionMagic is the transition-magic attribute.
func (o *OpRecord) TransitionMagic() string { return o.attr("transition-magic") }

// RestartDigest is the op-restart-digest attribute.
func (o *OpRecord) RestartDigest() string { return o.attr("op-restart-digest") }

// SecureDigest is the op-secure-digest attribute.
func (o *OpRecord) SecureDigest() string { return o.attr("op-secure-digest") }

// ExitReason is the exit-reason attribute.
func (o *OpRecord) ExitReason() string { return o.attr("exit-reason") }

// OnNode is the on_node attribute.
func (o *OpRecord) OnNode() string { return o.attr("on_node") }

// MigrateSource is the migrate_source attribute.
func (o *OpRecord) MigrateSource() string { return o.attr("migrate_source") }

// MigrateTarget is the migrate_target attribute.
func (o *OpRecord) MigrateTarget() string { return o.attr("migrate_target") }

// LastRun is the last-run attribute (0 when absent or not a number).
func (o *OpRecord) LastRun() int64 { return atoi64(o.attr("last-run")) }

// ExecTime is the exec-time attribute in ms (0 when absent or not a number).
func (o *OpRecord) ExecTime() int64 { return atoi64(o.attr("exec-time")) }

// QueueTime is the queue-time attribute in ms (0 when absent or not a number).
func (o *OpRecord) QueueTime() int64 { return atoi64(o.attr("queue-time")) }

// IsProbe reports whether the op is a probe (non-recurring monitor).
func (o *OpRecord) IsProbe() bool { return o.Operation == "monitor" && o.IntervalMS == 0 }

// Pending reports whether the op is still in flight.
func (o *OpRecord) Pending() bool { return o.Status == OpStatusPending || o.CallID == -1 }

// Op-status values as recorded in the CIB.
const (
	OpStatusPending      = -1
	OpStatusDone         = 0
	OpStatusCancelled    = 1
	OpStatusTimeout      = 2
	OpStatusNotSupported = 3
	OpStatusError        = 4
	OpStatusErrorHard    = 5
	OpStatusErrorFatal   = 6
	OpStatusNotInstalled = 7
	OpStatusNotConnected = 8
	OpStatusInvalid      = 9
)

// OCF rc codes.
const (
	RCOK               = 0
	RCError            = 1
	RCInvalidParam     = 2
	RCUnimplemented    = 3
	RCInsufficientPriv = 4
	RCNotInstalled     = 5
	RCNotConfigured    = 6
	RCNotRunning       = 7
	RCRunningPromoted  = 8
	RCFailedPromoted   = 9
	RCDegraded         = 190
	RCDegradedPromoted = 191
)

// RscNodeState is what the history says about one resource on one node.
//
// There is one per resource per node with history (for most resources every
// node has probed them), so what is rarely set lives in a separately
// allocated part, read through methods.
type RscNodeState struct {
	Rsc  *Resource
	Node *Node
	// HistoryID is the lrm_resource id (may differ from Rsc.ID for clones).
	HistoryID string
	// Element is the lrm_resource element.
	Element *etree.Element
	// History is sorted by call-id (pending ops last).
	History []*OpRecord
	// FailedOp is the last failed operation that still counts.
	FailedOp *OpRecord
	Pending  *OpRecord
	// LastOp is the last completed operation.
	LastOp *OpRecord
	// FailCount sums fail-count-* transient attributes for the resource.
	FailCount   int
	LastFailure int64
	Role        Role
	Active      bool
	Failed      bool
	// Blocked/Unmanaged mark on-fail=block style outcomes.
	Blocked bool
	// NotInstalled is set when a probe found the agent missing here.
	NotInstalled bool
	// PendingOnly is set when the resource is active here only because an
	// action (a start) is in flight.
	PendingOnly bool
	// agentChanged: see AgentChanged.
	agentChanged bool
	// discovered: see Discovered.
	discovered bool
	// lastFailure: see HasLastFailure.
	lastFailure bool

	more *stateMore
}

// AgentChanged reports whether the history here was recorded for another
// agent than the resource's configured one: the lrm_resource names a class
// and type, the resource has a class, and class, type or provider differ.
// It is decided while the history is read, so asking costs nothing.
func (st *RscNodeState) AgentChanged() bool { return st.agentChanged }

// Discovered reports whether the history here tells the resource's state:
// it has an entry other than a pending probe, or no entries at all (the
// lrm_resource alone). Only pending probes mean the node is still to be
// asked. It is decided while the history is read (the scheduler asks for
// every resource on every node, and the entries are cold by then).
func (st *RscNodeState) Discovered() bool { return st.discovered }

// HasLastFailure reports whether the history has a `*_last_failure_0`
// entry, decided while reading (the scheduler would otherwise read every
// entry's id for every resource and node to find the few there are).
func (st *RscNodeState) HasLastFailure() bool { return st.lastFailure }

// discoveredBy computes Discovered for a history.
func discoveredBy(h []*OpRecord) bool {
	for _, op := range h {
		if !(op.IsProbe() && op.Pending()) {
			return true
		}
	}
	return len(h) == 0
}

// stateMore is the part of an RscNodeState that most states do not need.
type stateMore struct {
	ignored, expired, failures, monitors []*OpRecord
	onFail                               string
}

func (st *RscNodeState) extra() *stateMore {
	if st.more == nil {
		st.more = &stateMore{}
	}
	return st.more
}

// Failures lists every failed op that counts, in history order.
func (st *RscNodeState) Failures() []*OpRecord {
	if st.more == nil {
		return nil
	}
	return st.more.failures
}

// IgnoredFailures are failures that on-fail=ignore discarded.
func (st *RscNodeState) IgnoredFailures() []*OpRecord {
	if st.more == nil {
		return nil
	}
	return st.more.ignored
}

// ExpiredFailures are failures older than the failure-timeout.
func (st *RscNodeState) ExpiredFailures() []*OpRecord {
	if st.more == nil {
		return nil
	}
	return st.more.expired
}

// ActiveMonitors are the recurring monitors since the last start.
func (st *RscNodeState) ActiveMonitors() []*OpRecord {
	if st.more == nil {
		return nil
	}
	return st.more.monitors
}

// OnFail is the on-fail handling applied by the last failure ("" if none).
func (st *RscNodeState) OnFail() string {
	if st.more == nil {
		return ""
	}
	return st.more.onFail
}

// Class is the lrm_resource's class attribute.
func (st *RscNodeState) Class() string { return st.lrmAttr("class") }

// Provider is the lrm_resource's provider attribute.
func (st *RscNodeState) Provider() string { return st.lrmAttr("provider") }

// Type is the lrm_resource's type attribute.
func (st *RscNodeState) Type() string { return st.lrmAttr("type") }

// lrmAttr reads an lrm_resource attribute: the first of that name, as
// SelectAttrValue does.
func (st *RscNodeState) lrmAttr(key string) string {
	if st.Element == nil {
		return ""
	}
	return st.Element.SelectAttrValue(key, "")
}

// Tag is a <tag> with its object references in XML order.
type Tag struct {
	ID   string
	Refs []string
}
