package main

import (
	"bytes"
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
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/crmmon"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runAs(ctx, os.Args[0], os.Args[1:], os.Stdout, os.Stderr, os.Getenv, time.Now)
	stop()
	os.Exit(int(code))
}

type options struct {
	oneShot, inactive, failcounts, operations, timing bool
	attributes, groupByNode, simple, detail, brief    bool
	hideHeaders, tickets, negLocations, quiet, asXML  bool
	version                                           bool
	verbose                                           int
	outputAs, outputTo, fenceHistory, interval        string
	htmlTitle, htmlStylesheet                         string
	htmlCGI                                           bool
	include, exclude                                  []string
	node, resource                                    string
	args                                              []string
	prog                                              string // argv[0], echoed in XML's request
}

const long = `Provides a summary of cluster's current state.

Outputs varying levels of detail in a number of different formats.

Works on the live cluster, or on a CIB file when the environment variable
CIB_file names one. Without -1 the console view redraws the status whenever
the CIB changes and every --interval, until Ctrl-C.`

const examples = `  Display the cluster status on the console with updates as they occur:
	crm_mon

  Display the cluster status on the console just once then exit:
	crm_mon -1

  Display your cluster status, group resources by node, and include inactive resources in the list:
	crm_mon --group-by-node --inactive

  Show fail counts, the operation history with timing, and node attributes:
	crm_mon -1 -f -t -A

  Look at a saved CIB instead of the live cluster:
	CIB_file=/tmp/cib.xml crm_mon -1 -r

  Export the current cluster status as XML to stdout, then exit:
	crm_mon --output-as xml

  Write the cluster status to an HTML file:
	crm_mon --output-as html --output-to /path/to/docroot/filename.html

  One line for a monitoring system (nagios):
	crm_mon -s`

func newCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "crm_mon",
		Short:         "Provides a summary of cluster's current state",
		Long:          long,
		Example:       examples,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          func(*cobra.Command, []string) error { return nil },
	}
	f := cmd.Flags()
	f.BoolVarP(&o.oneShot, "one-shot", "1", false, "Display the cluster status once on the console and exit")
	f.BoolVarP(&o.inactive, "inactive", "r", false, "Display inactive resources")
	f.BoolVarP(&o.failcounts, "failcounts", "f", false, "Display resource fail counts")
	f.BoolVarP(&o.operations, "operations", "o", false, "Display resource operation history")
	f.BoolVarP(&o.timing, "timing-details", "t", false, "Display resource operation history with timing details")
	f.BoolVarP(&o.attributes, "show-node-attributes", "A", false, "Display node attributes")
	f.BoolVarP(&o.groupByNode, "group-by-node", "n", false, "Group resources by node")
	f.BoolVarP(&o.simple, "simple-status", "s", false, "Display the cluster status once as a simple one line output (suitable for nagios)")
	f.BoolVarP(&o.detail, "show-detail", "R", false, "Show more details (node IDs, individual clone instances)")
	f.BoolVarP(&o.brief, "brief", "b", false, "Brief output")
	f.BoolVarP(&o.hideHeaders, "hide-headers", "D", false, "Hide all headers")
	f.BoolVarP(&o.tickets, "tickets", "c", false, "Display cluster tickets")
	f.BoolVarP(&o.negLocations, "neg-locations", "L", false, "Display negative location constraints")
	f.StringVarP(&o.fenceHistory, "fence-history", "m", "", "Show fence history (0-3)")
	f.Lookup("fence-history").NoOptDefVal = "2"
	f.StringSliceVarP(&o.include, "include", "I", nil, "A list of sections to include in the output")
	f.StringSliceVarP(&o.exclude, "exclude", "U", nil, "A list of sections to exclude from the output")
	f.StringVar(&o.node, "node", "", "When displaying information about nodes, show only what's related to the given node")
	f.StringVar(&o.resource, "resource", "", "When displaying information about resources, show only what's related to the given resource")
	f.StringVar(&o.outputAs, "output-as", "console", "Specify output format as one of: console (default), html, text, xml")
	f.StringVar(&o.outputTo, "output-to", "", "Specify file name for output (or \"-\" for stdout)")
	f.StringVar(&o.htmlTitle, "html-title", "", "Specify a page title (requires --output-as=html)")
	f.StringVar(&o.htmlStylesheet, "html-stylesheet", "", "Link to an external stylesheet (requires --output-as=html)")
	f.BoolVar(&o.htmlCGI, "html-cgi", false, "Add CGI headers (requires --output-as=html)")
	f.BoolVarP(&o.asXML, "as-xml", "X", false, "Write cluster status as XML (deprecated, use --output-as=xml)")
	f.StringVarP(&o.interval, "interval", "i", "", "Update frequency (default is 5 seconds)")
	f.BoolVarP(&o.quiet, "quiet", "Q", false, "Be less descriptive in output")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	return cmd
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) crmexit.Code {
	return runAs(ctx, "crm_mon", args, stdout, stderr, getenv, now)
}

