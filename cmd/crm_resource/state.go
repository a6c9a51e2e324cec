package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// stateOptions are the cluster-state commands' flags.
type stateOptions struct {
	list, listRaw, locate   bool
	move, ban, clear        bool
	lifetime                string
	promoted                bool
	cleanup, refresh        bool
	operation, interval     string
	wait                    bool
	why, constraints, stack bool
	fail, recursive         bool
	listOps, listAllOps     bool
	outputAs                string
}

// stateCommand runs a cluster-state command when one was given.
func stateCommand(ctx context.Context, o *options, stdout, stderr io.Writer, getenv func(string) string) (bool, error) {
	s := &o.state
	live := cibclient.Live(getenv)
	// afterwards implements --wait given with a command that changes the
	// cluster: once the change is written, wait until the cluster settles.
	afterwards := func(err error) error {
		if err != nil || !s.wait || !live {
			return err
		}
		return waitSettled(ctx, o, stdout, stderr)
	}
	now := time.Now()
	view := func() (*cib.CIB, *cluster.Cluster, error) {
		c, err := resourcecmd.ReadCIB(ctx, "crm_resource", stderr)
		if err != nil {
			return nil, nil, err
		}
		cl, err := resourcecmd.View(c, now)
		if err != nil {
			return nil, nil, err
		}
		return c, cl, nil
	}
	needResource := func() error {
		if o.resource == "" {
			return usagef(stderr, "Must supply a resource id with -r")
		}
		return nil
	}
	if s.outputAs != "" && s.outputAs != "text" && (s.list || s.listRaw || s.locate || s.move || s.ban || s.clear ||
		s.cleanup || s.refresh || s.why || s.constraints || s.stack) {
		return true, resourcecmd.Failf(stderr, "crm_resource", crmexit.Unimplemented, "--output-as=%s is not implemented for this command in Pacer", s.outputAs)
	}
	switch {
	case s.listOps || s.listAllOps:
		_, cl, err := view()
		if err != nil {
			return true, err
		}
		return true, resourcecmd.ListOperations(stdout, cl, o.resource, o.node, s.listAllOps)
	case s.constraints, s.stack:
		if err := needResource(); err != nil {
			return true, err
		}
		_, cl, err := view()
		if err != nil {
			return true, err
		}
		r, _ := resourcecmd.Find(cl, o.resource)
		if r == nil {
			return true, resourcecmd.Failf(stderr, "crm_resource", crmexit.NoSuch, "Resource '%s' not found", o.resource)
		}
		resourcecmd.Constraints(stdout, cl, r, s.stack || s.recursive)
		return true, nil
	case s.list, s.listRaw:
		_, cl, err := view()
		if err != nil {
			return true, err
		}
		if len(cl.Resources) == 0 {
			if s.listRaw {
				io.WriteString(stderr, "NO resources configured\n\n")
			} else {
				io.WriteString(stdout, "Full List of Resources:\n  * No resources\n")
			}
			io.WriteString(stderr, "crm_resource: Error performing operation: No such object\n")
			return true, resourcecmd.Fail(crmexit.NoSuch)
		}
		if s.listRaw {
			return true, resourcecmd.ListRaw(stdout, cl)
		}
		return true, resourcecmd.List(stdout, cl)
	case s.locate:
		if err := needResource(); err != nil {
			return true, err
		}
		_, cl, err := view()
		if err != nil {
			return true, err
		}
		r, prims := resourcecmd.Find(cl, o.resource)
		if r == nil {
			return true, resourcecmd.Failf(stderr, "crm_resource", crmexit.NoSuch, "Resource '%s' not found", o.resource)
		}
		resourcecmd.Locate(stdout, stderr, r, prims, o.quiet)
		return true, nil
	case s.move, s.ban, s.clear:
		if err := needResource(); err != nil {
			return true, err
		}
		p := &resourcecmd.PlacementRequest{Tool: "crm_resource", Resource: o.resource, Node: o.node,
			Lifetime: s.lifetime, Promoted: s.promoted, Force: o.force, Quiet: o.quiet, Now: now}
		err := resourcecmd.Update(ctx, "crm_resource", stderr, now, func(c *cib.CIB, cl *cluster.Cluster) error {
			switch {
			case s.move:
				return p.Move(c, cl, stdout, stderr)
			case s.ban:
				return p.Ban(c, cl, stdout, stderr)
			}
			return p.Clear(c, cl, stdout, stderr)
		})
		return true, afterwards(reportUpdate(stderr, err))
	case s.cleanup, s.refresh:
		if s.operation != "" && o.resource == "" {
			return true, usagef(stderr, "Must supply a resource id with -r")
		}
		q := &resourcecmd.CleanupRequest{Tool: "crm_resource", Resource: o.resource, Node: o.node,
			Operation: s.operation, Interval: s.interval, Refresh: s.refresh, Quiet: o.quiet}
		err := resourcecmd.Update(ctx, "crm_resource", stderr, now, func(c *cib.CIB, cl *cluster.Cluster) error {
			return q.Run(c, cl, stdout, stderr)
		})
		return true, afterwards(reportUpdate(stderr, err))
	case s.wait:
		if live {
			return true, waitSettled(ctx, o, stdout, stderr)
		}
		// A CIB file never settles differently from how it is: there is
		// no transition in flight to wait for.
		_, err := resourcecmd.ReadCIB(ctx, "crm_resource", stderr)
		return true, err
	case s.why:
		_, cl, err := view()
		if err != nil {
			return true, err
		}
		return true, resourcecmd.Why(stdout, stderr, cl, o.resource, o.node)
	case s.fail:
		if err := needResource(); err != nil {
			return true, err
		}
		if o.node == "" {
			return true, usagef(stderr, "Must supply a node name with -N")
		}
		return true, afterwards(failResource(ctx, o, stderr, getenv, view))
	}
	return false, nil
}

