package main

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/controller"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/transition"
)

// dcDispatcher handles the crm_events the DC runs itself (clear_failcount,
// its own do_shutdown) and routes everything else to the action's node.
func (d *daemon) dcDispatcher(ctx context.Context, next transition.Dispatcher) transition.Dispatcher {
	return transition.DispatchFunc(func(rctx context.Context, job transition.Job, report func(transition.Outcome)) {
		a := job.Action
		if a.Kind == transition.CRMEvent && a.Operation == "clear_failcount" {
			d.clearFailcount(ctx, a, report)
			return
		}
		if a.Kind == transition.CRMEvent && a.Operation == "do_shutdown" && a.Node == d.self.Name {
			// The DC itself leaves: confirm, then the event loop exits
			// (the other nodes elect a new DC).
			if !d.submit(ctx, func() {
				if d.shutdownAcked() {
					report(transition.Outcome{Status: lrmd.StatusDone, RC: a.TargetRC})
				} else {
					report(transition.Outcome{Status: lrmd.StatusError, RC: lrmd.OCFUnknownError, Reason: errNotLeaving})
				}
			}) {
				report(transition.Outcome{Status: lrmd.StatusCancelled, RC: lrmd.OCFUnknownError, Reason: "crmd is stopping"})
			}
			return
		}
		next.Dispatch(rctx, job, report)
	})
}

// clearFailcount runs a clear_failcount crm_event: the scheduler found the
// resource's failures on the node expired (failure-timeout) or no longer
// relevant (its definition changed), and, as Pacemaker's controller does,
// every fail-count and last-failure attribute of the resource on that node
// goes (all operations and intervals).
func (d *daemon) clearFailcount(ctx context.Context, a *transition.Action, report func(transition.Outcome)) {
	if a.Rsc == nil || a.Node == "" {
		report(transition.Outcome{Status: lrmd.StatusError, RC: lrmd.OCFUnknownError, Reason: "clear_failcount without a resource or node"})
		return
	}
	ok := d.submit(ctx, func() {
		if d.node.Status().DC != d.self.Name {
			report(transition.Outcome{Status: lrmd.StatusNotConnected, RC: lrmd.OCFUnknownError, Reason: "no longer the DC"})
			return
		}
		doc, _ := d.node.Doc()
		names := failAttrsOf(doc, d.ids[a.Node], a.Rsc)
		for _, name := range names {
			d.proposeOwn(controller.Op{Kind: controller.OpAttrDel, Node: a.Node, Name: name}, "")
		}
		d.log.Info("cleared the fail count", "rsc", a.Rsc.ID, "node", a.Node, "attributes", strings.Join(names, " "))
		report(transition.Outcome{Status: lrmd.StatusDone, RC: a.TargetRC})
	})
	if !ok {
		report(transition.Outcome{Status: lrmd.StatusCancelled, RC: lrmd.OCFUnknownError, Reason: "crmd is stopping"})
	}
}

// failAttrsOf lists a node's fail-count-* and last-failure-* attributes of
// a resource (sorted): named by the id the executor knows, by the
// instance's long id, and for an anonymous clone instance (long id
// "base:N", id "base") by any instance number, since those share a count.
func failAttrsOf(doc []byte, nodeID int, rsc *transition.Primitive) []string {
	x := etree.NewDocument()
	if err := x.ReadFromBytes(doc); err != nil {
		return nil
	}
	anon := rsc.LongID != "" && rsc.LongID != rsc.ID && stripInstance(rsc.LongID) == rsc.ID
	var out []string
	for _, ns := range x.FindElements("/cib/status/node_state") {
		if ns.SelectAttrValue("id", "") != strconv.Itoa(nodeID) {
			continue
		}
		for _, nv := range ns.FindElements("transient_attributes/instance_attributes/nvpair") {
			name := nv.SelectAttrValue("name", "")
			rest, ok := strings.CutPrefix(name, "fail-count-")
			if !ok {
				if rest, ok = strings.CutPrefix(name, "last-failure-"); !ok {
					continue
				}
			}
			id, _, _ := strings.Cut(rest, "#")
			// pengine's graphs name an anonymous instance "base:N" without a
			// long id: its count may be recorded under the base name too.
			if id == rsc.ID || (rsc.LongID != "" && id == rsc.LongID) || (anon && stripInstance(id) == rsc.ID) ||
				(id != rsc.ID && id == stripInstance(rsc.ID)) {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// stripInstance removes a clone instance suffix (":N").
func stripInstance(id string) string {
	if i := strings.LastIndexByte(id, ':'); i > 0 {
		if _, err := strconv.Atoi(id[i+1:]); err == nil {
			return id[:i]
		}
	}
	return id
}
