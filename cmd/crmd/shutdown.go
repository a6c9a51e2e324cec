package main

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/controller"
	"github.com/pacer-ha/pacer/controller/cibmodel"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/transition"
)

// Graceful leave, as Pacemaker's controller does it: SIGTERM sets this
// node's "shutdown" transient attribute (the time, epoch seconds) through
// the DC; the scheduler moves the node's resources away and ends with a
// do_shutdown crm_event for the node; when that arrives crmd leaves the
// cluster and exits 0. A second signal, or shutdown-escalation (default
// 20min) without a do_shutdown, exits anyway.

// shutdownState is the leaving node's side (event loop only).
type shutdownState struct {
	requested bool
	value     string // the shutdown attribute's value
	lastAsk   time.Time
	acked     bool // the DC sent do_shutdown: nothing runs here any more
	checked   controller.Version
	escalate  <-chan time.Time
	limit     time.Duration
}

// reaskEvery is how often a leaving node checks that its shutdown
// attribute is still in the CIB (a DC change can lose a forwarded write).
const reaskEvery = 2 * time.Second

// staleCheckFor is how long after its start a node looks for a stale
// shutdown attribute of its own.
const staleCheckFor = time.Minute

// beginShutdown handles the first SIGTERM/SIGINT.
func (d *daemon) beginShutdown() {
	if d.sd.requested {
		return
	}
	doc, _ := d.node.Doc()
	d.sd = shutdownState{requested: true, value: strconv.FormatInt(time.Now().Unix(), 10), limit: shutdownEscalation(doc)}
	d.sd.escalate = time.After(d.sd.limit)
	d.log.Info("shutting down: asking the DC to move this node's resources away (a second signal exits at once)",
		"shutdown-escalation", d.sd.limit)
	d.askShutdown()
}

// askShutdown writes the shutdown attribute through the DC.
func (d *daemon) askShutdown() {
	d.sd.lastAsk = time.Now()
	d.nextID++
	d.node.Propose(d.nextID, controller.Op{Kind: controller.OpAttrSet, Node: d.self.Name, Name: "shutdown", Value: d.sd.value})
}

// shutdownStep re-asks when the attribute went missing, and on a node
// that is not leaving removes a stale one (left in a stored CIB by this
// node's previous run), which would otherwise make the scheduler ask it to
// shut down. Event loop, after every step; reads the CIB at most every
// reaskEvery.
func (d *daemon) shutdownStep() {
	if d.sd.acked || time.Since(d.sd.lastAsk) < reaskEvery {
		return
	}
	doc, ver := d.node.Doc()
	// A stale attribute comes with the CIB this node started from or first
	// joined with; later, a refused do_shutdown removes one anyway. Reading
	// a large CIB every few seconds is not free.
	if !d.sd.requested && (ver == d.sd.checked || time.Since(d.started) > staleCheckFor) {
		return
	}
	d.sd.lastAsk, d.sd.checked = time.Now(), ver
	v, ok, _ := cibmodel.Attribute(doc, d.ids, d.self.Name, "shutdown")
	set := ok && v != "" && v != "0"
	switch {
	case d.sd.requested && !set:
		d.log.Info("the shutdown attribute is not in the CIB yet: asking again")
		d.askShutdown()
	case !d.sd.requested && set && d.node.Status().DC != "":
		d.clearStaleShutdown()
	}
}

// clearStaleShutdown removes this node's shutdown attribute.
func (d *daemon) clearStaleShutdown() {
	d.log.Info("removing a stale shutdown attribute of this node (it is not shutting down)")
	d.nextID++
	d.node.Propose(d.nextID, controller.Op{Kind: controller.OpAttrDel, Node: d.self.Name, Name: "shutdown"})
}

// shutdownAcked runs when the DC's do_shutdown for this node arrived
// (event loop only); it reports false when this node did not ask to leave:
// the attribute is stale and is removed instead.
func (d *daemon) shutdownAcked() bool {
	if !d.sd.requested {
		d.log.Warn("the DC sent do_shutdown but this node did not ask to leave: refusing it")
		d.clearStaleShutdown()
		return false
	}
	d.sd.acked = true
	d.log.Info("the DC let this node go: nothing runs here any more, leaving the cluster")
	return true
}

// errNotLeaving fails a do_shutdown this node did not ask for.
const errNotLeaving = "this node did not ask to shut down (a stale shutdown attribute, now removed)"

// forcedExit is the error of an exit before do_shutdown: what may still be
// running here stays running (crmd does not stop agents on its own), and
// the peers see a leave and consider this node's resources stopped.
func (d *daemon) forcedExit(code crmexit.Code, why string) error {
	active := activeInHistory(d.historyElement())
	what := "nothing was running here by this node's history"
	if len(active) > 0 {
		what = "these may still be running here: " + strings.Join(active, " ")
	}
	d.log.Warn("exiting before the cluster moved this node's resources away", "why", why, "active", strings.Join(active, " "))
	return crmexit.New(code, "%s before the DC let this node go; %s", why, what)
}

