package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/beevik/etree"
	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/resourcecmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now)
	stop()
	os.Exit(int(crmexit.Of(err)))
}

type options struct {
	ticket                      string
	info, details, rawXML, cons bool
	grant, revoke               bool
	standby, activate           bool
	getAttr, setAttr, delAttr   string
	value                       string
	force, quiet, version       bool
	verbose                     int
}

const tool = "crm_ticket"

// run is the whole tool, parameterised for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	var o options
	cmd := &cobra.Command{
		Use:   "crm_ticket",
		Short: "crm_ticket - Perform tasks related to cluster tickets",
		Long: `crm_ticket - Perform tasks related to cluster tickets

Allows ticket attributes to be queried, modified and deleted.`,
		Example: `Display the info of tickets:

	# crm_ticket --info

Display the detailed info of tickets:

	# crm_ticket --details

Grant ticket ticketA to this site (with --force, as there is no booth to ask):

	# crm_ticket --ticket ticketA --grant --force

Revoke ticketA, or first put it in standby:

	# crm_ticket --ticket ticketA --standby
	# crm_ticket --ticket ticketA --revoke --force

Set, show and delete a ticket attribute:

	# crm_ticket --ticket ticketA --set-attr owner --attr-value site1
	# crm_ticket --ticket ticketA --get-attr owner
	# crm_ticket --ticket ticketA --delete-attr owner`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return execute(ctx, cmd, &o, stdout, stderr, now)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVarP(&o.ticket, "ticket", "t", "", "Ticket ID")
	f.BoolVarP(&o.info, "info", "l", false, "Display the information of ticket(s)")
	f.BoolVarP(&o.details, "details", "L", false, "Display the details of ticket(s)")
	f.BoolVarP(&o.rawXML, "raw", "w", false, "Display the IDs of ticket(s)")
	f.BoolVarP(&o.rawXML, "query-xml", "q", false, "Query the XML of ticket(s)")
	f.BoolVarP(&o.cons, "constraints", "c", false, "Display the rsc_ticket constraints that apply to ticket(s)")
	f.BoolVarP(&o.grant, "grant", "g", false, "Grant a ticket to this cluster site")
	f.BoolVarP(&o.revoke, "revoke", "r", false, "Revoke a ticket from this cluster site")
	f.BoolVarP(&o.standby, "standby", "s", false, "Tell this cluster site this ticket is standby")
	f.BoolVarP(&o.activate, "activate", "a", false, "Tell this cluster site this ticket is active")
	f.StringVarP(&o.getAttr, "get-attr", "G", "", "Display the named attribute for a ticket")
	f.StringVarP(&o.setAttr, "set-attr", "S", "", "Set the named attribute for a ticket")
	f.StringVarP(&o.delAttr, "delete-attr", "D", "", "Delete the named attribute for a ticket")
	f.StringVarP(&o.value, "attr-value", "v", "", "Attribute value to use with -S")
	f.BoolVarP(&o.force, "force", "f", false, "(Advanced) Force the action to be performed")
	f.BoolVarP(&o.quiet, "quiet", "Q", false, "Be less descriptive in output.")
	f.CountVarP(&o.verbose, "verbose", "V", "Increase debug output (may be specified multiple times)")
	f.BoolVarP(&o.version, "version", "$", false, "Display software version and exit")
	f.Lookup("raw").Hidden = true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
			name = strings.Trim(name, "'")
			if i := strings.Index(name, " in "); i >= 0 {
				name = name[i+4:]
			}
			if !strings.HasPrefix(name, "-") {
				name = "--" + name
			}
			fmt.Fprintf(stderr, "%s: Missing argument for %s\n", tool, name)
		} else {
			fmt.Fprintf(stderr, "%s: %s\n", tool, msg)
		}
		return resourcecmd.Fail(crmexit.Usage)
	})
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err != nil && crmexit.Of(err) != crmexit.OK && !resourcecmd.IsReported(err) {
		fmt.Fprintf(stderr, "%s: %v\n", tool, err)
	}
	return err
}

func failf(stderr io.Writer, code crmexit.Code, format string, args ...any) error {
	fmt.Fprintf(stderr, tool+": "+format+"\n", args...)
	return resourcecmd.Fail(code)
}

// ticket is one ticket: its state element's attributes (in XML order).
type ticket struct {
	id    string
	attrs []etree.Attr
}

func (t ticket) get(name string) (string, bool) {
	for _, a := range t.attrs {
		if a.Key == name {
			return a.Value, true
		}
	}
	return "", false
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1", "y":
		return true
	}
	return false
}

// tickets lists the tickets with state, then those only constraints name.
func tickets(c *cib.CIB) []ticket {
	var out []ticket
	seen := map[string]bool{}
	if st := c.Section("status"); st != nil {
		if ts := st.SelectElement("tickets"); ts != nil {
			for _, e := range ts.SelectElements("ticket_state") {
				id := e.SelectAttrValue("id", "")
				var attrs []etree.Attr
				for _, a := range e.Attr {
					if a.Key != "id" {
						attrs = append(attrs, a)
					}
				}
				seen[id] = true
				out = append(out, ticket{id, attrs})
			}
		}
	}
	if cons := c.Section("constraints"); cons != nil {
		for _, e := range cons.SelectElements("rsc_ticket") {
			if id := e.SelectAttrValue("ticket", ""); id != "" && !seen[id] {
				seen[id] = true
				out = append(out, ticket{id: id})
			}
		}
	}
	return out
}

