package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/resourcecmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runAs(ctx, os.Args[0], os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(int(crmexit.Of(err)))
}

// options are crm_resource's flags (the offline subset Pacer implements).
type options struct {
	listStandards, listProviders bool
	listAgents, listAlternatives string
	showMetadata                 string
	forceStart, forceStop        bool
	forcePromote, forceDemote    bool
	forceCheck, validate         string // optional LEVEL; "" = not given
	resource, class, agent       string
	provider, timeout, node      string
	options                      []string
	force, quiet, version        bool
	verbose                      int
	getParam, setParam, delParam string
	paramValue, setName, nvpair  string
	meta, utilization            bool
	digests                      bool
	args                         []string // positional: NAME=VALUE overrides for --digests
	state                        stateOptions
	prog                         string   // argv[0], echoed in XML output's request
	rawArgs                      []string // the command line, echoed in XML output
}

// notGiven marks an optional-argument flag given without its argument.
const notGiven = "\x00"

// reported is an error whose message has already been printed.
type reported = resourcecmd.Reported

func fail(code crmexit.Code) error { return crmexit.Wrap(code, reported{Code: code}) }

// run is the whole tool, parameterised for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	return runAs(ctx, "crm_resource", args, stdout, stderr, getenv)
}

// runAs is run for a program invoked as prog.
func runAs(ctx context.Context, prog string, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o := options{prog: prog, rawArgs: args}
	cmd := &cobra.Command{
		Use:   "crm_resource",
		Short: "crm_resource - perform tasks related to Pacemaker cluster resources",
		Long: `crm_resource - perform tasks related to Pacemaker cluster resources

Pacer implements the agent queries (--list-*, --show-metadata), the local
force actions (--force-start/stop/promote/demote/check), --validate, the
resource parameter commands (-g/-p/-d) and the cluster-state commands
(--list, --list-raw, --locate, --move, --ban, --clear, --cleanup, --refresh,
--why, --wait) on the CIB named by CIB_file (or the cluster). OCF agents are looked up in Pacer's own OCF tree (lib/ocf next to
bin/) and then /usr/lib/ocf.`,
		Example: `List the configured resources and their state:

	# crm_resource --list

Move myResource to node2 for one hour:

	# crm_resource --resource myResource --move --node node2 --lifetime PT1H

Keep myResource off the node it is running on, then lift that again:

	# crm_resource --resource myResource --ban
	# crm_resource --resource myResource --clear

Forget myResource's failures on node1:

	# crm_resource --cleanup --resource myResource --node node1

List the available OCF agents:

	# crm_resource --list-agents ocf

List the available OCF agents from the linux-ha project:

	# crm_resource --list-agents ocf:heartbeat

Show an agent's meta-data:

	# crm_resource --show-metadata ocf:pacer:Dummy

Start a configured resource on this node, bypassing the cluster:

	# CIB_file=/tmp/cib.xml crm_resource --resource myResource --force-start

Check an agent configured on the command line (OCF_CHECK_LEVEL 10):

	# crm_resource --force-check=10 --class ocf --provider heartbeat --agent IPaddr2 --option ip=10.0.0.5

Show the digests Pacemaker compares for a resource's last operation on node1:

	# crm_resource --digests --resource myResource --node node1

Show a resource's instance attribute:

	# crm_resource --resource myResource --get-parameter ip`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, rest []string) error {
			o.args = rest
			return execute(ctx, cmd, &o, stdout, stderr, getenv)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	f.BoolVar(&o.listStandards, "list-standards", false, "List supported standards")
	f.BoolVar(&o.listProviders, "list-ocf-providers", false, "List all available OCF providers")
	f.StringVar(&o.listAgents, "list-agents", "", "List all agents available for the named standard and/or provider (STD:PROV)")
	f.StringVar(&o.listAlternatives, "list-ocf-alternatives", "", "List all available providers for the named OCF agent")
	f.StringVar(&o.showMetadata, "show-metadata", "", "Show the metadata for the named class:provider:agent")
	f.StringVar(&o.validate, "validate", "", "Validate resource configuration by calling agent's validate-all action (optional =LEVEL)")
	f.Lookup("validate").NoOptDefVal = notGiven
	f.BoolVar(&o.forceDemote, "force-demote", false, "(Advanced) Bypass the cluster and demote a resource on the local node")
	f.BoolVar(&o.forceStop, "force-stop", false, "(Advanced) Bypass the cluster and stop a resource on the local node")
	f.BoolVar(&o.forceStart, "force-start", false, "(Advanced) Bypass the cluster and start a resource on the local node")
	f.BoolVar(&o.forcePromote, "force-promote", false, "(Advanced) Bypass the cluster and promote a resource on the local node")
	f.StringVar(&o.forceCheck, "force-check", "", "(Advanced) Bypass the cluster and check the state of a resource on the local node (optional =LEVEL)")
	f.Lookup("force-check").NoOptDefVal = notGiven
	f.BoolVar(&o.digests, "digests", false, "(Advanced) Show parameter hashes that Pacemaker uses to detect configuration changes. Required: --resource, --node. Optional: NAME=VALUE parameters override the configuration")
	f.StringVarP(&o.getParam, "get-parameter", "g", "", "Display named parameter for resource (instance attribute unless --meta or --utilization)")
	f.StringVarP(&o.setParam, "set-parameter", "p", "", "Set named parameter for resource (requires -v)")
	f.StringVarP(&o.delParam, "delete-parameter", "d", "", "Delete named parameter for resource")
	f.StringVarP(&o.paramValue, "parameter-value", "v", "", "Value to use with -p")
	f.BoolVarP(&o.meta, "meta", "m", false, "Use resource meta-attribute instead of instance attribute (with -p, -g, -d)")
	f.BoolVarP(&o.utilization, "utilization", "z", false, "Use resource utilization attribute instead of instance attribute (with -p, -g, -d)")
	f.StringVarP(&o.setName, "set-name", "s", "", "(Advanced) XML ID of attributes element to use (with -p, -d)")
	f.StringVarP(&o.nvpair, "nvpair", "i", "", "(Advanced) XML ID of nvpair element to use (with -p, -d)")
	f.StringVarP(&o.node, "node", "N", "", "Node name")
	f.StringVar(&o.class, "class", "", "The standard the resource agent conforms to (for example, ocf)")
	f.StringVar(&o.agent, "agent", "", "The agent to use (for example, IPaddr)")
	f.StringVar(&o.provider, "provider", "", "The vendor that supplies the resource agent (for example, heartbeat)")
	f.StringArrayVar(&o.options, "option", nil, "Specify a device configuration parameter as NAME=VALUE (may be specified multiple times)")
	f.StringVarP(&o.timeout, "timeout", "T", "", "(Advanced) Abort if command does not finish in this time (with --force-*)")
	f.BoolVarP(&o.force, "force", "f", false, "If making CIB changes, do so regardless of quorum")
	f.StringVarP(&o.resource, "resource", "r", "", "Resource ID")
	addStateFlags(cmd, &o.state)
	f.BoolVarP(&o.quiet, "quiet", "Q", false, "Be less descriptive in output.")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output (may be specified multiple times)")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return flagError(err, stderr)
	})
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	var r reported
	if err != nil && !errors.As(err, &r) && crmexit.Of(err) != crmexit.OK {
		fmt.Fprintf(stderr, "crm_resource: %v\n", err)
	}
	return err
}

