package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"syscall"

	"github.com/beevik/etree"
	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/ipc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(int(crmexit.Of(err)))
}

type options struct {
	name, value, node, lifetime, typ string
	id, setName, pattern, dflt       string
	promotion                        string
	query, del, quiet, utilization   bool
	version                          bool
	verbose                          int
}

// reported is an error whose message has already been printed.
type reported struct{ code crmexit.Code }

func (r reported) Error() string { return r.code.String() }

func fail(code crmexit.Code) error { return crmexit.Wrap(code, reported{code}) }

const promotionDefault = "\x00"

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var o options
	cmd := &cobra.Command{
		Use:   "crm_attribute",
		Short: "crm_attribute - query and update Pacemaker cluster options and node attributes",
		Long: `crm_attribute - query and update Pacemaker cluster options and node attributes

Works on the CIB file named by CIB_file, or on the cluster. Node attributes go
where Pacemaker puts them: permanent ones (-l forever) in the node's
instance_attributes in the configuration, transient ones (-l reboot, and
promotion scores) in the node's transient_attributes in the status section.`,
		Example: `Add new node attribute called 'location' with the value of 'office' for host 'myhost':

	crm_attribute --node myhost --name location --update office

Query the value of the 'location' node attribute for host 'myhost':

	crm_attribute --node myhost --name location --query

Change the value of the 'location' node attribute for host 'myhost':

	crm_attribute --node myhost --name location --update backoffice

Delete the 'location' node attribute for host 'myhost':

	crm_attribute --node myhost --name location --delete

Query the value of the 'cluster-delay' cluster option:

	crm_attribute --type crm_config --name cluster-delay --query

Query value of the 'cluster-delay' cluster option and print only the value:

	crm_attribute --type crm_config --name cluster-delay --query --quiet

Set this resource instance's promotion score (from an OCF agent):

	crm_attribute --promotion -v 10`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return execute(ctx, cmd, &o, stdout, stderr, getenv)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVarP(&o.id, "id", "i", "", "(Advanced) Operate on instance of specified attribute with this XML ID")
	f.StringVarP(&o.name, "name", "n", "", "Operate on attribute or option with this name")
	f.StringVarP(&o.pattern, "pattern", "P", "", "Operate on all attributes matching this pattern (with -G)")
	f.StringVarP(&o.promotion, "promotion", "p", "", "Operate on node attribute used as promotion score for specified resource, or resource given in OCF_RESOURCE_INSTANCE")
	f.Lookup("promotion").NoOptDefVal = promotionDefault
	f.StringVarP(&o.setName, "set-name", "s", "", "(Advanced) Operate on instance of specified attribute that is within set with this XML ID")
	f.BoolVarP(&o.del, "delete", "D", false, "Delete the attribute/option")
	f.BoolVarP(&o.query, "query", "G", false, "Query the current value of the attribute/option")
	f.StringVarP(&o.value, "update", "v", "", "Update the value of the attribute/option")
	f.StringVarP(&o.dflt, "default", "d", "", "(Advanced) Default value to display if none is found in configuration")
	f.StringVarP(&o.lifetime, "lifetime", "l", "", "Lifetime of the node attribute. Valid values: reboot, forever")
	f.StringVarP(&o.node, "node", "N", "", "Set a node attribute for named node (instead of a cluster option)")
	f.StringVarP(&o.typ, "type", "t", "", "Which part of the configuration to update/delete/query the option in (crm_config, rsc_defaults, op_defaults, nodes, status)")
	f.BoolVarP(&o.utilization, "utilization", "z", false, "Set an utilization attribute for the node.")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print only the value on stdout")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output (may be specified multiple times)")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	// Deprecated spellings Pacemaker still accepts.
	f.StringVarP(&o.node, "uname", "U", "", "Deprecated: use --node")
	f.BoolVarP(&o.query, "get-value", "Q", false, "Deprecated: use --query")
	f.StringVar(&o.value, "attr-value", "", "Deprecated: use --update")
	f.StringVar(&o.id, "attr-id", "", "Deprecated: use --id")
	f.BoolVar(&o.del, "delete-attr", false, "Deprecated: use --delete")
	for _, n := range []string{"uname", "get-value", "attr-value", "attr-id", "delete-attr"} {
		f.Lookup(n).Hidden = true
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		fmt.Fprintf(stderr, "crm_attribute: %v\n", err)
		return fail(crmexit.Usage)
	})
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	var r reported
	if err != nil && !errors.As(err, &r) {
		fmt.Fprintf(stderr, "crm_attribute: %v\n", err)
	}
	return err
}

// target is where an attribute lives.
type target struct {
	scope  string // nodes, status, crm_config, rsc_defaults, op_defaults
	nodeID string // for nodes/status
	// setTag and setID are the attribute set the default location uses.
	setTag, setID string
}

