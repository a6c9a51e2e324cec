package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/beevik/etree"
	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/lrmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(int(crmexit.Of(err)))
}

type options struct {
	name, update, updateBoth, delay, set, node, lifetime string
	updateDelay, query, del, refresh, all, private       bool
	version                                              bool
	verbose                                              int
}

// reported is an error whose message has already been printed.
type reported struct{ code crmexit.Code }

func (r reported) Error() string { return r.code.String() }

func fail(code crmexit.Code) error { return crmexit.Wrap(code, reported{code}) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var o options
	cmd := &cobra.Command{
		Use:   "attrd_updater",
		Short: "attrd_updater - query and update Pacemaker node attributes",
		Long: `attrd_updater - query and update Pacemaker node attributes

Transient node attributes live in the status section (the node's
transient_attributes). With CIB_file set they are written there directly,
at once (dampening has nothing to wait for); otherwise the cluster's CIB is
updated.`,
		Example: `Set the local node's pingd attribute, waiting 5s for further changes:

	attrd_updater -n pingd -U 3 -d 5s

Query it on every node:

	attrd_updater -n pingd -Q -A

Remove it:

	attrd_updater -n pingd -D`,
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
	f.StringVarP(&o.name, "name", "n", "", "The attribute's name")
	f.StringVarP(&o.update, "update", "U", "", "Update attribute's value")
	f.StringVarP(&o.updateBoth, "update-both", "B", "", "Update attribute's value and time to wait (dampening); requires -d/--delay")
	f.BoolVarP(&o.updateDelay, "update-delay", "Y", false, "Update attribute's dampening; requires -d/--delay")
	f.BoolVarP(&o.query, "query", "Q", false, "Query the attribute's value")
	f.BoolVarP(&o.del, "delete", "D", false, "Unset the attribute")
	f.BoolVarP(&o.refresh, "refresh", "R", false, "(Advanced) Force the attribute daemon to resend all current values to the CIB")
	f.StringVarP(&o.delay, "delay", "d", "", "The time to wait (dampening) in seconds for further changes before sending to the CIB")
	f.StringVarP(&o.set, "set", "s", "", "(Advanced) The attribute set in which to place the value")
	f.StringVarP(&o.node, "node", "N", "", "Set the attribute for the named node (instead of the local one)")
	f.BoolVarP(&o.all, "all", "A", false, "Show values of the attribute for all nodes (query only)")
	f.StringVarP(&o.lifetime, "lifetime", "l", "", "(Not yet implemented) Lifetime of the node attribute (silently ignored by cluster)")
	f.BoolVarP(&o.private, "private", "p", false, "If this creates a new attribute, never write the attribute to CIB")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output (may be specified multiple times)")
	// -v is accepted as a synonym of -U, as in older Pacemaker.
	f.StringVarP(&o.update, "value", "v", "", "Same as --update")
	f.Lookup("value").Hidden = true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		fmt.Fprintf(stderr, "attrd_updater: %v\n", err)
		return fail(crmexit.Usage)
	})
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	var r reported
	if err != nil && !errors.As(err, &r) {
		fmt.Fprintf(stderr, "attrd_updater: %v\n", err)
	}
	return err
}

