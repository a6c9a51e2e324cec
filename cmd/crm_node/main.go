package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/resourcecmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, func() string { return resourcecmd.LocalNodeName(ctx) })
	stop()
	os.Exit(int(crmexit.Of(err)))
}

type options struct {
	clusterID, list, name bool
	partition, quorum     bool
	nameForID, remove     string
	force, quiet, version bool
	verbose               int
}

// run is the whole tool, parameterised for tests (localName names this host).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, localName func() string) error {
	var o options
	cmd := &cobra.Command{
		Use:   "crm_node",
		Short: "crm_node - Tool for displaying low-level node information",
		Long: `crm_node - Tool for displaying low-level node information

Pacer answers from the CIB (CIB_file, or the cluster's): members are the
configured cluster nodes; on a cluster, the local crmd says which are in this
partition ("member", else "lost"), whether it has quorum and this node's name;
on a CIB file (CIB_file) a node is a member when its node_state is in_ccm,
quorum is the CIB's have-quorum and this node is the host name.`,
		Example: `List all known nodes:

	# crm_node -l

Show whether this partition has quorum:

	# crm_node -q

Remove a stopped node from the configuration and status:

	# crm_node -R node3 --force`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return execute(ctx, cmd, &o, stdout, stderr, localName)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	f.BoolVarP(&o.clusterID, "cluster-id", "i", false, "Display this node's cluster id")
	f.BoolVarP(&o.list, "list", "l", false, "Display all known members (past and present) of this cluster")
	f.BoolVarP(&o.name, "name", "n", false, "Display the name used by the cluster for this node")
	f.BoolVarP(&o.partition, "partition", "p", false, "Display the members of this partition")
	f.BoolVarP(&o.quorum, "quorum", "q", false, "Display a 1 if our partition has quorum, 0 if not")
	f.StringVarP(&o.nameForID, "name-for-id", "N", "", "Display the name used by the cluster for the node with the specified ID")
	f.StringVarP(&o.remove, "remove", "R", "", "(Advanced) Remove the (stopped) node with the specified name from Pacemaker's configuration and caches")
	f.BoolVarP(&o.force, "force", "f", false, "")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output (may be specified multiple times)")
	f.BoolVarP(&o.quiet, "quiet", "Q", false, "Be less descriptive in output.")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		fmt.Fprintf(stderr, "crm_node: %s\n", err)
		return resourcecmd.Fail(crmexit.Usage)
	})
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err != nil && crmexit.Of(err) != crmexit.OK && !resourcecmd.IsReported(err) {
		fmt.Fprintf(stderr, "crm_node: %v\n", err)
	}
	return err
}

func execute(ctx context.Context, cmd *cobra.Command, o *options, stdout, stderr io.Writer, localName func() string) error {
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return nil
	}
	if cmd.Flags().Changed("remove") {
		if !o.force {
			fmt.Fprintln(stderr, "The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed.")
			return resourcecmd.Fail(crmexit.Usage)
		}
		found := false
		err := resourcecmd.Update(ctx, "crm_node", stderr, time.Now(), func(c *cib.CIB, _ *cluster.Cluster) error {
			var err error
			found, err = resourcecmd.RemoveNode(c, o.remove)
			return err
		})
		if err != nil {
			if resourcecmd.IsReported(err) {
				return err
			}
			fmt.Fprintf(stderr, "error: Could not remove %s from the CIB: %v\n", o.remove, err)
			return resourcecmd.Fail(crmexit.Of(err))
		}
		if !found {
			fmt.Fprintf(stderr, "error: Node '%s' not found\n", o.remove)
			return resourcecmd.Fail(crmexit.NoSuch)
		}
		return nil
	}
	live, isLive := liveView(ctx, os.Getenv)
	if isLive {
		localName = func() string { return live.local }
	}
	if o.name {
		fmt.Fprintln(stdout, localName())
		return nil
	}
	if !o.clusterID && !o.list && !o.partition && !o.quorum && !cmd.Flags().Changed("name-for-id") {
		fmt.Fprintln(stderr, "crm_node: No command specified")
		return resourcecmd.Fail(crmexit.Usage)
	}
	v := live
	if !isLive {
		c, err := resourcecmd.ReadCIB(ctx, "crm_node", stderr)
		if err != nil {
			return err
		}
		v = view{members: resourcecmd.Members(c), quorate: resourcecmd.HaveQuorum(c)}
	}
	members := v.members
	switch {
	case o.quorum:
		if v.quorate {
			fmt.Fprintln(stdout, "1")
		} else {
			fmt.Fprintln(stdout, "0")
		}
	case o.list:
		for _, m := range members {
			fmt.Fprintf(stdout, "%s %s %s\n", m.ID, m.Name, m.State())
		}
	case o.partition:
		var names []string
		for _, m := range members {
			if m.InCCM {
				names = append(names, m.Name)
			}
		}
		fmt.Fprintln(stdout, strings.Join(names, " "))
	case o.clusterID:
		name := localName()
		for _, m := range members {
			if m.Name == name {
				fmt.Fprintln(stdout, m.ID)
				return nil
			}
		}
		fmt.Fprintf(stderr, "error: Node %s is not known to the cluster\n", name)
		return resourcecmd.Fail(crmexit.NoSuch)
	default:
		for _, m := range members {
			if m.ID == o.nameForID {
				fmt.Fprintln(stdout, m.Name)
				return nil
			}
		}
		fmt.Fprintf(stderr, "error: Node ID %s not found\n", o.nameForID)
		return resourcecmd.Fail(crmexit.NoSuch)
	}
	return nil
}