func execute(ctx context.Context, cmd *cobra.Command, o *options, stdout, stderr io.Writer, getenv func(string) string) error {
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return nil
	}
	update := cmd.Flags().Changed("update") || cmd.Flags().Changed("attr-value")
	if cmd.Flags().Changed("promotion") {
		rsc := o.promotion
		if rsc == promotionDefault {
			rsc = getenv("OCF_RESOURCE_INSTANCE")
		}
		if rsc == "" {
			fmt.Fprintln(stderr, "crm_attribute: -p/--promotion must be called from an OCF resource agent or with a resource ID specified")
			return fail(crmexit.Usage)
		}
		o.name = "master-" + rsc
		if o.lifetime == "" {
			o.lifetime = "reboot"
		}
	}
	if o.name == "" && o.id == "" && (update || o.del) {
		fmt.Fprintln(stderr, "crm_attribute: Error: must specify attribute name or pattern to modify")
		return fail(crmexit.Usage)
	}
	switch o.lifetime {
	case "", "reboot", "forever":
	default:
		fmt.Fprintf(stderr, "crm_attribute: Invalid lifetime '%s' (must be reboot or forever)\n", o.lifetime)
		return fail(crmexit.Usage)
	}

	be, err := cibclient.Open(ctx)
	if err != nil {
		return connectError(err, stderr)
	}
	defer be.Close()
	c, err := be.Read(ctx)
	if err != nil {
		return connectError(err, stderr)
	}
	tg, err := resolveTarget(ctx, c, o, stderr)
	if err != nil {
		return err
	}
	if tg.scope == "status" && getenv(cibclient.EnvFile) == "" && getenv(cibclient.EnvShadow) == "" && o.setName == "" && o.id == "" && o.pattern == "" && o.name != "" {
		// Transient attributes belong to crmd's attribute manager: writing
		// them to the CIB behind its back would be overwritten.
		return viaDaemon(ctx, o, update, tg, stdout, stderr, getenv)
	}
	switch {
	case o.del:
		return deleteAttr(ctx, be, o, tg, stdout, stderr)
	case update:
		return updateAttr(ctx, be, o, tg, stderr)
	default:
		return queryAttr(c, o, tg, stdout, stderr)
	}
}

func connectError(err error, stderr io.Writer) error {
	code := crmexit.Of(err)
	if code == crmexit.Err {
		code = crmexit.Disconnect
	}
	fmt.Fprintf(stderr, "crm_attribute: Could not connect to the CIB: %v\n", err)
	fmt.Fprintf(stderr, "Error performing operation: %s\n", code)
	return fail(code)
}

// localNode is the name this node has in the cluster: the local crmd's node
// name on a live cluster (it need not be the host's), else uname -n.
func localNode(ctx context.Context) string {
	if n, ok := cibclient.LocalNode(ctx, os.Getenv); ok {
		return n
	}
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}

// nodeID maps a node name to its id (cluster nodes, then remote nodes
// whose id is their name).
func nodeID(c *cib.CIB, name string) (string, bool) {
	if nodes := c.Section("nodes"); nodes != nil {
		for _, n := range nodes.SelectElements("node") {
			if n.SelectAttrValue("uname", "") == name {
				return n.SelectAttrValue("id", name), true
			}
		}
	}
	if st := c.Section("status"); st != nil {
		for _, ns := range st.SelectElements("node_state") {
			if ns.SelectAttrValue("uname", "") == name {
				return ns.SelectAttrValue("id", name), true
			}
		}
	}
	if res := c.Section("resources"); res != nil {
		for _, p := range res.FindElements(".//primitive[@type='remote']") {
			if p.SelectAttrValue("provider", "") == "pacemaker" && p.SelectAttrValue("id", "") == name {
				return name, true
			}
		}
	}
	return "", false
}