func (d *daemon) historyElement() *etree.Element {
	d.histMu.Lock()
	defer d.histMu.Unlock()
	return d.hist.Copy()
}

// activeInHistory lists the resources whose last recorded operation left
// them running (sorted).
func activeInHistory(lrs *etree.Element) []string {
	var out []string
	for _, lr := range lrs.SelectElements("lrm_resource") {
		id := lr.SelectAttrValue("id", "")
		for _, op := range lr.SelectElements("lrm_rsc_op") {
			if op.SelectAttrValue("id", "") != id+"_last_0" {
				continue
			}
			rc := op.SelectAttrValue("rc-code", "")
			switch op.SelectAttrValue("operation", "") {
			case "start", "promote", "demote", "migrate_from", "monitor", "notify", "reload":
				if rc == "0" || rc == "8" {
					out = append(out, id)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// shutdownEscalation reads shutdown-escalation (Pacemaker's default 20min).
func shutdownEscalation(doc []byte) time.Duration {
	const def = 20 * time.Minute
	x := etree.NewDocument()
	if err := x.ReadFromBytes(doc); err != nil {
		return def
	}
	for _, nv := range x.FindElements("//crm_config//nvpair[@name='shutdown-escalation']") {
		if d, err := cluster.ParseInterval(nv.SelectAttrValue("value", "")); err == nil && d > 0 {
			return d
		}
	}
	return def
}

// onRemoteShutdown answers the DC's do_shutdown for this node (event loop
// only; the loop then exits, and runDaemon flushes the answer out).
func (d *daemon) onRemoteShutdown(m execMsg) {
	o := transition.Outcome{Status: lrmd.StatusDone, RC: m.Action.TargetRC}
	if !d.shutdownAcked() {
		o = transition.Outcome{Status: lrmd.StatusError, RC: lrmd.OCFUnknownError, Reason: errNotLeaving}
	}
	b, err := encodeExec(execMsg{Type: execResult, From: d.self.Name, To: m.From, ID: m.ID, Outcome: &o})
	if err != nil {
		d.log.Error("encoding the do_shutdown result", "err", err)
		return
	}
	d.sendRaw(m.From, b)
}

// outstanding counts messages queued or being sent; flush waits for them,
// so that a leaving node's last answers reach their peers.
type outstanding struct{ n atomic.Int64 }

func (d *daemon) flush(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for d.sending.n.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// holdShutdowns makes each do_shutdown of a graph wait for the actions
// that hand the node's resources over (every other action of a resource
// the graph stops there, except those that themselves wait for a
// crm_event): the leaving node exits only once its resources run
// elsewhere. The scheduler orders do_shutdown only after the node's stops.
func holdShutdowns(g *transition.Graph) {
	byID := g.Actions
	found := false
	for _, a := range byID {
		if a.Kind == transition.CRMEvent && a.Operation == "do_shutdown" {
			found = true
			break
		}
	}
	if !found {
		return // the usual case: no sorting of a large graph
	}
	// after[id]: the action waits (transitively) for a crm_event.
	memo := map[int]int{} // 0 unknown, 1 visiting, 2 no, 3 yes
	var waitsForEvent func(a *transition.Action) bool
	waitsForEvent = func(a *transition.Action) bool {
		switch memo[a.ID] {
		case 1, 3:
			return true // a cycle counts as waiting: never add an edge there
		case 2:
			return false
		}
		memo[a.ID] = 1
		res := false
		if a.Synapse != nil {
			for _, in := range a.Synapse.Inputs {
				if p := byID[in]; p != nil && (p.Kind == transition.CRMEvent || waitsForEvent(p)) {
					res = true
					break
				}
			}
		}
		memo[a.ID] = 2
		if res {
			memo[a.ID] = 3
		}
		return res
	}
	for _, sd := range g.SortedActions() {
		if sd.Kind != transition.CRMEvent || sd.Operation != "do_shutdown" || sd.Synapse == nil {
			continue
		}
		stopped := map[string]bool{}
		for _, a := range byID {
			if a.Kind == transition.RscOp && a.Rsc != nil && a.Node == sd.Node && a.Operation == "stop" {
				stopped[a.Rsc.ID] = true
			}
		}
		for _, a := range g.SortedActions() {
			if a.Kind != transition.RscOp || a.Rsc == nil || a.Node == sd.Node || !stopped[a.Rsc.ID] || a.Synapse == sd.Synapse {
				continue
			}
			if waitsForEvent(a) || slices.Contains(sd.Synapse.Inputs, a.ID) {
				continue
			}
			sd.Synapse.Inputs = append(sd.Synapse.Inputs, a.ID)
		}
	}
}
