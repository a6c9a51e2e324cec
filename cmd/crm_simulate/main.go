package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/crmmon"
	"github.com/pacer-ha/pacer/pengine"
	"github.com/pacer-ha/pacer/rules"
	"github.com/spf13/cobra"
)

type options struct {
	xmlFile    string
	xmlPipe    bool
	live       bool
	run        bool
	simulate   bool
	inPlace    bool
	showScores bool
	showUtil   bool
	showAttrs  bool
	showFail   bool
	quiet      bool
	saveGraph  string
	saveDot    string
	saveOutput string
	saveInput  string
	allActions bool
	datetime   string
	nodeUp     []string
	nodeDown   []string
	nodeFail   []string
	opInject   []string
	opFail     []string
	quorum     string
	watchdog   string
	tktGrant   []string
	tktRevoke  []string
	tktStandby []string
	tktAct     []string
	verbose    int
	version    bool
}

func main() {
	err := newCommand(os.Stdout, os.Stderr).Execute()
	if err != nil {
		fmt.Fprintf(os.Stderr, "crm_simulate: %v\n", err)
	}
	os.Exit(int(crmexit.Of(err)))
}

func newCommand(stdout, stderr io.Writer) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:           "crm_simulate",
		Short:         "crm_simulate - simulate a Pacemaker cluster's response to events",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.version {
				fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
				return nil
			}
			return run(cmd.Context(), o, cmd.InOrStdin(), stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.run, "run", "R", false, "Process the supplied input and show what actions the cluster will take in response")
	f.BoolVarP(&o.simulate, "simulate", "S", false, "Like --run, but also simulate taking those actions and show the resulting new status")
	f.BoolVarP(&o.inPlace, "in-place", "X", false, "Like --simulate, but also store the results back to the input file")
	f.BoolVarP(&o.showAttrs, "show-attrs", "A", false, "Show node attributes")
	f.BoolVarP(&o.showFail, "show-failcounts", "c", false, "Show resource fail counts")
	f.BoolVarP(&o.showScores, "show-scores", "s", false, "Show allocation scores")
	f.BoolVarP(&o.showUtil, "show-utilization", "U", false, "Show utilization information")
	f.StringArrayVarP(&o.nodeUp, "node-up", "u", nil, "Simulate bringing a node online")
	f.StringArrayVarP(&o.nodeDown, "node-down", "d", nil, "Simulate taking a node offline")
	f.StringArrayVarP(&o.nodeFail, "node-fail", "f", nil, "Simulate a node failing")
	f.StringArrayVarP(&o.opInject, "op-inject", "i", nil, "Generate a failure for the cluster to react to in the simulation")
	f.StringArrayVarP(&o.opFail, "op-fail", "F", nil, "If the specified task occurs during the simulation, have it fail with return code ${rc}")
	f.StringVarP(&o.datetime, "set-datetime", "t", "", "Set date/time (ISO 8601 format)")
	f.StringVarP(&o.quorum, "quorum", "q", "", "Set to '1' (or 'true') to indicate cluster has quorum")
	f.StringVarP(&o.watchdog, "watchdog", "w", "", "Set to '1' (or 'true') to indicate cluster has an active watchdog device")
	f.StringArrayVarP(&o.tktGrant, "ticket-grant", "g", nil, "Simulate granting a ticket")
	f.StringArrayVarP(&o.tktRevoke, "ticket-revoke", "r", nil, "Simulate revoking a ticket")
	f.StringArrayVarP(&o.tktStandby, "ticket-standby", "b", nil, "Simulate making a ticket standby")
	f.StringArrayVarP(&o.tktAct, "ticket-activate", "e", nil, "Simulate activating a ticket")
	f.StringVarP(&o.saveInput, "save-input", "I", "", "Save the input configuration to the named file")
	f.StringVarP(&o.saveOutput, "save-output", "O", "", "Save the output configuration to the named file")
	f.StringVarP(&o.saveGraph, "save-graph", "G", "", "Save the transition graph (XML format) to the named file")
	f.StringVarP(&o.saveDot, "save-dotfile", "D", "", "Save the transition graph (DOT format) to the named file")
	f.BoolVarP(&o.allActions, "all-actions", "a", false, "Display all possible actions in DOT graph (even if not part of transition)")
	f.BoolVarP(&o.live, "live-check", "L", false, "Connect to CIB manager and use the current CIB contents as input")
	f.StringVarP(&o.xmlFile, "xml-file", "x", "", "Retrieve XML from the named file")
	f.BoolVarP(&o.xmlPipe, "xml-pipe", "p", false, "Retrieve XML from stdin")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output (may be specified multiple times)")
	f.BoolVarP(&o.quiet, "quiet", "Q", false, "Display only essential output")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	return cmd
}

