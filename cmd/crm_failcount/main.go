package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/resourcecmd"
)

const usageText = `Usage: crm_failcount <command> [<options>]
Common options:
 --help                 Display this text, then exit
 --version              Display version information, then exit
 -V, --verbose          Specify multiple times to increase debug output
 -q, --quiet            Print only the value (if querying)

Commands:
 -G, --query            Query the current value of the resource's fail count
 -D, --delete           Delete resource's recorded failures

Additional Options:
 -r, --resource=value   Name of the resource to use (required)
 -n, --operation=value  Name of operation to use (instead of all operations)
 -I, --interval=value   If operation is specified, its interval
 -N, --node=value       Use failcount on named node (instead of local node)`

const helpText = `crm_failcount - Query or delete resource fail counts

` + usageText + `

Examples:

Show how often myrsc failed on node1:

	# crm_failcount -r myrsc -N node1 -G

Show the fail count of myrsc's 10-second monitor on node1:

	# crm_failcount -r myrsc -N node1 -G -n monitor -I 10s

Forget myrsc's failures on node1:

	# crm_failcount -r myrsc -N node1 -D
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(int(crmexit.Of(err)))
}

type options struct {
	help, version, quiet bool
	verbose              int
	query, del           bool
	resource, operation  string
	interval, node       string
	attrValue, attrID    string
	lifetime             string
	command              string // the last of --query / --delete given
	nodeGiven            bool
	warnings             []string
}

// run is the whole tool, parameterised for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := options{interval: "0"}
	cmd := &cobra.Command{
		Use:           "crm_failcount",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.nodeGiven = cmd.Flags().Changed("node") || cmd.Flags().Changed("uname")
			return execute(ctx, &o, stdout, stderr)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.BoolVar(&o.help, "help", false, "Display this text, then exit")
	f.BoolVar(&o.version, "version", false, "Display version information, then exit")
	f.CountVarP(&o.verbose, "verbose", "V", "Specify multiple times to increase debug output")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print only the value (if querying)")
	f.BoolVarP(&o.quiet, "Q", "Q", false, "")
	f.BoolVarP(&o.query, "query", "G", false, "Query the current value of the resource's fail count")
	f.BoolVar(&o.query, "get-value", false, "")
	f.BoolVarP(&o.del, "delete", "D", false, "Delete resource's recorded failures")
	f.BoolVar(&o.del, "delete-attr", false, "")
	f.StringVarP(&o.resource, "resource", "r", "", "Name of the resource to use (required)")
	f.StringVar(&o.resource, "resource-id", "", "")
	f.StringVarP(&o.operation, "operation", "n", "", "Name of operation to use (instead of all operations)")
	f.StringVarP(&o.interval, "interval", "I", "0", "If operation is specified, its interval")
	f.StringVarP(&o.node, "node", "N", "", "Use failcount on named node (instead of local node)")
	f.StringVarP(&o.node, "uname", "U", "", "")
	f.StringVarP(&o.attrValue, "attr-value", "v", "", "")
	f.StringVarP(&o.attrID, "attr-id", "i", "", "")
	f.StringVarP(&o.lifetime, "lifetime", "l", "", "")
	for _, n := range []string{"Q", "get-value", "delete-attr", "resource-id", "uname", "attr-value", "attr-id", "lifetime"} {
		f.Lookup(n).Hidden = true
	}
	cmd.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(stdout, helpText) })
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		fmt.Fprintln(stderr, resourcecmd.GetoptMessage("crm_failcount", err))
		resourcecmd.ScriptUsage(stdout, stderr, usageText, "")
		return resourcecmd.Fail(crmexit.Usage)
	})
	// The script acts on the last command given, and warns about the
	// deprecated options in order.
	for i, a := range args {
		switch a {
		case "-G", "--query", "--get-value":
			o.command = "query"
		case "-D", "--delete", "--delete-attr":
			o.command = "delete"
		case "-v", "--attr-value":
			if i+1 < len(args) && args[i+1] == "0" {
				o.command = "delete"
			} else if i+1 < len(args) {
				o.warnings = append(o.warnings, fmt.Sprintf("warning: ignoring deprecated option '%s' with nonzero value", a))
			}
		case "-i", "--attr-id", "-l", "--lifetime":
			if i+1 < len(args) {
				o.warnings = append(o.warnings, fmt.Sprintf("warning: ignoring deprecated option '%s'", a))
			}
		}
	}
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err != nil && crmexit.Of(err) != crmexit.OK && !resourcecmd.IsReported(err) {
		fmt.Fprintf(stderr, "crm_failcount: %v\n", err)
	}
	return err
}

func execute(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	if o.help {
		fmt.Fprint(stdout, helpText)
		return nil
	}
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return nil
	}
	for _, w := range o.warnings {
		fmt.Fprintln(stderr, w)
	}
	usage := func(msg string) error {
		resourcecmd.ScriptUsage(stdout, stderr, usageText, msg)
		return resourcecmd.Fail(crmexit.Usage)
	}
	target := o.node
	if !o.nodeGiven {
		target = resourcecmd.LocalNodeName(ctx)
	}
	switch {
	case o.command == "":
		return usage("must specify a command")
	case o.resource == "":
		return usage("resource name required")
	case target == "":
		return usage("node name required")
	}
	intervalMS, ok := resourcecmd.ParseIntervalMS(o.interval)
	if !ok {
		fmt.Fprintln(stderr, "warning: Unrecognized interval, using 0")
		intervalMS = 0
	}
	if o.command == "delete" {
		q := &resourcecmd.CleanupRequest{Tool: "crm_resource", Resource: o.resource, Node: target, Quiet: o.quiet}
		if o.operation != "" {
			q.Operation, q.Interval = o.operation, strconv.FormatInt(intervalMS, 10)+"ms"
		}
		now := time.Now()
		err := resourcecmd.Update(ctx, "crm_resource", stderr, now, func(c *cib.CIB, cl *cluster.Cluster) error {
			return q.Run(c, cl, stdout, stderr)
		})
		if err != nil && !resourcecmd.IsReported(err) {
			fmt.Fprintf(stderr, "crm_resource: Error performing operation: %s\n", crmexit.Of(err))
			return resourcecmd.Fail(crmexit.Of(err))
		}
		return err
	}
	c, err := resourcecmd.ReadCIB(ctx, "crm_attribute", stderr)
	if err != nil {
		return err
	}
	name := "fail-count-" + o.resource
	display := name
	var count string
	if o.operation != "" {
		display = fmt.Sprintf("%s#%s_%d", name, o.operation, intervalMS)
		count = singleAttr(c, stderr, target, display)
	} else {
		count = attrSum(c, target, name+"#")
	}
	if count == "0" {
		count = singleAttr(c, stderr, target, name)
		if count != "0" {
			display = name
		}
	}
	if o.quiet {
		fmt.Fprintln(stdout, count)
	} else {
		fmt.Fprintf(stdout, "scope=status  name=%s value=%s\n", display, count)
	}
	return nil
}

// singleAttr is the script's crm_attribute --quiet --query -t status -d 0:
// the transient attribute's value, 0 when unset, "" (with crm_attribute's
// error) when the node is unknown.
func singleAttr(c *cib.CIB, stderr io.Writer, target, name string) string {
	n, ok := resourcecmd.LookupNode(c, target)
	if !ok {
		fmt.Fprintf(stderr, "crm_attribute: Could not map name=%s to a UUID\n", target)
		return ""
	}
	nv := resourcecmd.FindNodeAttr(c, resourcecmd.ScopeStatus, n, name, "")
	if nv == nil {
		return "0"
	}
	return nv.SelectAttrValue("value", "")
}

var countValue = regexp.MustCompile(`^([0-9]+|INFINITY)$`)

// attrSum adds up the node's transient attributes whose names start with
// prefix, as the script does (INFINITY, or 1000000 and over, is INFINITY).
func attrSum(c *cib.CIB, target, prefix string) string {
	st := c.Section("status")
	if st == nil {
		return "0"
	}
	var sum int64
	for _, ns := range st.SelectElements("node_state") {
		if ns.SelectAttrValue("uname", "") != target {
			continue
		}
		for _, nv := range ns.FindElements("./transient_attributes/instance_attributes/nvpair") {
			if !strings.HasPrefix(nv.SelectAttrValue("name", ""), prefix) {
				continue
			}
			v := nv.SelectAttrValue("value", "")
			if !countValue.MatchString(v) {
				continue
			}
			if v == "INFINITY" {
				return "INFINITY"
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return "INFINITY"
			}
			sum += n
		}
	}
	if sum >= 1000000 {
		return "INFINITY"
	}
	return strconv.FormatInt(sum, 10)
}
