package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/resourcecmd"
)

const usageText = `Usage: crm_standby <command> [options]

Common options:
 --help                 Display this text, then exit
 --version              Display version information, then exit
 -V, --verbose          Specify multiple times to increase debug output
 -q, --quiet            Print only the standby status (if querying)

Commands:
 -G, --query            Query the current value of standby mode (on/off)
 -v, --update=VALUE     Update the value of standby mode (on/off)
 -D, --delete           Let standby mode use default value

Additional Options:
 -N, --node=NODE        Operate on the named node instead of the current one
 -l, --lifetime=VALUE   Until when should the setting take effect
                        (valid values: reboot, forever)
 -i, --id=VALUE         (Advanced) XML ID used to identify standby attribute`

const helpText = `crm_standby - Query, enable, or disable standby mode for a node

Nodes in standby mode may not host cluster resources.

` + usageText + `

Examples:

Put node1 in standby until further notice:

	# crm_standby -N node1 -v on

Put node1 in standby until it next reboots:

	# crm_standby -N node1 -v on -l reboot

Show whether node1 is in standby:

	# crm_standby -N node1 -G
`

const attrTool = "crm_attribute"

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
	update, node         string
	lifetime, id         string
	op                   byte // last command given: 'g', 'u', 'd'
}

// run is the whole tool, parameterised for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	cmd := &cobra.Command{
		Use:           "crm_standby",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return execute(ctx, cmd, &o, stdout, stderr)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.BoolVar(&o.help, "help", false, "Display this text, then exit")
	f.BoolVar(&o.version, "version", false, "Display version information, then exit")
	f.CountVarP(&o.verbose, "verbose", "V", "Specify multiple times to increase debug output")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print only the standby status (if querying)")
	f.BoolVarP(&o.quiet, "Q", "Q", false, "")
	f.BoolVarP(&o.query, "query", "G", false, "Query the current value of standby mode (on/off)")
	f.BoolVar(&o.query, "get-value", false, "")
	f.StringVarP(&o.update, "update", "v", "", "Update the value of standby mode (on/off)")
	f.StringVar(&o.update, "attr-value", "", "")
	f.BoolVarP(&o.del, "delete", "D", false, "Let standby mode use default value")
	f.BoolVar(&o.del, "delete-attr", false, "")
	f.StringVarP(&o.node, "node", "N", "", "Operate on the named node instead of the current one")
	f.StringVarP(&o.node, "uname", "U", "", "")
	f.StringVarP(&o.lifetime, "lifetime", "l", "", "Until when should the setting take effect (reboot, forever)")
	f.StringVarP(&o.id, "id", "i", "", "(Advanced) XML ID used to identify standby attribute")
	f.StringVar(&o.id, "attr-id", "", "")
	for _, n := range []string{"Q", "get-value", "attr-value", "delete-attr", "uname", "attr-id"} {
		f.Lookup(n).Hidden = true
	}
	cmd.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(stdout, helpText) })
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		fmt.Fprintln(stderr, resourcecmd.GetoptMessage("crm_standby", err))
		resourcecmd.ScriptUsage(stdout, stderr, usageText, "")
		return resourcecmd.Fail(crmexit.Err)
	})
	cmd.SetArgs(args)
	// The script acts on the last command given.
	for _, a := range args {
		switch a {
		case "-G", "--query", "--get-value":
			o.op = 'g'
		case "-D", "--delete", "--delete-attr":
			o.op = 'd'
		default:
			if len(a) > 1 && (a[:2] == "-v" || len(a) >= 8 && a[:8] == "--update" || len(a) >= 12 && a[:12] == "--attr-value") {
				o.op = 'u'
			}
		}
	}
	err := cmd.ExecuteContext(ctx)
	if err != nil && crmexit.Of(err) != crmexit.OK && !resourcecmd.IsReported(err) {
		fmt.Fprintf(stderr, "crm_standby: %v\n", err)
	}
	return err
}

