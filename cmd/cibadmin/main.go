package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/beevik/etree"
	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(int(code))
}

// options are cibadmin's flags.
type options struct {
	query, create, modify, replace, del, deleteAll, erase, bump, empty bool
	md5, md5v, upgrade, patch                                          bool
	force, allowCreate, noChildren, local, sync, nodePath              bool
	scope, xpath, xmlText, xmlFile, user, node, showAccess             string
	xmlPipe                                                            bool
	timeout                                                            int
	verbose                                                            int
	version                                                            bool
}

const dangerous = "The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed."

// run is the whole tool, parameterised for tests; it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) crmexit.Code {
	var o options
	code := crmexit.OK
	cmd := &cobra.Command{
		Use:   "cibadmin <command> [options]",
		Short: "cibadmin - query and edit the Pacemaker configuration",
		Long: `cibadmin - query and edit the Pacemaker configuration

Works on the live cluster, or on a CIB file when the environment variable CIB_file
names one (writes to the file are atomic).`,
		Example: `  Query the configuration:
	# cibadmin --query --local
  Query just the cluster options configuration:
	# cibadmin --query --scope crm_config
  Query all 'target-role' settings:
	# cibadmin --query --xpath "//nvpair[@name='target-role']"
  Add a resource:
	# cibadmin --create --scope resources --xml-text '<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>'
  Remove all 'is-managed' settings:
	# cibadmin --delete-all --force --xpath "//nvpair[@name='is-managed']"
  Remove the resource named 'old':
	# cibadmin --delete --xml-text '<primitive id="old"/>'
  Remove all resources from the configuration:
	# cibadmin --replace --scope resources --xml-text '<resources/>'
  Replace the complete configuration with the contents of $HOME/pacemaker.xml:
	# cibadmin --replace --xml-file $HOME/pacemaker.xml
  Increase the configuration version to prevent old configurations from being loaded:
	# cibadmin --modify --xml-text '<cib admin_epoch="admin_epoch++"/>'
  Apply a patch made by crm_diff:
	# crm_diff -o old.xml -n new.xml > patch.xml; cibadmin --patch --xml-file patch.xml
  Work on a file instead of the cluster:
	# CIB_file=/tmp/cib.xml cibadmin --query`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return execute(ctx, &o, stdin, stdout, stderr, getenv)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.upgrade, "upgrade", "u", false, "Upgrade the configuration to the latest syntax")
	f.BoolVarP(&o.query, "query", "Q", false, "Query the contents of the CIB")
	f.BoolVarP(&o.erase, "erase", "E", false, "Erase the contents of the whole CIB")
	f.BoolVarP(&o.bump, "bump", "B", false, "Increase the CIB's epoch value by 1")
	f.BoolVarP(&o.create, "create", "C", false, "Create an object in the CIB (will fail if object already exists)")
	f.BoolVarP(&o.modify, "modify", "M", false, "Find object somewhere in CIB's XML tree and update it (fails if object does not exist unless -c is also specified)")
	f.BoolVarP(&o.patch, "patch", "P", false, "Supply an update in the form of an XML diff (see crm_diff(8))")
	f.BoolVarP(&o.replace, "replace", "R", false, "Recursively replace an object in the CIB")
	f.BoolVarP(&o.del, "delete", "D", false, "Delete first object matching supplied criteria (for example, <op id=\"rsc1_op1\" name=\"monitor\"/>); the element name and all attributes must match")
	f.BoolVarP(&o.deleteAll, "delete-all", "d", false, "When used with --xpath, remove all matching objects in the configuration instead of just the first one")
	f.BoolVarP(&o.empty, "empty", "a", false, "Output an empty CIB")
	f.BoolVarP(&o.md5, "md5-sum", "5", false, "Calculate the on-disk CIB digest")
	f.BoolVarP(&o.md5v, "md5-sum-versioned", "6", false, "Calculate an on-the-wire versioned CIB digest")
	f.StringVarP(&o.showAccess, "show-access", "S", "", "Whether to use syntax highlighting for ACLs (with -Q/--query and -U/--user)")
	f.Lookup("show-access").NoOptDefVal = "auto"
	f.BoolVarP(&o.force, "force", "f", false, "Force the action (required by --erase, --delete-all and --upgrade; lets --replace load an older CIB)")
	f.IntVarP(&o.timeout, "timeout", "t", 0, "Time (in seconds) to wait before declaring the operation failed")
	f.StringVarP(&o.user, "user", "U", "", "Run the command with permissions of the named user (valid only for the root and hacluster accounts)")
	f.BoolVarP(&o.sync, "sync-call", "s", false, "Wait for call to complete before returning")
	f.BoolVarP(&o.local, "local", "l", false, "Command takes effect locally (should be used only for queries)")
	f.BoolVarP(&o.allowCreate, "allow-create", "c", false, "(Advanced) Allow target of --modify/-M to be created if it does not exist")
	f.BoolVarP(&o.noChildren, "no-children", "n", false, "(Advanced) When querying an object, do not include its children in the result")
	f.StringVarP(&o.xmlText, "xml-text", "X", "", "Retrieve XML from the supplied string")
	f.StringVarP(&o.xmlFile, "xml-file", "x", "", "Retrieve XML from the named file")
	f.BoolVarP(&o.xmlPipe, "xml-pipe", "p", false, "Retrieve XML from stdin")
	f.StringVarP(&o.scope, "scope", "o", "", "Limit scope of operation to specific section of CIB (configuration, nodes, resources, constraints, crm_config, rsc_defaults, op_defaults, acls, fencing-topology, tags, alerts, status)")
	f.StringVarP(&o.xpath, "xpath", "A", "", "A valid XPath to use instead of --scope/-o")
	f.BoolVarP(&o.nodePath, "node-path", "e", false, "When performing XPath queries, return path of any matches found")
	f.StringVarP(&o.node, "node", "N", "", "(Advanced) Send command to the specified host")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output")
	cmd.SetArgs(args)
	cmd.SetIn(stdin)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return crmexit.Wrap(crmexit.Usage, err)
	})
	if err := cmd.Execute(); err != nil {
		code = crmexit.Of(err)
		if code == crmexit.Err && strings.Contains(err.Error(), "unknown") {
			code = crmexit.Usage
		}
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		if code == crmexit.Usage {
			fmt.Fprintln(stderr, "Try 'cibadmin --help' for usage.")
		}
	}
	return code
}