// usagef prints a command-line error and returns exit code 64.
func usagef(stderr io.Writer, msg string) error {
	io.WriteString(stderr, "crm_resource: "+msg+"\n")
	return fail(crmexit.Usage)
}

// reportUpdate prints an unexpected CIB update error Pacemaker's way.
func reportUpdate(stderr io.Writer, err error) error {
	if err == nil {
		return nil
	}
	var r resourcecmd.Reported
	if asReported(err, &r) {
		return err
	}
	code := crmexit.Of(err)
	io.WriteString(stderr, "crm_resource: Error performing operation: "+code.String()+"\n")
	return resourcecmd.Fail(code)
}

func asReported(err error, r *resourcecmd.Reported) bool { return errors.As(err, r) }

// addStateFlags declares the cluster-state commands' flags with Pacemaker's
// names.
func addStateFlags(cmd *cobra.Command, s *stateOptions) {
	f := cmd.Flags()
	f.BoolVarP(&s.list, "list", "L", false, "List all cluster resources with status")
	f.BoolVarP(&s.listRaw, "list-raw", "l", false, "List IDs of all instantiated resources (individual members rather than groups etc.)")
	f.BoolVarP(&s.locate, "locate", "W", false, "Show node(s) currently running resource")
	f.BoolVarP(&s.move, "move", "M", false, "Create a constraint to move resource. If --node is specified, the constraint will be to move to that node, otherwise it will be to ban the current node. Unless --force is specified this will return an error if the resource is already running on the specified node. If --force is specified, this will always ban the current node.")
	f.BoolVarP(&s.ban, "ban", "B", false, "Create a constraint to keep resource off a node. Optional: --node, --lifetime, --promoted. If --node is not specified, it defaults to the node currently running the resource for primitives and groups, or the promoted instance of promotable clones with promoted-max=1 (all other situations result in an error as there is no sane default).")
	f.BoolVarP(&s.clear, "clear", "U", false, "If --node is specified, remove any constraints created by --ban for that node; otherwise remove all constraints created by --ban and --move for the resource.")
	f.StringVarP(&s.lifetime, "lifetime", "u", "", "Lifespan (as ISO 8601 duration) of created constraints (with -B, -M) (see https://en.wikipedia.org/wiki/ISO_8601#Durations)")
	f.BoolVar(&s.promoted, "promoted", false, "Limit scope of command to promoted role (with -B, -M, -U)")
	f.BoolVar(&s.promoted, "master", false, "Deprecated: Use --promoted instead")
	f.Lookup("master").Hidden = true
	f.BoolVarP(&s.cleanup, "cleanup", "C", false, "If resource has any past failures, clear its history and fail count. Optionally filtered by --resource, --node, --operation and --interval (otherwise all).")
	f.BoolVarP(&s.refresh, "refresh", "R", false, "Delete resource's history (including failures) so its current state is rechecked. Optionally filtered by --resource and --node (otherwise all).")
	f.StringVarP(&s.operation, "operation", "n", "", "Operation to clear instead of all (with -C -r)")
	f.StringVarP(&s.interval, "interval", "I", "", "Interval of operation to clear (default 0) (with -C -r -n)")
	f.BoolVar(&s.wait, "wait", false, "(Advanced) Wait until the cluster settles into a stable state")
	f.BoolVarP(&s.listOps, "list-operations", "O", false, "List active resource operations, optionally filtered by --resource and/or --node")
	f.BoolVarP(&s.listAllOps, "list-all-operations", "o", false, "List all resource operations, optionally filtered by --resource and/or --node")
	f.BoolVarP(&s.why, "why", "Y", false, "Show why resources are not running, optionally filtered by --resource and/or --node")
	f.BoolVarP(&s.constraints, "constraints", "a", false, "Display the location and colocation constraints that apply to a resource, and if --recursive is specified, to the resources directly or indirectly involved in those colocations.")
	f.BoolVarP(&s.stack, "stack", "A", false, "Equivalent to --constraints --recursive")
	f.BoolVar(&s.recursive, "recursive", false, "Follow colocation chains when using --constraints")
	f.BoolVarP(&s.fail, "fail", "F", false, "(Advanced) Tell the cluster this resource has failed")
	f.StringVar(&s.outputAs, "output-as", "text", "Specify output format as one of: text (default), xml (--list, --list-raw, --locate, --why, --constraints, --stack, --list-operations, --list-all-operations, --get-parameter)")
}
