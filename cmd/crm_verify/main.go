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
	"github.com/pacer-ha/pacer/cib/verify"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/pengine"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(int(code))
}

type options struct {
	live      bool
	xmlFile   string
	xmlText   string
	xmlPipe   bool
	saveXML   string
	verbose   int
	outputAs  string
	outputTo  string
	textFancy bool
	args      []string // the command line, echoed in --output-as=xml
	version   bool
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) crmexit.Code {
	o := options{args: args}
	code := crmexit.OK
	cmd := &cobra.Command{
		Use:   "crm_verify [OPTION?]",
		Short: "Check a Pacemaker configuration for errors",
		Long: `Check a Pacemaker configuration for errors

Check the well-formedness of a complete Pacemaker XML configuration,
its conformance to the configured schema, and the presence of common
misconfigurations. Problems reported as errors must be fixed before the
cluster will work properly. It is left to the administrator to decide
whether to fix problems reported as warnings.`,
		Example: `  Check the consistency of the configuration in the running cluster:
	crm_verify --live-check
  Check the consistency of the configuration in a given file and produce verbose output:
	crm_verify --xml-file file.xml --verbose
  Check a configuration piped in:
	cibadmin -Q | crm_verify -p`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := verifyCmd(ctx, &o, stdin, stdout, stderr, getenv)
			code = c
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.live, "live-check", "L", false, "Check the configuration used by the running cluster")
	f.StringVarP(&o.xmlFile, "xml-file", "x", "", "Check the configuration in the named file")
	f.BoolVarP(&o.xmlPipe, "xml-pipe", "p", false, "Check the configuration piped in via stdin")
	f.StringVarP(&o.xmlText, "xml-text", "X", "", "Check the configuration in the supplied string")
	f.StringVarP(&o.saveXML, "save-xml", "S", "", "Save verified XML to named file (most useful with -L)")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output (may be specified multiple times)")
	f.StringVar(&o.outputAs, "output-as", "text", "Specify output format as one of: text (default), xml")
	f.StringVar(&o.outputTo, "output-to", "", "Specify file name for output (or \"-\" for stdout)")
	f.BoolVar(&o.textFancy, "text-fancy", false, "Use more highly formatted output (requires --output-as=text)")
	cmd.SetArgs(args)
	cmd.SetIn(stdin)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return crmexit.Wrap(crmexit.Usage, err)
	})
	if err := cmd.Execute(); err != nil {
		if c := crmexit.Of(err); c != crmexit.Err || code == crmexit.OK {
			code = c
		}
		fmt.Fprintf(stderr, "crm_verify: %v\n", err)
		if code == crmexit.Usage {
			fmt.Fprintln(stderr, "Try 'crm_verify --help' for usage.")
		}
	}
	return code
}

