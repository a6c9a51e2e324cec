package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/pengine"
	"github.com/pacer-ha/pacer/resourcecmd"
	"github.com/pacer-ha/pacer/transition"
)

// defaultWait bounds --wait without --timeout.
const defaultWait = time.Hour

// waitPoll is how often --wait re-reads the cluster.
const waitPoll = 200 * time.Millisecond

// waitSettled implements --wait on the live cluster: it re-runs the scheduler
// on the cluster's CIB until that has nothing left to do (what the DC would
// run next is empty). With --timeout it gives up after that long, printing
// the actions still pending, with exit code 124.
func waitSettled(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	limit := defaultWait
	if o.timeout != "" {
		ms, err := lrmd.ParseDuration(o.timeout)
		if err != nil || ms == 0 {
			fmt.Fprintf(stderr, "crm_resource: Invalid timeout '%s'\n", o.timeout)
			return fail(crmexit.Usage)
		}
		limit = time.Duration(ms) * time.Millisecond
	}
	deadline := time.Now().Add(limit)
	be, err := cibclient.Open(ctx)
	if err != nil {
		_, err := resourcecmd.ReadCIB(ctx, "crm_resource", stderr) // reports the connection error as the other commands do
		return err
	}
	defer be.Close()
	for {
		c, err := be.Read(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "crm_resource: Could not read the CIB: %v\n", err)
			return fail(crmexit.Of(err))
		}
		doc, err := c.Bytes()
		if err != nil {
			return fmt.Errorf("serialising the CIB: %w", err)
		}
		pending, err := pendingActions(doc)
		if err != nil {
			fmt.Fprintf(stderr, "crm_resource: Could not schedule the cluster's CIB: %v\n", err)
			return fail(crmexit.Software)
		}
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			io.WriteString(stdout, "Pending actions:\n")
			for _, a := range pending {
				if a.Node != "" {
					fmt.Fprintf(stdout, "\tAction %d: %s\ton %s\n", a.ID, a.Key, a.Node)
				} else {
					fmt.Fprintf(stdout, "\tAction %d: %s\n", a.ID, a.Key)
				}
			}
			fmt.Fprintf(stderr, "crm_resource: Error performing operation: %s\n", crmexit.Timeout)
			return fail(crmexit.Timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(waitPoll):
		}
	}
}

// pendingActions are the actions the scheduler would still run on a CIB.
func pendingActions(doc []byte) ([]*transition.Action, error) {
	x := etree.NewDocument()
	if err := x.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("parsing the CIB: %w", err)
	}
	t, err := pengine.Schedule(x.Root(), time.Now())
	if err != nil {
		return nil, err
	}
	g, err := transition.FromTransition(t)
	if err != nil {
		return nil, err
	}
	return g.SortedActions(), nil
}