// command picks the one command given; none or several is a usage error.
func (o *options) command() (string, error) {
	var set []string
	for _, c := range []struct {
		on   bool
		name string
	}{
		{o.query, "query"}, {o.create, "create"}, {o.modify, "modify"}, {o.replace, "replace"},
		{o.del || o.deleteAll, "delete"}, {o.erase, "erase"}, {o.bump, "bump"}, {o.empty, "empty"},
		{o.md5, "md5-sum"}, {o.md5v, "md5-sum-versioned"}, {o.upgrade, "upgrade"}, {o.patch, "patch"},
	} {
		if c.on {
			set = append(set, c.name)
		}
	}
	switch len(set) {
	case 0:
		return "", crmexit.New(crmexit.Usage, "cibadmin: no command given; use one of -Q, -C, -M, -R, -D, -E, -B, -5, --empty (see --help)")
	case 1:
		return set[0], nil
	}
	return "", crmexit.New(crmexit.Usage, "cibadmin: only one command may be given (got --%s)", strings.Join(set, ", --"))
}

// input reads the XML given with -X, -x or -p (nil when none was given).
func (o *options) input(stdin io.Reader) (*etree.Element, string, error) {
	var data []byte
	var from string
	switch {
	case o.xmlText != "":
		data, from = []byte(o.xmlText), "input string"
	case o.xmlFile != "":
		b, err := os.ReadFile(o.xmlFile)
		if err != nil {
			return nil, o.xmlFile, crmexit.New(crmexit.Config, "Couldn't parse input from %s: %v", o.xmlFile, err)
		}
		data, from = b, o.xmlFile
	case o.xmlPipe:
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, "STDIN", crmexit.New(crmexit.Config, "Couldn't parse input from STDIN: %v", err)
		}
		data, from = b, "STDIN"
	default:
		return nil, "", nil
	}
	e, err := cib.ParseElement(data)
	if err != nil {
		return nil, from, crmexit.New(crmexit.Config, "Couldn't parse input from %s: %v", from, err)
	}
	return e, from, nil
}