// flagError words a command-line error as Pacemaker's option parser does.
func flagError(err error, stderr io.Writer) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		name = strings.Trim(name, "'")
		if i := strings.Index(name, " in "); i >= 0 {
			name = name[i+4:]
		}
		if !strings.HasPrefix(name, "-") {
			name = "-" + name
		}
		fmt.Fprintf(stderr, "crm_resource: Missing argument for %s\n", name)
		return fail(crmexit.Usage)
	}
	fmt.Fprintf(stderr, "crm_resource: %s\n", msg)
	return fail(crmexit.Usage)
}

func execute(ctx context.Context, cmd *cobra.Command, o *options, stdout, stderr io.Writer, getenv func(string) string) error {
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return nil
	}
	switch o.state.outputAs {
	case "text", "":
	case "xml":
		if xmlCommands(o) {
			return runXML(ctx, o, stdout)
		}
	default:
		fmt.Fprintf(stderr, "crm_resource: Invalid value '%s' for --output-as\n", o.state.outputAs)
		return fail(crmexit.Usage)
	}
	fencer := newFenceAgents()
	ex := lrmd.New(lrmd.Options{Fencer: fencer})
	defer ex.Close()
	// errorf prints Pacemaker's two-line error and returns the exit code.
	errorf := func(code crmexit.Code, format string, args ...any) error {
		fmt.Fprintf(stderr, "crm_resource: "+format+"\n", args...)
		fmt.Fprintf(stderr, "Error performing operation: %s\n", code)
		return fail(code)
	}
	switch {
	case o.listStandards:
		for _, s := range ex.Standards() {
			fmt.Fprintln(stdout, s)
		}
		return nil
	case o.listProviders:
		for _, p := range ex.Providers() {
			fmt.Fprintln(stdout, p)
		}
		return nil
	case cmd.Flags().Changed("list-agents"):
		std, prov, hasProv := strings.Cut(o.listAgents, ":")
		var list []string
		var err error
		switch {
		case std == lrmd.ClassStonith && !hasProv:
			list = fencer.List()
		case std == lrmd.ClassOCF && !hasProv:
			// Pacemaker lists provider by provider, duplicates included.
			for _, p := range ex.Providers() {
				agents, _ := ex.Agents(std, p)
				list = append(list, agents...)
			}
		default:
			list, err = ex.Agents(std, prov)
		}
		if err != nil || len(list) == 0 {
			if hasProv {
				return errorf(crmexit.Err, "No agents found for standard '%s' and provider '%s'", std, prov)
			}
			return errorf(crmexit.Err, "No agents found for standard '%s'", std)
		}
		for _, a := range list {
			fmt.Fprintln(stdout, a)
		}
		return nil
	case cmd.Flags().Changed("list-ocf-alternatives"):
		var provs []string
		for _, p := range ex.Providers() {
			if list, _ := ex.Agents(lrmd.ClassOCF, p); contains(list, o.listAlternatives) {
				provs = append(provs, p)
			}
		}
		if len(provs) == 0 {
			return errorf(crmexit.NoSuch, "No OCF providers found for %s", o.listAlternatives)
		}
		sort.Strings(provs)
		for _, p := range provs {
			fmt.Fprintln(stdout, p)
		}
		return nil
	case cmd.Flags().Changed("show-metadata"):
		class, prov, typ, ok := parseSpec(o.showMetadata)
		if !ok {
			return errorf(crmexit.NoSuch, "'%s' is not a valid agent specification", o.showMetadata)
		}
		raw, err := ex.RawMetadata(ctx, class, prov, typ)
		if err != nil {
			return errorf(crmexit.NoSuch, "Metadata query for %s failed: No such device or address", o.showMetadata)
		}
		out := string(raw)
		if !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		fmt.Fprint(stdout, out)
		return nil
	}
	if o.digests {
		return showDigests(ctx, ex, o, stdout, stderr)
	}
	if len(o.args) > 0 {
		fmt.Fprintf(stderr, "crm_resource: Unexpected argument '%s'\n", o.args[0])
		return fail(crmexit.Usage)
	}
	if action, level, ok := forceAction(o); ok {
		return forceRun(ctx, ex, o, action, level, stdout, stderr, getenv)
	}
	if done, err := stateCommand(ctx, o, stdout, stderr, getenv); done {
		return err
	}
	if o.getParam != "" || o.setParam != "" || o.delParam != "" {
		return paramCommand(ctx, o, stdout, stderr, getenv)
	}
	fmt.Fprintln(stderr, "crm_resource: No command given (see --help)")
	return fail(crmexit.Usage)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseSpec splits CLASS:PROVIDER:TYPE (ocf) or CLASS:TYPE (others).
func parseSpec(spec string) (class, provider, typ string, ok bool) {
	parts := strings.Split(spec, ":")
	switch len(parts) {
	case 2:
		if parts[0] == lrmd.ClassOCF || parts[0] == "" || parts[1] == "" {
			return "", "", "", false
		}
		return parts[0], "", parts[1], true
	case 3:
		if parts[0] == "" || parts[2] == "" {
			return "", "", "", false
		}
		if parts[0] != lrmd.ClassOCF && parts[1] != "" {
			// Only OCF has providers; Pacemaker still accepts and ignores
			// neither, so treat it as an unknown agent.
			return parts[0], parts[1], parts[2], true
		}
		return parts[0], parts[1], parts[2], true
	}
	return "", "", "", false
}
