// Package pengine is Pacer's policy engine: a pure function from a CIB (configuration
// plus status) and a point in time to the transition the cluster should execute.
//
// Schedule runs five stages, each in its own file:
//
//	unpack.go      the cluster model (package cluster) into the scheduler's working set
//	constraints.go location, colocation, order and ticket constraints, sets and tags
//	placement.go   node scores, stickiness, colocation and allocation order
//	actions.go     start/stop/monitor/probe/fence/shutdown actions per resource and node
//	ordering.go    the ordering graph and the propagation of required/unrunnable actions
//	render.go      the Transition Summary text, graph XML and dot
//
// simulate.go applies a transition to a CIB the way crm_simulate -S pretends the
// cluster executed it. Nothing here does I/O or keeps global state.
package pengine
