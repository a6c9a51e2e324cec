// Package cluster is Pacer's typed, read-only view of a CIB: the configuration
// (cluster properties, defaults, nodes, the resource tree, tags) together with
// the observed state (node membership, transient attributes and every
// resource's operation history), derived from the CIB XML on demand.
//
// The XML stays the source of truth: a Cluster is rebuilt with Unpack whenever
// the CIB changes, and it keeps pointers to the elements it came from so that
// callers (the scheduler's rules, constraints) can read what is not modelled.
//
// Shape of the model:
//
//	Cluster
//	  Properties, RscDefaults, OpDefaults   crm_config / rsc_defaults / op_defaults
//	  Nodes []*Node (XML order), NodeByName, NodeByID
//	  Resources []*Resource                  top level, XML order
//	  ByID map[string]*Resource              every resource incl. children,
//	                                         clone instances ("rsc:0") and orphans
//	  Tags, Templates, Constraints (raw element)
//	Resource
//	  Kind Primitive | Group | Clone | Bundle   (master = promotable Clone)
//	  Parent, Children                       group members; clone instances;
//	                                         bundle replicas' members
//	  InstanceSets, MetaSets, UtilSets       ordered attribute sets (with rules)
//	  Meta, Params, Utilization              resolved name -> value
//	  Ops []Op                               configured operations
//	  StatusOrder []*RscNodeState, StatusOn  per-node history and derived role
//	  DiscoveredOn, HasFailures,             summaries of the states, kept while reading
//	  HasAgentChanged
//	RscNodeState
//	  History []*OpRecord (by call-id), Role, Failed, FailedOp, Pending,
//	  FailCount, LastFailure; Failures(), ActiveMonitors(), AgentChanged(),
//	  Discovered(), HasLastFailure()
//
// Clones are expanded into instances exactly as Pacemaker numbers them: the
// configured child becomes the prototype (Resource.Prototype on the clone) and
// clone-max copies named "child:N" become the clone's Children. History
// recorded for an anonymous clone under "child" or "child:N" is mapped to an
// instance as Pacemaker does (an instance already active on the node, else
// the first inactive one, else an orphan instance).
//
// Generated resources (a guest node's connection, a bundle replica's IP,
// container and remote connection) are marked Implicit. Rule-guarded
// attribute sets are evaluated through Options.EvalRule / EvalRscRule (the
// caller plugs in package rules); without them such sets are skipped.
// See docs/design/cluster.md for the state-derivation rules.
//
// Nothing here is global: every Unpack builds an independent value, and a
// Cluster is safe for concurrent readers once built.
package cluster
