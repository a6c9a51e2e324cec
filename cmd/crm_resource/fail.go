package main

import (
	"context"
	"io"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// failResource implements --fail: the controller of the node records a
// simulated failure of the resource there, which the cluster then counts
// and recovers from like a real one. Like Pacemaker's, it needs the
// controller, even with CIB_file set, and does not check that the resource
// runs on the node: a failure recorded where it was not running makes the
// scheduler check (stop) it there.
func failResource(ctx context.Context, o *options, stderr io.Writer, getenv func(string) string,
	view func() (*cib.CIB, *cluster.Cluster, error)) error {
	ctl, err := cibclient.Controller(ctx, getenv)
	if err != nil {
		return resourcecmd.Failf(stderr, "crm_resource", crmexit.Disconnect, "Error connecting to the controller: Connection refused")
	}
	defer ctl.Close()
	_, cl, err := view()
	if err != nil {
		return err
	}
	r, _ := resourcecmd.Find(cl, o.resource)
	if r == nil {
		return resourcecmd.Failf(stderr, "crm_resource", crmexit.NoSuch, "Resource '%s' not found", o.resource)
	}
	if r.Kind != cluster.Primitive {
		return resourcecmd.Failf(stderr, "crm_resource", crmexit.InvalidParam, "We can only process primitive resources, not %s", o.resource)
	}
	n := cl.NodeByName[o.node]
	if n == nil {
		return resourcecmd.Failf(stderr, "crm_resource", crmexit.NoSuch, "Node %s not found", o.node)
	}
	if !n.Online {
		return resourcecmd.Failf(stderr, "crm_resource", crmexit.Disconnect, "Node %s is not online", o.node)
	}
	if err := ctl.Fail(ctx, o.node, ipc.Resource{ID: executorID(r), Class: r.Class, Provider: r.Provider, Type: r.Type}); err != nil {
		code := crmexit.Of(err)
		return resourcecmd.Failf(stderr, "crm_resource", code, "%v", err)
	}
	return nil
}

// executorID is the id a node's executor knows r by: an anonymous clone's
// instances share their configured id, a unique clone's keep ":N".
func executorID(r *cluster.Resource) string {
	for x := r.Parent; x != nil; x = x.Parent {
		if x.Kind == cluster.Clone && !x.GloballyUnique {
			return r.BaseID
		}
	}
	return r.ID
}
