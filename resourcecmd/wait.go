package resourcecmd

import (
	"context"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/pengine"
	"github.com/pacer-ha/pacer/transition"
)

// CIBReader reads a CIB (a cib.Backend, crm's store).
type CIBReader interface {
	Read(ctx context.Context) (*cib.CIB, error)
}

// WaitPoll is how often WaitSettled re-reads the cluster.
const WaitPoll = 200 * time.Millisecond

// WaitSettled re-runs the scheduler on the CIB r reads until it has nothing
// left to do (what the DC would run next is empty), as Pacemaker's
// crm_resource --wait. After limit it gives up with a crmexit.Timeout error
// and the actions still pending.
func WaitSettled(ctx context.Context, r CIBReader, limit time.Duration) ([]*transition.Action, error) {
	deadline := time.Now().Add(limit)
	for {
		c, err := r.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the CIB: %w", err)
		}
		doc, err := c.Bytes()
		if err != nil {
			return nil, fmt.Errorf("serialising the CIB: %w", err)
		}
		pending, err := PendingActions(doc, time.Now())
		if err != nil {
			return nil, crmexit.Wrap(crmexit.Software, fmt.Errorf("scheduling the cluster's CIB: %w", err))
		}
		if len(pending) == 0 {
			return nil, nil
		}
		if time.Now().After(deadline) {
			return pending, crmexit.New(crmexit.Timeout, "the cluster did not settle within %v: %d actions pending", limit, len(pending))
		}
		select {
		case <-ctx.Done():
			return pending, ctx.Err()
		case <-time.After(WaitPoll):
		}
	}
}

// PendingActions are the actions the scheduler would run on a CIB at now.
func PendingActions(doc []byte, now time.Time) ([]*transition.Action, error) {
	x := etree.NewDocument()
	if err := x.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("parsing the CIB: %w", err)
	}
	t, err := pengine.Schedule(x.Root(), now)
	if err != nil {
		return nil, err
	}
	g, err := transition.FromTransition(t)
	if err != nil {
		return nil, err
	}
	return g.SortedActions(), nil
}