// lastGranted formats a last-granted stamp as ctime does.
func lastGranted(v string) string {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return v
	}
	return time.Unix(n, 0).Format("Mon Jan _2 15:04:05 2006")
}

func (t ticket) line(details bool) string {
	g, _ := t.get("granted")
	state := "revoked"
	if isTrue(g) {
		state = "granted"
	}
	sb := "         "
	if v, _ := t.get("standby"); isTrue(v) {
		sb = "[standby]"
	}
	s := fmt.Sprintf("%s\t%s %s", t.id, state, sb)
	if details {
		if len(t.attrs) > 0 {
			var parts []string
			for _, a := range t.attrs {
				v := a.Value
				if a.Key == "last-granted" {
					v = "'" + lastGranted(v) + "'"
				}
				parts = append(parts, a.Key+"="+v)
			}
			s += " (" + strings.Join(parts, ", ") + ")"
		}
	} else if v, ok := t.get("last-granted"); ok {
		s += " last-granted='" + lastGranted(v) + "'"
	}
	return s
}

// indentXML prints e the way Pacemaker's XML dump does (two-space indent).
func indentXML(e *etree.Element) string {
	doc := etree.NewDocument()
	doc.SetRoot(e.Copy())
	doc.Indent(2)
	s, _ := doc.WriteToString()
	return s
}

func execute(ctx context.Context, cmd *cobra.Command, o *options, stdout, stderr io.Writer, now func() time.Time) error {
	if o.version {
		fmt.Fprintln(stdout, "Pacemaker 2.1.5 (Pacer)")
		return nil
	}
	changed := cmd.Flags().Changed
	needTicket := func() error {
		if o.ticket == "" {
			return failf(stderr, crmexit.Usage, "Must supply ticket ID with -t")
		}
		return nil
	}
	switch {
	case o.info, o.details:
		c, err := resourcecmd.ReadCIB(ctx, tool, stderr)
		if err != nil {
			return err
		}
		found := false
		for _, t := range tickets(c) {
			if o.ticket != "" && t.id != o.ticket {
				continue
			}
			found = true
			fmt.Fprintln(stdout, t.line(o.details))
		}
		if o.ticket != "" && !found {
			return failf(stderr, crmexit.NoSuch, "No such ticket '%s'", o.ticket)
		}
		return nil
	case o.rawXML:
		c, err := resourcecmd.ReadCIB(ctx, tool, stderr)
		if err != nil {
			return err
		}
		var ts *etree.Element
		if st := c.Section("status"); st != nil {
			ts = st.SelectElement("tickets")
		}
		if ts != nil && o.ticket != "" {
			var one *etree.Element
			for _, e := range ts.SelectElements("ticket_state") {
				if e.SelectAttrValue("id", "") == o.ticket {
					one = e
				}
			}
			ts = one
		}
		if ts == nil {
			return failf(stderr, crmexit.NoSuch, "Could not query ticket XML: No such device or address")
		}
		fmt.Fprintf(stdout, "State XML:\n\n%s", indentXML(ts))
		return nil
	case o.cons:
		c, err := resourcecmd.ReadCIB(ctx, tool, stderr)
		if err != nil {
			return err
		}
		var b strings.Builder
		if cons := c.Section("constraints"); cons != nil {
			for _, e := range cons.SelectElements("rsc_ticket") {
				if o.ticket == "" || e.SelectAttrValue("ticket", "") == o.ticket {
					b.WriteString(indentXML(e))
				}
			}
		}
		if b.Len() == 0 {
			return failf(stderr, crmexit.NoSuch, "Could not show ticket constraints: No such device or address")
		}
		fmt.Fprintf(stdout, "Constraints XML:\n\n%s", b.String())
		return nil
	case changed("get-attr"):
		if err := needTicket(); err != nil {
			return err
		}
		c, err := resourcecmd.ReadCIB(ctx, tool, stderr)
		if err != nil {
			return err
		}
		for _, t := range tickets(c) {
			if t.id == o.ticket {
				if v, ok := t.get(o.getAttr); ok {
					fmt.Fprintln(stdout, v)
					return nil
				}
			}
		}
		return resourcecmd.Fail(crmexit.NoSuch)
	}
	// Modifications: collect attribute changes (nil value = delete).
	set := map[string]*string{}
	var order []string
	put := func(k string, v *string) {
		if _, ok := set[k]; !ok {
			order = append(order, k)
		}
		set[k] = v
	}
	str := func(s string) *string { return &s }
	grantNeedsForce, revokeNeedsForce := false, false
	switch {
	case o.grant:
		put("granted", str("true"))
		grantNeedsForce = true
	case o.revoke:
		put("granted", str("false"))
		revokeNeedsForce = true
	case o.standby:
		put("standby", str("true"))
	case o.activate:
		put("standby", str("false"))
	case changed("set-attr"):
		if !changed("attr-value") {
			return failf(stderr, crmexit.Usage, "Must supply value with -v for -S %s", o.setAttr)
		}
		put(o.setAttr, str(o.value))
		if o.setAttr == "granted" {
			if isTrue(o.value) {
				grantNeedsForce = true
			} else {
				revokeNeedsForce = true
			}
		}
	case changed("delete-attr"):
		put(o.delAttr, nil)
		if o.delAttr == "granted" {
			revokeNeedsForce = true
		}
	default:
		return failf(stderr, crmexit.Usage, "Must supply a command")
	}
	if err := needTicket(); err != nil {
		return err
	}
	if grantNeedsForce && !o.force {
		fmt.Fprintf(stdout, "This command cannot help you verify whether '%s' has been already granted elsewhere.\n", o.ticket)
		fmt.Fprintf(stdout, "If you really want to grant '%s' to this site now, and you know what you are doing,\nplease specify --force.\n", o.ticket)
		return failf(stderr, crmexit.InsufficientPriv, "Ticket modification not allowed")
	}
	if revokeNeedsForce && !o.force {
		t := o.ticket
		fmt.Fprintf(stdout, "Revoking '%s' can trigger the specified 'loss-policy'(s) relating to '%s'.\n\n", t, t)
		fmt.Fprintf(stdout, "You can check that with:\ncrm_ticket --ticket %s --constraints\n\n", t)
		fmt.Fprintf(stdout, "Otherwise before revoking '%s', you may want to make '%s' standby with:\ncrm_ticket --ticket %s --standby\n\n", t, t, t)
		fmt.Fprintf(stdout, "If you really want to revoke '%s' from this site now, and you know what you are doing,\nplease specify --force.\n", t)
		return failf(stderr, crmexit.InsufficientPriv, "Ticket modification not allowed")
	}
	err := resourcecmd.Update(ctx, tool, stderr, now(), func(c *cib.CIB, _ *cluster.Cluster) error {
		return updateTicket(c, o.ticket, order, set, now())
	})
	if err != nil && !resourcecmd.IsReported(err) {
		return failf(stderr, crmexit.Of(err), "Could not update ticket: %v", err)
	}
	return err
}