func readInput(ctx context.Context, o *options, stdin io.Reader) (*etree.Document, error) {
	var data []byte
	var err error
	switch {
	case o.xmlPipe:
		data, err = io.ReadAll(stdin)
	case o.xmlFile != "":
		data, err = os.ReadFile(o.xmlFile)
	case o.live:
		// The CIB named by CIB_shadow or CIB_file, else the cluster's.
		data, err = readLive(ctx)
		if err != nil {
			return nil, err
		}
	default:
		return nil, crmexit.New(crmexit.Usage, "No input specified (use -x FILE, -p or -L)")
	}
	if err != nil {
		return nil, crmexit.Wrap(crmexit.Software, fmt.Errorf("Could not read input: %w", err))
	}
	// cib's direct parser builds the same tree several times faster than
	// encoding/xml.
	root, err := cib.ParseElement(data)
	if err != nil {
		return nil, crmexit.Wrap(crmexit.DataErr, fmt.Errorf("Could not parse input as XML: %w", err))
	}
	doc := etree.NewDocument()
	doc.SetRoot(root)
	if doc.Root().Tag != "cib" {
		return nil, crmexit.New(crmexit.DataErr, "Input is not a CIB: root element is <%s>", doc.Root().Tag)
	}
	return doc, nil
}

// readLive reads the CIB the environment points at (cibclient.Open).
func readLive(ctx context.Context) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	b, err := cibclient.Open(ctx)
	if err != nil {
		return nil, crmexit.Wrap(crmexit.Disconnect, fmt.Errorf("Could not connect to the CIB manager: %w", err))
	}
	defer b.Close()
	c, err := b.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("Could not read the CIB: %w", err)
	}
	return c.Bytes()
}

// evalTime is the time to evaluate rules at: -t, else the CIB's execution-date,
// else now.
func evalTime(o *options, root *etree.Element) (time.Time, error) {
	if o.datetime != "" {
		t, err := rules.ParseTime(o.datetime)
		if err != nil {
			return time.Time{}, crmexit.Wrap(crmexit.InvalidParam, fmt.Errorf("invalid --set-datetime: %w", err))
		}
		return t, nil
	}
	if v := root.SelectAttrValue("execution-date", ""); v != "" {
		if t, err := rules.ParseTime(v); err == nil {
			return t, nil
		}
	}
	return time.Now(), nil
}

// originalDate is the line crm_simulate prints when it evaluates the CIB at the
// execution-date it records (and no -t overrides it), "" otherwise.
func originalDate(o *options, root *etree.Element) string {
	if o.datetime != "" {
		return ""
	}
	v := root.SelectAttrValue("execution-date", "")
	if v == "" {
		return ""
	}
	t, err := rules.ParseTime(v)
	if err != nil {
		return ""
	}
	return "Using the original execution date of: " + t.UTC().Format("2006-01-02 15:04:05") + "Z\n"
}