func execute(ctx context.Context, cmd *cobra.Command, o *options, stdout, stderr io.Writer) error {
	if o.help {
		fmt.Fprint(stdout, helpText)
		return nil
	}
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return nil
	}
	target := o.node
	if target == "" {
		target = resourcecmd.LocalNodeName(ctx)
	}
	lifetime := o.lifetime
	op := o.op
	if op == 0 {
		op = 'g'
	}
	c, err := resourcecmd.ReadCIB(ctx, attrTool, stderr)
	if err != nil {
		return err
	}
	node, ok := resourcecmd.LookupNode(c, target)
	notMapped := func() error {
		fmt.Fprintf(stderr, "%s: Could not map name=%s to a UUID\n", attrTool, target)
		return resourcecmd.Fail(crmexit.NoSuch)
	}
	switch op {
	case 'g':
		if !ok {
			return notMapped()
		}
		if lifetime == "" {
			if nv := resourcecmd.FindNodeAttr(c, resourcecmd.ScopeNodes, node, "standby", o.id); nv != nil {
				return show(stdout, o, resourcecmd.ScopeNodes, nv.SelectAttrValue("value", ""))
			}
			nv := resourcecmd.FindNodeAttr(c, resourcecmd.ScopeStatus, node, "standby", o.id)
			if nv == nil {
				return show(stdout, o, resourcecmd.ScopeStatus, "off")
			}
			return show(stdout, o, resourcecmd.ScopeStatus, nv.SelectAttrValue("value", ""))
		}
		scope, valid := resourcecmd.ScopeFor(lifetime)
		if !valid {
			return badLifetime(stderr, lifetime)
		}
		nv := resourcecmd.FindNodeAttr(c, scope, node, "standby", o.id)
		if nv == nil {
			fmt.Fprintf(stderr, "%s: Error performing operation: No such device or address\n", attrTool)
			return resourcecmd.Fail(crmexit.NoSuch)
		}
		return show(stdout, o, scope, nv.SelectAttrValue("value", ""))
	case 'u':
		if !ok {
			return notMapped()
		}
		scope, valid := resourcecmd.ScopeFor(lifetime)
		if !valid {
			return badLifetime(stderr, lifetime)
		}
		return update(ctx, stderr, func(c *cib.CIB) error {
			return resourcecmd.SetNodeAttr(c, scope, node, "standby", o.update, o.id)
		})
	}
	// Delete: both lifetimes unless one was named; the script then exits 0.
	scopes := []resourcecmd.Scope{resourcecmd.ScopeNodes, resourcecmd.ScopeStatus}
	if lifetime != "" {
		scope, valid := resourcecmd.ScopeFor(lifetime)
		if !valid {
			return badLifetime(stderr, lifetime)
		}
		scopes = scopes[:0]
		scopes = append(scopes, scope)
	}
	var last error
	for _, scope := range scopes {
		if !ok {
			last = notMapped()
			continue
		}
		var deleted string
		last = update(ctx, stderr, func(c *cib.CIB) error {
			var err error
			deleted, err = resourcecmd.DeleteNodeAttr(c, scope, node, "standby", o.id)
			return err
		})
		if last == nil && deleted != "" && !o.quiet {
			fmt.Fprintf(stdout, "Deleted %s attribute: id=%s name=standby\n", scope, deleted)
		}
	}
	if lifetime == "" {
		return nil
	}
	return last
}

func show(stdout io.Writer, o *options, scope resourcecmd.Scope, value string) error {
	if o.quiet {
		fmt.Fprintln(stdout, value)
	} else {
		fmt.Fprintf(stdout, "scope=%s  name=standby value=%s\n", scope, value)
	}
	return nil
}

func badLifetime(stderr io.Writer, l string) error {
	fmt.Fprintf(stderr, "%s: Invalid lifetime '%s' (use reboot or forever)\n", attrTool, l)
	return resourcecmd.Fail(crmexit.Usage)
}

// update applies fn to the CIB, printing crm_attribute's error line.
func update(ctx context.Context, stderr io.Writer, fn func(c *cib.CIB) error) error {
	err := resourcecmd.Update(ctx, attrTool, stderr, time.Now(), func(c *cib.CIB, _ *cluster.Cluster) error { return fn(c) })
	if err == nil {
		return nil
	}
	if resourcecmd.IsReported(err) {
		return err
	}
	code := crmexit.Of(err)
	if code == crmexit.NoSuch {
		fmt.Fprintln(stderr, err.Error())
		fmt.Fprintf(stderr, "%s: Error performing operation: No such device or address\n", attrTool)
		return resourcecmd.Fail(code)
	}
	fmt.Fprintf(stderr, "%s: Error performing operation: %s\n", attrTool, code)
	return resourcecmd.Fail(code)
}
