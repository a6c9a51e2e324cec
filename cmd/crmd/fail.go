package main

import (
	"context"
	"fmt"

	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/transition"
)

// execFail asks a node's crmd to record a simulated failure (crm_resource
// --fail given to another node's crmd); Action names the resource.
const execFail = "fail"

// fakeTEID is the transition-key UUID of results no transition asked for,
// as Pacemaker's controller records them ("CALL:-1:0:xxxxxxxx-...").
const fakeTEID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"

// failAction is the action a simulated failure of rsc on node answers.
func failAction(node string, rsc *transition.Primitive) *transition.Action {
	return &transition.Action{Kind: transition.RscOp, Operation: "asyncmon", Key: lrmd.OpKey(rsc.ID, "asyncmon", 0),
		Node: node, Rsc: rsc, TargetRC: lrmd.OCFSuccess}
}

// serveFail answers an ipc fail request (event loop only): the failure is
// recorded by the crmd of the node named, this one or a peer it is
// forwarded to.
func (d *daemon) serveFail(c call) {
	q := c.q
	if _, ok := d.ids[q.Node]; !ok {
		c.reply <- ipc.Response{Code: int(crmexit.NoSuch), Err: fmt.Sprintf("Node %s not found", q.Node)}
		return
	}
	rsc := &transition.Primitive{ID: q.Rsc.ID, Class: q.Rsc.Class, Provider: q.Rsc.Provider, Type: q.Rsc.Type}
	a := failAction(q.Node, rsc)
	if q.Node == d.self.Name {
		d.simulateFailure(a)
		c.reply <- ipc.Response{}
		return
	}
	if !d.remote.up(q.Node) {
		c.reply <- ipc.Response{Code: int(crmexit.Disconnect), Err: fmt.Sprintf("Node %s is not online", q.Node)}
		return
	}
	b, err := encodeExec(execMsg{Type: execFail, From: d.self.Name, To: q.Node, Action: toWire(a)})
	if err != nil {
		c.reply <- ipc.Response{Code: int(crmexit.Software), Err: err.Error()}
		return
	}
	if !d.sendRaw(q.Node, b) {
		c.reply <- ipc.Response{Code: int(crmexit.TempFail), Err: "send queue to " + q.Node + " full"}
		return
	}
	d.log.Info("forwarded a simulated failure", "rsc", rsc.ID, "node", q.Node)
	c.reply <- ipc.Response{}
}

// simulateFailure records a failure of a's resource on this node as if its
// agent had returned rc 1 (Pacemaker records it as RSC_asyncmon_0): the
// executor numbers it, and it takes the path of any result nobody waits
// for (a recurring monitor's), which keeps it in this node's history and
// has the DC record it, count it and recover the resource. Event loop
// only; the recording itself goes through the loop later.
func (d *daemon) simulateFailure(a *transition.Action) {
	req := lrmd.Request{RscID: a.Rsc.ID, Class: a.Rsc.Class, Provider: a.Rsc.Provider, Type: a.Rsc.Type, Action: a.Operation}
	res := d.ex.Simulate(req, lrmd.OCFUnknownError, lrmd.StatusDone, "Simulated failure")
	res.Request.TransitionKey = fmt.Sprintf("%d:-1:%d:%s", res.CallID, a.TargetRC, fakeTEID)
	job := transition.Job{Action: a, TransitionKey: res.Request.TransitionKey}
	d.log.Warn("simulating a failure", "rsc", a.Rsc.ID, "call", res.CallID)
	// onRecurring hands its work to the event loop: not from the loop itself.
	go d.onRecurring(d.ctx)(job, res)
}

// onFailRequest handles a peer's forwarded fail request (event loop only).
func (d *daemon) onFailRequest(_ context.Context, m execMsg) {
	a := m.Action.action()
	if a.Node != d.self.Name {
		d.log.Warn("dropping a simulated failure for another node", "node", a.Node, "from", m.From)
		return
	}
	d.simulateFailure(a)
}