// updateTicket applies attribute changes to the ticket's ticket_state,
// creating <tickets> and the state as needed; a grant of a ticket not yet
// granted stamps last-granted.
func updateTicket(c *cib.CIB, id string, order []string, set map[string]*string, now time.Time) error {
	st := c.Section("status")
	if st == nil {
		return crmexit.New(crmexit.NoSuch, "the CIB has no status section")
	}
	var ts, state *etree.Element
	if ts = st.SelectElement("tickets"); ts != nil {
		for _, e := range ts.SelectElements("ticket_state") {
			if e.SelectAttrValue("id", "") == id {
				state = e
			}
		}
	}
	x := etree.NewElement("ticket_state")
	x.CreateAttr("id", id)
	var dels []string
	for _, k := range order {
		v := set[k]
		if v == nil {
			if state != nil && state.SelectAttr(k) != nil {
				dels = append(dels, k)
			}
			continue
		}
		if state != nil && state.SelectAttrValue(k, "\x00") == *v {
			continue
		}
		x.CreateAttr(k, *v)
		if k == "granted" && isTrue(*v) {
			if state == nil || !isTrue(state.SelectAttrValue("granted", "")) {
				x.CreateAttr("last-granted", strconv.FormatInt(now.Unix(), 10))
			}
		}
	}
	if len(dels) > 0 {
		// Rewrite the state without the deleted attributes.
		repl := etree.NewElement("ticket_state")
		for _, a := range state.Attr {
			keep := true
			for _, d := range dels {
				keep = keep && a.Key != d
			}
			if keep {
				repl.CreateAttr(a.Key, a.Value)
			}
		}
		for _, a := range x.Attr {
			repl.CreateAttr(a.Key, a.Value)
		}
		xp := "/cib/status/tickets/ticket_state[@id='" + id + "']"
		if strings.Contains(id, "'") {
			xp = `/cib/status/tickets/ticket_state[@id="` + id + `"]`
		}
		return c.ReplaceXPath(xp, repl)
	}
	if len(x.Attr) == 1 {
		return nil
	}
	if state != nil {
		xp := "/cib/status/tickets/ticket_state[@id='" + id + "']"
		if strings.Contains(id, "'") {
			xp = `/cib/status/tickets/ticket_state[@id="` + id + `"]`
		}
		return c.ModifyXPath(xp, x, false)
	}
	if ts == nil {
		w := etree.NewElement("tickets")
		w.AddChild(x)
		return c.Create("status", w)
	}
	return c.ModifyXPath("/cib/status/tickets", func() *etree.Element {
		w := etree.NewElement("tickets")
		w.AddChild(x)
		return w
	}(), true)
}