// resolveTarget decides where the attribute lives, as Pacemaker does: a
// node attribute when a node, lifetime or node type is given, a cluster
// option otherwise.
func resolveTarget(ctx context.Context, c *cib.CIB, o *options, stderr io.Writer) (target, error) {
	typ := o.typ
	switch typ {
	case "", "nodes", "status", "crm_config", "rsc_defaults", "op_defaults":
	case "tickets":
		fmt.Fprintln(stderr, "crm_attribute: Ticket attributes are managed with crm_ticket")
		return target{}, fail(crmexit.Unimplemented)
	default:
		fmt.Fprintf(stderr, "crm_attribute: Invalid section '%s'\n", typ)
		return target{}, fail(crmexit.Usage)
	}
	if typ == "" {
		switch {
		case o.lifetime == "reboot":
			typ = "status"
		case o.node != "" || o.lifetime == "forever" || o.utilization:
			typ = "nodes"
		default:
			typ = "crm_config"
		}
	}
	switch typ {
	case "crm_config":
		return target{scope: typ, setTag: "cluster_property_set", setID: "cib-bootstrap-options"}, nil
	case "rsc_defaults", "op_defaults":
		return target{scope: typ, setTag: "meta_attributes", setID: typ + "-options"}, nil
	}
	name := o.node
	if name == "" {
		name = localNode(ctx)
	}
	id, ok := nodeID(c, name)
	if !ok {
		fmt.Fprintf(stderr, "crm_attribute: Could not map name=%s to a UUID\n", name)
		return target{}, fail(crmexit.NoSuch)
	}
	if typ == "status" {
		return target{scope: typ, nodeID: id, setTag: "instance_attributes", setID: "status-" + id}, nil
	}
	if o.utilization {
		return target{scope: typ, nodeID: id, setTag: "utilization", setID: "nodes-" + id + "-utilization"}, nil
	}
	return target{scope: typ, nodeID: id, setTag: "instance_attributes", setID: "nodes-" + id}, nil
}

// container is the element holding the target's attribute sets (nil when
// it does not exist).
func container(c *cib.CIB, tg target) *etree.Element {
	switch tg.scope {
	case "nodes":
		if nodes := c.Section("nodes"); nodes != nil {
			for _, n := range nodes.SelectElements("node") {
				if n.SelectAttrValue("id", "") == tg.nodeID {
					return n
				}
			}
		}
		return nil
	case "status":
		if st := c.Section("status"); st != nil {
			for _, ns := range st.SelectElements("node_state") {
				if ns.SelectAttrValue("id", "") == tg.nodeID {
					return ns.SelectElement("transient_attributes")
				}
			}
		}
		return nil
	}
	return c.Section(tg.scope)
}

// findAttrs lists the nvpairs of the target matching name (all when name is
// empty), restricted to set setID and nvpair id when given.
func findAttrs(c *cib.CIB, tg target, name, setID, id string) []*etree.Element {
	ct := container(c, tg)
	if ct == nil {
		return nil
	}
	var out []*etree.Element
	for _, set := range ct.SelectElements(tg.setTag) {
		if setID != "" && set.SelectAttrValue("id", "") != setID {
			continue
		}
		for _, nv := range set.SelectElements("nvpair") {
			switch {
			case id != "" && nv.SelectAttrValue("id", "") != id:
			case name != "" && nv.SelectAttrValue("name", "") != name:
			default:
				out = append(out, nv)
			}
		}
	}
	return out
}

func queryAttr(c *cib.CIB, o *options, tg target, stdout, stderr io.Writer) error {
	var re func(string) bool
	if o.pattern != "" {
		m, err := patternMatcher(o.pattern)
		if err != nil {
			fmt.Fprintf(stderr, "crm_attribute: Invalid pattern '%s': %v\n", o.pattern, err)
			return fail(crmexit.Usage)
		}
		re = m
	}
	found := findAttrs(c, tg, o.name, o.setName, o.id)
	printed := 0
	for _, nv := range found {
		name := nv.SelectAttrValue("name", "")
		if re != nil && !re(name) {
			continue
		}
		printValue(stdout, o, tg.scope, name, nv.SelectAttrValue("value", ""))
		printed++
	}
	if printed > 0 {
		return nil
	}
	if o.dflt != "" {
		printValue(stdout, o, tg.scope, o.name, o.dflt)
		return nil
	}
	fmt.Fprintln(stderr, "crm_attribute: Error performing operation: No such device or address")
	return fail(crmexit.NoSuch)
}

func printValue(w io.Writer, o *options, scope, name, value string) {
	if o.quiet {
		fmt.Fprintln(w, value)
		return
	}
	fmt.Fprintf(w, "scope=%s  name=%s value=%s\n", scope, name, value)
}

// sanitizeID turns a string into a valid XML ID the way Pacemaker does
// (master-rsc:0 gives the id ...-master-rsc.0).
func sanitizeID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '-' || c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80) {
			b[i] = '.'
		}
	}
	return string(b)
}