// source reads the CIB the options name, with line numbers for messages. prefix is
// what schema errors start with ("file.xml:" for files, "" otherwise).
func source(ctx context.Context, o *options, stdin io.Reader, getenv func(string) string) (data []byte, prefix string, err error) {
	n := 0
	for _, b := range []bool{o.live, o.xmlFile != "", o.xmlText != "", o.xmlPipe} {
		if b {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, "", crmexit.New(crmexit.Err, "No configuration source specified.  Use --help for usage information.")
	case n > 1:
		return nil, "", crmexit.New(crmexit.Usage, "only one of -L, -x, -X and -p may be given")
	case o.xmlFile != "":
		d, err := os.ReadFile(o.xmlFile)
		if err != nil {
			return nil, "", crmexit.New(crmexit.Err, "Couldn't parse input file: %s", o.xmlFile)
		}
		return d, o.xmlFile + ":", nil
	case o.xmlText != "":
		return []byte(o.xmlText), "", nil
	case o.xmlPipe:
		d, err := io.ReadAll(stdin)
		if err != nil {
			return nil, "", crmexit.New(crmexit.Err, "Couldn't parse input from STDIN: %v", err)
		}
		return d, "", nil
	}
	b, err := cibclient.OpenEnv(ctx, getenv)
	if err != nil {
		return nil, "", err
	}
	defer b.Close()
	c, err := b.Read(ctx)
	if err != nil {
		return nil, "", crmexit.Wrap(crmexit.Of(err), fmt.Errorf("CIB query failed: %w", err))
	}
	d, err := c.Bytes()
	return d, "", err
}

func verifyCmd(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (crmexit.Code, error) {
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return crmexit.OK, nil
	}
	switch o.outputAs {
	case "text", "xml":
	default:
		return crmexit.Usage, crmexit.New(crmexit.Usage, "Invalid output format %q: use text or xml", o.outputAs)
	}
	out := stdout
	if o.outputTo != "" && o.outputTo != "-" {
		f, err := os.Create(o.outputTo)
		if err != nil {
			return crmexit.CantCreate, crmexit.New(crmexit.CantCreate, "cannot write %s: %v", o.outputTo, err)
		}
		defer f.Close()
		out = f
	}
	data, prefix, err := source(ctx, o, stdin, getenv)
	if err != nil {
		return crmexit.Of(err), err
	}
	errs, warns := check(data, prefix, o.verbose, stderr)
	if o.saveXML != "" {
		if err := cib.WriteFileAtomic(o.saveXML, data); err != nil {
			return crmexit.Of(err), err
		}
	}
	code := crmexit.OK
	if errs > 0 || warns > 0 {
		code = crmexit.Config
	}
	if o.outputAs == "xml" {
		fmt.Fprintf(out, "<pacemaker-result api-version=\"2.25\" request=\"%s\">\n  <status code=\"%d\" message=\"%s\"/>\n</pacemaker-result>\n",
			xmlEscape(strings.TrimSpace("crm_verify "+strings.Join(o.args, " "))), int(code), xmlEscape(code.String()))
	}
	switch {
	case errs > 0:
		fmt.Fprintln(stderr, "crm_verify: Errors found during check: config not valid")
	case warns > 0:
		fmt.Fprintln(stderr, "crm_verify: Warnings found during check: config may not be valid")
	}
	if code != crmexit.OK && o.verbose == 0 {
		fmt.Fprintln(stderr, "-V may provide more details")
	}
	return code, nil
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// check parses and validates data, printing problems to w; it returns the numbers of
// errors and warnings found.
func check(data []byte, prefix string, verbose int, w io.Writer) (errs, warns int) {
	c, lines, err := cib.ParseWithLines(data)
	if err != nil {
		loc := strings.TrimSuffix(prefix, ":")
		if loc == "" {
			loc = "input"
		}
		fmt.Fprintf(w, "%s: %v\n", loc, err)
		return 1, 0
	}
	if !c.SchemaValidation() {
		fmt.Fprintln(w, "Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)")
	}
	if probs := c.Problems(); len(probs) > 0 {
		for _, p := range probs {
			line := ""
			if n, ok := lines[p.Element]; ok && prefix != "" {
				line = fmt.Sprintf("%d:", n)
			}
			lead := prefix + line
			if lead != "" {
				lead += " "
			}
			fmt.Fprintf(w, "%selement %s: %s\n", lead, p.Tag, p.Schema)
			if verbose > 0 {
				fmt.Fprintf(w, "(validate) \terror: %s\n", p)
			}
		}
		if verbose > 0 {
			fmt.Fprintln(w, "(main) \terror: CIB did not pass schema validation")
		}
		return len(probs), 0
	}
	for _, f := range verify.Check(c) {
		if f.Severity == verify.Error {
			errs++
			if verbose >= 1 {
				fmt.Fprintln(w, f)
			}
		} else {
			if f.Severity == verify.Warning {
				warns++
			}
			if verbose >= 2 {
				fmt.Fprintln(w, f)
			}
		}
	}
	// The scheduler's findings: errors are shown with -V, warnings with -VV; only
	// configuration problems count towards the verdict, as in Pacemaker.
	for _, f := range schedulerFindings(c) {
		sev := "warning"
		if f.Error {
			sev = "error"
		}
		switch {
		case f.Config && f.Error:
			errs++
		case f.Config:
			warns++
		}
		if verbose >= 2 || (f.Error && verbose >= 1) {
			fmt.Fprintf(w, "(%s) \t%s: %s\n", f.Origin, sev, f.Message)
		}
	}
	return errs, warns
}

// schedulerFindings runs the scheduler over the CIB, as Pacemaker's crm_verify does,
// and returns what the status section and the transition reveal (nodes to fence,
// unclean nodes, active orphans, resources active on several nodes).
func schedulerFindings(c *cib.CIB) (out []pengine.Finding) {
	defer func() {
		// The scheduler is pure and should not fail; if it does on some input, say
		// so rather than crash, and let the configuration checks stand.
		if r := recover(); r != nil {
			out = []pengine.Finding{{Error: true, Config: true, Origin: "crm_verify", Message: fmt.Sprintf("internal error while scheduling: %v", r)}}
		}
	}()
	t, err := pengine.Schedule(c.Root(), time.Now())
	if err != nil {
		return []pengine.Finding{{Error: true, Config: true, Origin: "crm_verify", Message: err.Error()}}
	}
	out = t.Findings()
	// An operation that failed for lack of privileges bans the resource from the
	// node (for an anonymous clone: the whole clone); Pacemaker logs it as an error.
	if st := c.Root().SelectElement("status"); st != nil {
		for _, ns := range st.SelectElements("node_state") {
			for _, lr := range ns.FindElements("./lrm/lrm_resources/lrm_resource") {
				for _, op := range lr.SelectElements("lrm_rsc_op") {
					if op.SelectAttrValue("rc-code", "") != "4" || op.SelectAttrValue("op-status", "0") != "0" {
						continue
					}
					name := lr.SelectAttrValue("id", "")
					if r := t.Cluster.ByID[name]; r != nil {
						if top := r.Top(); top.Kind == cluster.Clone && !top.GloballyUnique {
							name = top.ID
						}
					}
					out = append(out, pengine.Finding{Error: true, Origin: "unpack_rsc_op", Message: fmt.Sprintf(
						"Preventing %s from restarting on %s because of hard failure (insufficient privileges)| rc=4 id=%s",
						name, ns.SelectAttrValue("uname", ""), op.SelectAttrValue("id", ""))})
				}
			}
		}
	}
	// Status entries of remote nodes the configuration no longer defines are
	// ignored by the scheduler; Pacemaker warns about each.
	known := map[string]bool{}
	for _, n := range t.Cluster.Nodes {
		known[n.ID] = true
		known[n.Name] = true
	}
	if st := c.Root().SelectElement("status"); st != nil {
		for _, ns := range st.SelectElements("node_state") {
			id := ns.SelectAttrValue("id", "")
			if id == "" || !verify.IsTrue(ns.SelectAttrValue("remote_node", "")) || known[id] {
				continue
			}
			out = append(out, pengine.Finding{Config: true, Origin: "unpack_node_state", Message: fmt.Sprintf(
				"Ignoring recorded node state for '%s' because it is no longer in the configuration", id)})
		}
	}
	return out
}