func run(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer) error {
	doc, err := readInput(ctx, o, stdin)
	if err != nil {
		return err
	}
	root := doc.Root()
	if o.saveInput != "" {
		if err := doc.WriteToFile(o.saveInput); err != nil {
			return crmexit.Wrap(crmexit.CantCreate, fmt.Errorf("saving input: %w", err))
		}
	}
	now, err := evalTime(o, root)
	if err != nil {
		return err
	}
	if err := injectEvents(o, root, now); err != nil {
		return err
	}
	var fails []pengine.OpFailure
	for _, spec := range o.opFail {
		f, err := pengine.ParseOpFailure(spec)
		if err != nil {
			return crmexit.Wrap(crmexit.InvalidParam, err)
		}
		fails = append(fails, f)
	}
	c, err := pengine.Unpack(root, now)
	if err != nil {
		return crmexit.Wrap(crmexit.DataErr, err)
	}
	quiet := o.quiet
	var out bytes.Buffer
	origDate := originalDate(o, root)
	if !quiet {
		if origDate != "" {
			out.WriteString(origDate)
		}
		// Pacemaker heads the first status with crm_mon's instance counts when
		// something is disabled or blocked.
		if cnt := crmmon.CountResources(c); cnt.Disabled > 0 || cnt.Blocked > 0 {
			fmt.Fprintf(&out, "%d of %d resource instances DISABLED and %d BLOCKED from further action due to failure\n\n",
				cnt.Disabled, cnt.Instances, cnt.Blocked)
		}
		out.WriteString("Current cluster status:\n")
		renderStatus(&out, c)
		out.WriteString("\n")
	}
	t := pengine.ScheduleCluster(c, now)
	// Configuration problems the scheduler met go to stderr like Pacemaker's log
	// lines; the model's own notes only with -V.
	for _, wmsg := range t.SchedulerWarnings() {
		fmt.Fprintf(stderr, "warning: %s\n", wmsg)
	}
	if o.verbose > 0 {
		for _, wmsg := range c.Warnings {
			fmt.Fprintf(stderr, "notice: %s\n", wmsg)
		}
	}
	if o.showScores {
		for _, l := range t.ScoreLines() {
			out.WriteString(l)
			out.WriteByte('\n')
		}
	}
	showSummary := !quiet && (o.run || o.simulate || o.inPlace || o.showScores || o.saveGraph != "" || o.saveDot != "")
	if o.simulate || o.inPlace {
		showSummary = !quiet
	}
	if showSummary || (!quiet && (o.run || o.simulate)) {
		out.WriteString("Transition Summary:\n")
		out.WriteString(t.SummaryText())
	}
	if o.saveGraph != "" {
		if err := os.WriteFile(o.saveGraph, []byte(t.GraphXML()), 0o644); err != nil {
			return crmexit.Wrap(crmexit.CantCreate, fmt.Errorf("saving graph: %w", err))
		}
	}
	if o.saveDot != "" {
		if err := os.WriteFile(o.saveDot, []byte(t.Dot(o.allActions)), 0o644); err != nil {
			return crmexit.Wrap(crmexit.CantCreate, fmt.Errorf("saving dot file: %w", err))
		}
	}
	if o.simulate || o.inPlace || o.saveOutput != "" {
		// --op-fail results are stamped with the wall clock, as Pacemaker does.
		lines := t.SimulateText(root, fails, time.Now())
		if o.simulate || o.inPlace {
			if !quiet {
				out.WriteString("\nExecuting Cluster Transition:\n")
				for _, l := range lines {
					out.WriteString(l + "\n")
				}
			}
			c2, err := pengine.Unpack(root, now)
			if err != nil {
				return crmexit.Wrap(crmexit.DataErr, err)
			}
			if !quiet {
				// The date is announced again when the simulation's results are read back.
				out.WriteString(origDate)
				out.WriteString("\nRevised Cluster Status:\n")
				renderStatus(&out, c2)
			}
		}
		if o.saveOutput != "" {
			if err := doc.WriteToFile(o.saveOutput); err != nil {
				return crmexit.Wrap(crmexit.CantCreate, fmt.Errorf("saving output: %w", err))
			}
		}
		if o.inPlace && o.xmlFile != "" {
			if err := doc.WriteToFile(o.xmlFile); err != nil {
				return crmexit.Wrap(crmexit.CantCreate, fmt.Errorf("saving in place: %w", err))
			}
		}
	}
	_, err = stdout.Write(out.Bytes())
	return err
}