func updateAttr(ctx context.Context, be cib.Backend, o *options, tg target, stderr io.Writer) error {
	setID := o.setName
	if setID == "" {
		setID = tg.setID
	}
	var missingNodeState bool
	err := be.Update(ctx, func(c *cib.CIB) error {
		if existing := findAttrs(c, tg, o.name, o.setName, o.id); len(existing) > 0 {
			x := etree.NewElement("nvpair")
			x.CreateAttr("id", existing[0].SelectAttrValue("id", ""))
			x.CreateAttr("value", o.value)
			return c.Modify(tg.scope, x, false)
		}
		nvID := o.id
		if nvID == "" {
			nvID = sanitizeID(setID + "-" + o.name)
		}
		nv := etree.NewElement("nvpair")
		nv.CreateAttr("id", nvID)
		nv.CreateAttr("name", o.name)
		nv.CreateAttr("value", o.value)
		set := etree.NewElement(tg.setTag)
		set.CreateAttr("id", setID)
		set.AddChild(nv)
		switch tg.scope {
		case "status":
			ns := etree.NewElement("node_state")
			ns.CreateAttr("id", tg.nodeID)
			ta := ns.CreateElement("transient_attributes")
			ta.CreateAttr("id", tg.nodeID)
			ta.AddChild(set)
			if err := c.Modify("status", ns, false); err != nil {
				missingNodeState = true
				return fail(crmexit.NoSuch)
			}
			return nil
		case "nodes":
			nodes := etree.NewElement("nodes")
			node := nodes.CreateElement("node")
			node.CreateAttr("id", tg.nodeID)
			node.AddChild(set)
			return c.Modify("configuration", nodes, true)
		default:
			sec := etree.NewElement(tg.scope)
			sec.AddChild(set)
			return c.Modify("configuration", sec, true)
		}
	})
	if missingNodeState {
		fmt.Fprintf(stderr, "Error setting %s=%s (section=%s, set=%s): No such device or address\n", o.name, o.value, tg.scope, setID)
		fmt.Fprintln(stderr, "crm_attribute: Error performing operation: No such device or address")
		return fail(crmexit.NoSuch)
	}
	if err != nil {
		code := crmexit.Of(err)
		fmt.Fprintf(stderr, "crm_attribute: Error performing operation: %v\n", err)
		return crmexit.Wrap(code, reported{code})
	}
	return nil
}

func deleteAttr(ctx context.Context, be cib.Backend, o *options, tg target, stdout, stderr io.Writer) error {
	var deleted []string
	err := be.Update(ctx, func(c *cib.CIB) error {
		for _, nv := range findAttrs(c, tg, o.name, o.setName, o.id) {
			id := nv.SelectAttrValue("id", "")
			x := etree.NewElement("nvpair")
			x.CreateAttr("id", id)
			if err := c.Delete(tg.scope, x); err != nil {
				return err
			}
			deleted = append(deleted, fmt.Sprintf("Deleted %s attribute: id=%s name=%s", tg.scope, id, nv.SelectAttrValue("name", "")))
		}
		return nil
	})
	if err != nil {
		code := crmexit.Of(err)
		fmt.Fprintf(stderr, "crm_attribute: Error performing operation: %v\n", err)
		return crmexit.Wrap(code, reported{code})
	}
	if !o.quiet {
		for _, d := range deleted {
			fmt.Fprintln(stdout, d)
		}
	}
	return nil
}

// viaDaemon sets, deletes or queries a transient attribute through crmd's
// attribute API.
func viaDaemon(ctx context.Context, o *options, update bool, tg target, stdout, stderr io.Writer, getenv func(string) string) error {
	sock := getenv(cibclient.EnvSocket)
	if sock == "" {
		sock = cibclient.DefaultSocket
	}
	cl, err := ipc.Dial(ctx, sock)
	if err != nil {
		return connectError(err, stderr)
	}
	defer cl.Close()
	opFailed := func(err error) error {
		code := crmexit.Of(err)
		fmt.Fprintf(stderr, "crm_attribute: Error performing operation: %v\n", err)
		return crmexit.Wrap(code, reported{code})
	}
	switch {
	case o.del:
		// Deleting nothing is silent, as with the CIB.
		if _, found, err := cl.AttrGet(ctx, o.node, o.name); err != nil {
			return opFailed(err)
		} else if !found {
			return nil
		}
		if err := cl.AttrDelete(ctx, o.node, o.name); err != nil {
			return opFailed(err)
		}
		if !o.quiet {
			fmt.Fprintf(stdout, "Deleted %s attribute: id=%s name=%s\n", tg.scope, sanitizeID(tg.setID+"-"+o.name), o.name)
		}
		return nil
	case update:
		if err := cl.AttrSet(ctx, o.node, o.name, o.value, 0); err != nil {
			return opFailed(err)
		}
		return nil
	}
	v, found, err := cl.AttrGet(ctx, o.node, o.name)
	if err != nil {
		return opFailed(err)
	}
	switch {
	case found:
		printValue(stdout, o, tg.scope, o.name, v)
	case o.dflt != "":
		printValue(stdout, o, tg.scope, o.name, o.dflt)
	default:
		fmt.Fprintln(stderr, "crm_attribute: Error performing operation: No such device or address")
		return fail(crmexit.NoSuch)
	}
	return nil
}

// patternMatcher matches attribute names against a regular expression
// (Pacemaker's -P takes a POSIX extended one; RE2 accepts the usual forms).
func patternMatcher(p string) (func(string) bool, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	return re.MatchString, nil
}