func execute(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return nil
	}
	cmdName, err := o.command()
	if err != nil {
		return err
	}
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(o.timeout)*time.Second)
		defer cancel()
	}
	switch cmdName {
	case "empty":
		b, err := cib.Empty().Bytes()
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	case "md5-sum", "md5-sum-versioned":
		x, _, err := o.input(stdin)
		if err != nil {
			return err
		}
		if x == nil {
			fmt.Fprint(stderr, "Digest: ")
			return crmexit.New(crmexit.Usage, "Please supply XML to process with -X, -x or -p")
		}
		if cmdName == "md5-sum-versioned" {
			return crmexit.New(crmexit.Unimplemented, "cibadmin: --md5-sum-versioned is not implemented by Pacer")
		}
		fmt.Fprint(stderr, "Digest: ")
		fmt.Fprintln(stdout, cib.OnDiskDigest(x))
		return nil
	case "upgrade":
		if !o.force {
			return crmexit.New(crmexit.Unsafe, dangerous)
		}
	case "erase":
		if !o.force {
			return crmexit.New(crmexit.Unsafe, dangerous)
		}
	case "delete":
		if o.deleteAll && !o.force {
			return crmexit.New(crmexit.Unsafe, dangerous)
		}
	}

	backend, err := cibclient.OpenEnv(ctx, getenv)
	if err != nil {
		return err
	}
	defer backend.Close()

	if cmdName == "query" {
		return query(ctx, o, backend, stdout)
	}

	var x *etree.Element
	if cmdName == "create" || cmdName == "modify" || cmdName == "replace" || cmdName == "patch" || (cmdName == "delete" && o.xpath == "") {
		var from string
		x, from, err = o.input(stdin)
		if err != nil {
			return err
		}
		_ = from
		if x == nil {
			return crmexit.New(crmexit.Software, "Call failed: Invalid argument: --%s needs XML (give it with -X, -x or -p)", cmdName)
		}
	}
	err = backend.Update(ctx, func(c *cib.CIB) error {
		switch cmdName {
		case "create":
			if o.xpath != "" {
				// Pacemaker ignores the XPath here and creates under the root.
				return c.Create("cib", x)
			}
			return c.Create(o.scope, x)
		case "modify":
			if o.xpath != "" {
				return c.ModifyXPath(o.xpath, x, o.allowCreate)
			}
			return c.Modify(o.scope, x, o.allowCreate)
		case "replace":
			if o.xpath != "" {
				return c.ReplaceXPath(o.xpath, x)
			}
			return c.Replace(o.scope, x, o.force)
		case "delete":
			if o.xpath != "" {
				return c.DeleteXPath(o.xpath, o.deleteAll)
			}
			return c.Delete(o.scope, x)
		case "erase":
			c.Erase()
			return nil
		case "upgrade":
			_, err := c.Upgrade()
			return err
		case "patch":
			return c.ApplyPatch(x)
		case "bump":
			return c.Modify("", etree.NewElement("cib").CreateAttr("epoch", "epoch++").Element(), false)
		}
		return crmexit.New(crmexit.Software, "cibadmin: unhandled command %s", cmdName)
	})
	return callFailed(err)
}

// callFailed words a backend error the way cibadmin does: "Call failed: ...", on one line.
func callFailed(err error) error {
	if err == nil {
		return nil
	}
	code := crmexit.Of(err)
	msg := err.Error()
	switch code {
	case crmexit.NoInput:
		// A missing CIB_file: Pacemaker cannot "connect" to it.
		return crmexit.New(crmexit.NoSuch, "Could not connect to the CIB: %s", msg)
	case crmexit.InvalidParam:
		if strings.HasPrefix(msg, "invalid XPath") {
			return crmexit.New(crmexit.NoSuch, "Call failed: %s", msg)
		}
	case crmexit.Disconnect:
		return err
	}
	if strings.HasPrefix(msg, "Call failed") {
		return err
	}
	return crmexit.Wrap(code, errors.New("Call failed: "+msg))
}

func query(ctx context.Context, o *options, b cib.Backend, stdout io.Writer) error {
	c, err := b.Read(ctx)
	if err != nil {
		return callFailed(err)
	}
	found, err := c.Query(o.scope, o.xpath, o.noChildren)
	if err != nil {
		return callFailed(err)
	}
	if o.nodePath && o.xpath != "" {
		m, err := c.XPath(o.xpath)
		if err != nil {
			return callFailed(err)
		}
		for _, e := range m {
			fmt.Fprintln(stdout, cib.ElementPath(e))
		}
		return nil
	}
	if len(found) == 1 {
		_, err = stdout.Write(cib.Format(found[0]))
		return err
	}
	wrap := etree.NewElement("xpath-query")
	for _, e := range found {
		wrap.AddChild(e)
	}
	_, err = stdout.Write(cib.Format(wrap))
	return err
}