// runAs is run for a program invoked as prog (Pacemaker's XML output echoes
// the command line as typed).
func runAs(ctx context.Context, prog string, args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) crmexit.Code {
	o := &options{args: args, prog: prog}
	cmd := newCommand(o)
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	if err := cmd.Execute(); err != nil {
		fmt.Fprintf(stderr, "crm_mon: %v\n", err)
		return crmexit.Usage
	}
	if help, _ := cmd.Flags().GetBool("help"); help {
		return crmexit.OK
	}
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return crmexit.OK
	}
	if o.asXML {
		o.outputAs = "xml"
	}
	switch o.outputAs {
	case "text", "console", "xml", "html":
	default:
		fmt.Fprintf(stderr, "crm_mon: Invalid value '%s' for --output-as\n", o.outputAs)
		return crmexit.Usage
	}
	// --html-* without --output-as=html are ignored, as by Pacemaker.
	if _, err := parseInterval(o.interval); err != nil {
		fmt.Fprintf(stderr, "crm_mon: %v\n", err)
		return crmexit.Usage
	}
	if liveMode(o, stdout, getenv) {
		return runLive(ctx, o, stdout, stderr, getenv, now)
	}
	out := stdout
	if o.outputTo != "" && o.outputTo != "-" {
		fh, err := os.Create(o.outputTo)
		if err != nil {
			fmt.Fprintf(stderr, "crm_mon: %v\n", err)
			return crmexit.CantCreate
		}
		defer fh.Close()
		out = fh
	}
	err := show(ctx, o, out, getenv, now())
	if err != nil {
		if o.outputAs == "xml" {
			crmmon.RenderXMLError(out, requestLine(o), err)
			if strings.HasPrefix(err.Error(), "Could not connect") {
				return crmexit.OK
			}
			return crmexit.Of(err)
		}
		// crm_mon's one-shot mode reports connection failures but still
		// exits successfully; other errors carry their code.
		return reportOnce(o, stdout, stderr, err)
	}
	return crmexit.OK
}

func requestLine(o *options) string {
	return strings.TrimSpace(o.prog + " " + strings.Join(o.args, " "))
}

// snapshot is one reading of the CIB, ready to render.
type snapshot struct {
	c       *cluster.Cluster
	version cib.Version
	header  crmmon.Header
}

// connectError marks a CIB that could not be reached (as opposed to one that
// could not be interpreted).
func connectError(err error) error {
	return crmexit.Wrap(crmexit.Of(err), fmt.Errorf("Could not connect to the CIB: %w", err))
}

// load reads and unpacks the CIB once.
func load(ctx context.Context, o *options, getenv func(string) string, now time.Time) (*snapshot, error) {
	b, err := cibclient.OpenEnv(ctx, getenv)
	if err != nil {
		return nil, connectError(err)
	}
	defer b.Close()
	doc, err := b.Read(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	c, err := cluster.UnpackWith(doc.Root(), now, crmmon.RuleOptions(now))
	if err != nil {
		return nil, crmexit.Wrap(crmexit.Config, fmt.Errorf("crm_mon: %w", err))
	}
	stack := ""
	if !fileCIB(getenv) {
		stack = "pacer"
	}
	return &snapshot{c: c, version: doc.Version(), header: crmmon.Header{Stack: stack, Now: now, Request: requestLine(o)}}, nil
}

// fileCIB tells whether the tools work on a file (CIB_file or CIB_shadow)
// rather than the live cluster.
func fileCIB(getenv func(string) string) bool {
	return getenv(cibclient.EnvFile) != "" || getenv(cibclient.EnvShadow) != ""
}

func renderOptions(o *options) crmmon.Options {
	opts := crmmon.Options{
		Inactive:    o.inactive,
		GroupByNode: o.groupByNode,
		FailCounts:  o.failcounts,
		Operations:  o.operations || o.timing,
		Timing:      o.timing,
		Attributes:  o.attributes,
		ShowDetail:  o.detail,
		Brief:       o.brief,
		Tickets:     o.tickets,
		Constraints: o.negLocations,
		HideHeaders: o.hideHeaders,
	}
	applySections(&opts, o.include, true)
	applySections(&opts, o.exclude, false)
	return opts
}

// render formats a snapshot in the requested output format.
func render(o *options, s *snapshot) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	opts := renderOptions(o)
	switch o.outputAs {
	case "xml":
		err = crmmon.RenderXML(&buf, s.c, s.header, opts)
	case "html":
		err = crmmon.RenderHTML(&buf, s.c, s.header, opts, crmmon.HTMLOptions{Title: o.htmlTitle, Stylesheet: o.htmlStylesheet, CGI: o.htmlCGI})
	default:
		err = crmmon.Render(&buf, s.c, s.header, opts)
	}
	return buf.Bytes(), err
}

func show(ctx context.Context, o *options, out io.Writer, getenv func(string) string, now time.Time) error {
	s, err := load(ctx, o, getenv, now)
	if err != nil {
		return err
	}
	if o.simple {
		line, code := crmmon.Nagios(s.c)
		fmt.Fprintln(out, line)
		if code != crmexit.OK {
			return crmexit.New(code, "")
		}
		return nil
	}
	data, err := render(o, s)
	if err != nil {
		return err
	}
	_, err = out.Write(data)
	return err
}

// applySections maps --include/--exclude section names onto options.
func applySections(opts *crmmon.Options, list []string, on bool) {
	for _, s := range list {
		switch s {
		case "attributes":
			opts.Attributes = on
		case "failcounts":
			opts.FailCounts = on
		case "operations":
			opts.Operations = on
		case "failures":
			opts.NoFailures = !on
		case "tickets":
			opts.Tickets = on
		case "bans":
			opts.Constraints = on
		case "all":
			opts.Attributes, opts.FailCounts, opts.Operations = on, on, on
			opts.NoFailures = !on
		}
	}
}
