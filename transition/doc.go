// Package transition is the DC's transition executor: it runs the
// transition graph the scheduler (package pengine) computed, as
// Pacemaker's controller does.
//
// It has three layers:
//
//   - Parse / ParseElement / FromTransition read a <transition_graph>
//     (pengine's GraphXML or Pacemaker's crm_simulate -G output) into a
//     typed Graph of synapses and actions (rsc_op, pseudo_event,
//     crm_event) with their attributes, inputs, timeouts and target rc.
//   - Engine is the pure execution core, in the style of etcd's raft: no
//     I/O, no clock. Step(now) fires the synapses whose inputs are all
//     confirmed (pseudo actions complete at once, batch-limit respected)
//     and returns the actions to send; Result(id, outcome) takes a result,
//     judging it against the action's target rc (probes usually expect 7,
//     "not running") and aborting the transition on an unexpected one;
//     Abort(reason) stops new actions for a new event (in-flight ones are
//     still collected); Tick(now) fails actions whose CRM_meta_timeout +
//     cluster-delay passed; Done and Summary tell the end.
//   - Driver is the side-effect shell: it sends each fired action through
//     a Dispatcher (Router: per-node dispatchers plus a fencer; Local: this
//     node's lrmd executor), collects outcomes asynchronously, hands each
//     to Config.OnResult (where the controller records it with RecordJob /
//     Record into the CIB status section) and returns the Summary.
//
// # Use
//
//	t, _ := pengine.Schedule(cib, time.Now())
//	g, _ := transition.FromTransition(t)   // or transition.Parse(xml)
//	g.TransitionID = n
//	local := &transition.Local{Exec: ex, OnRecurring: onMonitorChange}
//	d := transition.NewDriver(g, transition.Config{
//	        Dispatcher: &transition.Router{Nodes: map[string]transition.Dispatcher{me: local}},
//	        UUID: dcUUID,
//	        OnResult: func(j transition.Job, o transition.Outcome, v transition.Verdict) {
//	                transition.RecordJob(cib, j, o) // then write the CIB
//	        }})
//	go func() { <-newEvent; d.Abort("Configuration change") }()
//	sum, err := d.Run(ctx)   // sum.Aborted: schedule again
//
// The controller loops schedule -> execute until the scheduler's graph is
// empty; an aborted transition, a new event or a recurring monitor's
// change (Local.OnRecurring) starts the next round.
package transition