func execute(ctx context.Context, cmd *cobra.Command, o *options, stdout, stderr io.Writer, getenv func(string) string) error {
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return nil
	}
	changed := cmd.Flags().Changed
	update := changed("update") || changed("value")
	if changed("update-both") {
		update, o.update = true, o.updateBoth
	}
	if o.refresh {
		// Values are written at once; there is nothing to resend.
		return nil
	}
	if o.name == "" {
		fmt.Fprintln(stderr, "attrd_updater: Command requires --name argument")
		return fail(crmexit.Usage)
	}
	if (changed("update-both") || o.updateDelay) && o.delay == "" {
		fmt.Fprintln(stderr, "attrd_updater: Commands -B and -Y require -d/--delay")
		return fail(crmexit.Usage)
	}
	if o.updateDelay && !update && !o.del && !o.query {
		// Only the dampening changes; it does not apply to direct writes.
		return nil
	}
	if !update && !o.del && !o.query {
		o.query = true
	}
	if getenv(cibclient.EnvFile) == "" && getenv(cibclient.EnvShadow) == "" {
		return daemon(ctx, o, update, stdout, stderr, getenv)
	}
	be, err := cibclient.Open(ctx)
	var c *cib.CIB
	if err == nil {
		defer be.Close()
		c, err = be.Read(ctx)
	}
	if err != nil {
		if update || o.del {
			fmt.Fprintf(stderr, "attrd_updater: Could not update %s=%s: Connection refused (111)\n", o.name, o.update)
		} else {
			fmt.Fprintln(stderr, "attrd_updater: Could not connect to attrd: Connection refused")
		}
		return fail(crmexit.Disconnect)
	}
	if o.query {
		return query(c, o, stdout, stderr)
	}
	if o.private {
		// Private attributes never reach the CIB.
		return nil
	}
	node := o.node
	if node == "" {
		node, _ = os.Hostname()
	}
	id, ok := nodeID(c, node)
	if !ok {
		fmt.Fprintf(stderr, "attrd_updater: Could not update %s=%s: No such device or address\n", o.name, o.update)
		return fail(crmexit.NoSuch)
	}
	err = be.Update(ctx, func(c *cib.CIB) error {
		if o.del {
			for _, nv := range transient(c, id, o.name, o.set) {
				x := etree.NewElement("nvpair")
				x.CreateAttr("id", nv.SelectAttrValue("id", ""))
				if err := c.Delete("status", x); err != nil {
					return err
				}
			}
			return nil
		}
		if existing := transient(c, id, o.name, o.set); len(existing) > 0 {
			x := etree.NewElement("nvpair")
			x.CreateAttr("id", existing[0].SelectAttrValue("id", ""))
			x.CreateAttr("value", o.update)
			return c.Modify("status", x, false)
		}
		setID := o.set
		if setID == "" {
			setID = "status-" + id
		}
		ns := etree.NewElement("node_state")
		ns.CreateAttr("id", id)
		if findNodeState(c, id) == nil {
			// attrd creates the node's status entry when it has none yet.
			ns.CreateAttr("uname", node)
		}
		ta := ns.CreateElement("transient_attributes")
		ta.CreateAttr("id", id)
		set := ta.CreateElement("instance_attributes")
		set.CreateAttr("id", setID)
		nv := set.CreateElement("nvpair")
		nv.CreateAttr("id", sanitizeID(setID+"-"+o.name))
		nv.CreateAttr("name", o.name)
		nv.CreateAttr("value", o.update)
		return c.Modify("status", ns, true)
	})
	if err != nil {
		code := crmexit.Of(err)
		fmt.Fprintf(stderr, "attrd_updater: Could not update %s=%s: %v\n", o.name, o.update, err)
		return crmexit.Wrap(code, reported{code})
	}
	return nil
}

