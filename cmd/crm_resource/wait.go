package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// defaultWait bounds --wait without --timeout.
const defaultWait = time.Hour

// waitSettled implements --wait on the live cluster: it waits until the
// scheduler has nothing left to do on the cluster's CIB. With --timeout it
// gives up after that long, printing the actions still pending, with exit
// code 124.
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
	be, err := cibclient.Open(ctx)
	if err != nil {
		_, err := resourcecmd.ReadCIB(ctx, "crm_resource", stderr) // reports the connection error as the other commands do
		return err
	}
	defer be.Close()
	pending, err := resourcecmd.WaitSettled(ctx, be, limit)
	switch {
	case err == nil:
		return nil
	case crmexit.Of(err) == crmexit.Timeout:
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
	default:
		fmt.Fprintf(stderr, "crm_resource: Error performing operation: %v\n", err)
		return fail(crmexit.Of(err))
	}
}