// daemon talks to crmd's attribute manager, which dampens and writes the
// values to the CIB as Pacemaker's attrd does.
func daemon(ctx context.Context, o *options, update bool, stdout, stderr io.Writer, getenv func(string) string) error {
	sock := getenv(cibclient.EnvSocket)
	if sock == "" {
		sock = cibclient.DefaultSocket
	}
	cl, err := ipc.Dial(ctx, sock)
	if err != nil {
		if update || o.del {
			fmt.Fprintf(stderr, "attrd_updater: Could not update %s=%s: Connection refused (111)\n", o.name, o.update)
		} else {
			fmt.Fprintln(stderr, "attrd_updater: Could not connect to attrd: Connection refused")
		}
		return fail(crmexit.Disconnect)
	}
	defer cl.Close()
	failed := func(what string, err error) error {
		code := crmexit.Of(err)
		fmt.Fprintf(stderr, "attrd_updater: Could not %s: %v\n", what, err)
		return crmexit.Wrap(code, reported{code})
	}
	switch {
	case o.query && o.all:
		doc, _, err := cl.Query(ctx)
		if err != nil {
			return failed("query value of "+o.name, err)
		}
		c, err := cib.Parse(doc)
		if err != nil {
			return failed("query value of "+o.name, err)
		}
		return query(c, o, stdout, stderr)
	case o.query:
		v, found, err := cl.AttrGet(ctx, o.node, o.name)
		if err != nil {
			return failed("query value of "+o.name, err)
		}
		if !found {
			fmt.Fprintf(stderr, "attrd_updater: Could not query value of %s: attribute does not exist\n", o.name)
			return fail(crmexit.NoSuch)
		}
		host := o.node
		if host == "" {
			host = localNode(ctx, getenv)
		}
		fmt.Fprintf(stdout, "name=\"%s\" host=\"%s\" value=\"%s\"\n", o.name, host, v)
		return nil
	case o.del:
		if err := cl.AttrDelete(ctx, o.node, o.name); err != nil {
			return failed("delete "+o.name, err)
		}
		return nil
	}
	dampen := 0
	if o.delay != "" {
		ms, err := lrmd.ParseDuration(o.delay)
		if err != nil {
			fmt.Fprintf(stderr, "attrd_updater: Invalid delay '%s'\n", o.delay)
			return fail(crmexit.Usage)
		}
		dampen = int(ms)
	}
	if err := cl.AttrSet(ctx, o.node, o.name, o.update, dampen); err != nil {
		return failed(fmt.Sprintf("update %s=%s", o.name, o.update), err)
	}
	return nil
}

// query prints name="N" host="H" value="V" for the local (or -N) node, or
// for every node with -A.
func query(c *cib.CIB, o *options, stdout, stderr io.Writer) error {
	st := c.Section("status")
	var hosts []*etree.Element
	if st != nil {
		hosts = st.SelectElements("node_state")
	}
	want := o.node
	if want == "" && !o.all {
		want, _ = os.Hostname()
	}
	printed := 0
	for _, ns := range hosts {
		uname := ns.SelectAttrValue("uname", ns.SelectAttrValue("id", ""))
		if !o.all && uname != want {
			continue
		}
		for _, nv := range transient(c, ns.SelectAttrValue("id", ""), o.name, o.set) {
			fmt.Fprintf(stdout, "name=\"%s\" host=\"%s\" value=\"%s\"\n", o.name, uname, nv.SelectAttrValue("value", ""))
			printed++
		}
	}
	if printed == 0 {
		fmt.Fprintf(stderr, "attrd_updater: Could not query value of %s: attribute does not exist\n", o.name)
		return fail(crmexit.NoSuch)
	}
	return nil
}

func findNodeState(c *cib.CIB, id string) *etree.Element {
	st := c.Section("status")
	if st == nil {
		return nil
	}
	for _, ns := range st.SelectElements("node_state") {
		if ns.SelectAttrValue("id", "") == id {
			return ns
		}
	}
	return nil
}

// transient lists the node's transient nvpairs named name (in set setID
// when given).
func transient(c *cib.CIB, id, name, setID string) []*etree.Element {
	ns := findNodeState(c, id)
	if ns == nil {
		return nil
	}
	var out []*etree.Element
	for _, ta := range ns.SelectElements("transient_attributes") {
		for _, set := range ta.SelectElements("instance_attributes") {
			if setID != "" && set.SelectAttrValue("id", "") != setID {
				continue
			}
			for _, nv := range set.SelectElements("nvpair") {
				if nv.SelectAttrValue("name", "") == name {
					out = append(out, nv)
				}
			}
		}
	}
	return out
}

// nodeID maps a node name to its id: cluster nodes, then status entries
// (remote and guest nodes use their name as id).
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
	return "", false
}

// sanitizeID makes a valid XML ID the way Pacemaker does (':' becomes '.').
func sanitizeID(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch == '-' || ch == '_' || ch == '.' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch >= 0x80) {
			b[i] = '.'
		}
	}
	return string(b)
}

// localNode is the name this node has in the cluster: the local crmd's node
// name on a live cluster (it need not be the host's), else the host name.
func localNode(ctx context.Context, getenv func(string) string) string {
	if n, ok := cibclient.LocalNode(ctx, getenv); ok {
		return n
	}
	h, _ := os.Hostname()
	return h
}
