package crmmon

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
)

// Options selects what is shown, mirroring crm_mon's flags.
type Options struct {
	// Inactive shows inactive resources (-r); crm_simulate always does.
	Inactive bool
	// GroupByNode lists resources under each node (-n).
	GroupByNode bool
	// FailCounts adds the migration summary (-f).
	FailCounts bool
	// Operations adds the operation history (-o).
	Operations bool
	// Timing adds timing details to the operation history (-t).
	Timing bool
	// Attributes adds node attributes (-A).
	Attributes bool
	// ShowDetail shows instance ids and more detail (-R).
	ShowDetail bool
	// Brief collapses identical primitives (-b).
	Brief bool
	// Tickets shows cluster tickets (-c).
	Tickets bool
	// Constraints shows negative location constraints (-L).
	Constraints bool
	// NoFailures hides failed actions.
	NoFailures bool
	// HideHeaders drops the cluster summary (-D).
	HideHeaders bool
}

// printer accumulates output; errors surface once at Flush.
type printer struct {
	w *bufio.Writer
	c *cluster.Cluster
	o Options
	// rec, when set, receives the items instead of w (the HTML renderer
	// builds its lists from them); r is the primitive an item shows.
	rec func(depth int, text string, r *cluster.Resource)
}

func newPrinter(w io.Writer, c *cluster.Cluster, o Options) *printer {
	return &printer{w: bufio.NewWriter(w), c: c, o: o}
}

// item prints "* text" indented by depth levels of two spaces.
func (p *printer) item(depth int, text string) {
	if p.rec != nil {
		p.rec(depth, text, nil)
		return
	}
	for i := 0; i < depth; i++ {
		p.w.WriteString("  ")
	}
	p.w.WriteString("* ")
	p.w.WriteString(text)
	p.w.WriteByte('\n')
}

func (p *printer) blank() { p.w.WriteByte('\n') }

// rscItem prints the line of primitive r.
func (p *printer) rscItem(depth int, r *cluster.Resource, text string) {
	if p.rec != nil {
		p.rec(depth, text, r)
		return
	}
	p.item(depth, text)
}

// RenderStatus writes the "Node List" and "Full List of Resources" block
// crm_simulate prints under "Current cluster status:".
func RenderStatus(w io.Writer, c *cluster.Cluster, opts Options) error {
	opts.Inactive = true
	p := newPrinter(w, c, opts)
	p.nodeList(1)
	p.blank()
	p.item(1, "Full List of Resources:")
	p.resources(2)
	return p.w.Flush()
}

// CompareNodeNames orders node names like Pacemaker: digit runs compare
// numerically, everything else case-insensitively.
func CompareNodeNames(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				if len(na) < len(nb) {
					return -1
				}
				return 1
			}
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			continue
		}
		la, lb := lower(ca), lower(cb)
		if la != lb {
			if la < lb {
				return -1
			}
			return 1
		}
		i++
		j++
	}
	switch {
	case len(a)-i < len(b)-j:
		return -1
	case len(a)-i > len(b)-j:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// sortedNodes returns the cluster's nodes in Pacemaker's display order.
func sortedNodes(c *cluster.Cluster) []*cluster.Node {
	out := append([]*cluster.Node(nil), c.Nodes...)
	sort.SliceStable(out, func(i, j int) bool { return CompareNodeNames(out[i].Name, out[j].Name) < 0 })
	return out
}

func sortNames(names []string) {
	sort.SliceStable(names, func(i, j int) bool { return CompareNodeNames(names[i], names[j]) < 0 })
}

func nameList(names []string) string {
	return "[ " + strings.Join(names, " ") + " ]"
}

// isBundleNode reports whether n is a bundle replica's guest node.
func isBundleNode(n *cluster.Node) bool {
	return n.Type == cluster.NodeGuest && n.Container != nil && n.Container.Parent != nil &&
		n.Container.Parent.Kind == cluster.Bundle
}

// nodeState returns the detailed state of a node that cannot be summarised
// in the Online/OFFLINE lists, or "" when it can.
func (p *printer) nodeState(n *cluster.Node) string {
	switch {
	case n.Unclean:
		if n.Online {
			return "UNCLEAN (online)"
		}
		return "UNCLEAN (offline)"
	case n.Pending:
		return "pending"
	case n.Standby && n.Online:
		s := "standby"
		if n.StandbyOnFail {
			s = "standby (on-fail)"
		}
		if len(activeOn(n)) > 0 {
			s += " (with active resources)"
		}
		return s
	case n.Standby:
		return "OFFLINE (standby)"
	case n.Maintenance && n.Online:
		return "maintenance"
	case n.Maintenance:
		return "OFFLINE (maintenance)"
	case n.Online:
		if h := healthState(p.c, n); h != "" {
			return "online (health is " + h + ")"
		}
	}
	return ""
}

// healthState reports a node's health colour when a health strategy is set.
func healthState(c *cluster.Cluster, n *cluster.Node) string {
	if c.Properties.NodeHealthStrategy() == "none" {
		return ""
	}
	worst := ""
	for k, v := range n.Attrs {
		if !strings.HasPrefix(k, "#health") {
			continue
		}
		switch strings.ToLower(v) {
		case "red":
			worst = "RED"
		case "yellow":
			if worst != "RED" {
				worst = "YELLOW"
			}
		}
	}
	return worst
}

// activeOn lists primitives active on a node.
func activeOn(n *cluster.Node) []*cluster.Resource {
	return n.RunningRsc
}

func (p *printer) nodeList(depth int) {
	p.item(depth, "Node List:")
	var online, offline, remoteOn, remoteOff, guestOn []string
	for _, n := range sortedNodes(p.c) {
		if n.Type == cluster.NodePing {
			continue
		}
		prefix := "Node"
		if n.IsRemote() {
			prefix = "RemoteNode"
			if n.Type == cluster.NodeGuest {
				prefix = "GuestNode"
			}
		}
		if n.Type == cluster.NodeGuest && !n.Online {
			continue
		}
		if st := p.nodeState(n); st != "" {
			p.item(depth+1, fmt.Sprintf("%s %s: %s", prefix, n.Name, st))
			continue
		}
		switch {
		case n.Type == cluster.NodeGuest:
			if n.Online {
				guestOn = append(guestOn, n.Name)
			}
		case n.Type == cluster.NodeRemote:
			if n.Online {
				remoteOn = append(remoteOn, n.Name)
			} else {
				remoteOff = append(remoteOff, n.Name)
			}
		case n.Online:
			online = append(online, n.Name)
		default:
			offline = append(offline, n.Name)
		}
	}
	for _, l := range []struct {
		label string
		names []string
	}{
		{"Online", online}, {"OFFLINE", offline}, {"RemoteOnline", remoteOn},
		{"RemoteOFFLINE", remoteOff}, {"GuestOnline", guestOn},
	} {
		if len(l.names) > 0 {
			p.item(depth+1, l.label+": "+nameList(l.names))
		}
	}
}

// resources prints every top-level resource; returns how many were shown.
func (p *printer) resources(depth int) int {
	shown := 0
	for _, r := range p.c.Resources {
		if !p.visible(r) {
			continue
		}
		p.resource(depth, r)
		shown++
	}
	if shown == 0 {
		if p.o.Inactive {
			p.item(depth, "No resources")
		} else {
			p.item(depth, "No active resources")
		}
	}
	return shown
}

// visible decides whether a top-level resource is listed at all.
func (p *printer) visible(r *cluster.Resource) bool {
	if r.Implicit || (r.Orphan && !activeOrPending(r)) {
		return false
	}
	if p.o.Inactive {
		return true
	}
	return activeOrPending(r) || r.Failed
}

func activeOrPending(r *cluster.Resource) bool {
	for _, x := range r.Primitives() {
		if len(x.RunningOn) > 0 || x.PendingNode != nil {
			return true
		}
	}
	return bundleActive(r)
}

func bundleActive(r *cluster.Resource) bool {
	if r.Kind == cluster.Bundle && r.Bundle != nil {
		for _, rep := range r.Bundle.Replica {
			for _, x := range []*cluster.Resource{rep.IP, rep.Container, rep.Remote, rep.Child} {
				if x != nil && activeOrPending(x) {
					return true
				}
			}
		}
	}
	return false
}

func (p *printer) resource(depth int, r *cluster.Resource) {
	switch r.Kind {
	case cluster.Primitive:
		p.rscItem(depth, r, p.primitiveText(r, r.ID))
	case cluster.Group:
		p.group(depth, r, r.ID, false)
	case cluster.Clone:
		p.clone(depth, r)
	case cluster.Bundle:
		p.bundle(depth, r)
	}
}

// classSpec renders "class:provider:type".
func classSpec(r *cluster.Resource) string {
	if r.Provider != "" {
		return r.Class + ":" + r.Provider + ":" + r.Type
	}
	return r.Class + ":" + r.Type
}

func disabled(r *cluster.Resource) bool {
	return r.TargetRoleSet && r.TargetRole == cluster.RoleStopped
}

// pendingText names an in-flight action that replaces the role word.
func pendingText(task string) string {
	switch task {
	case "start":
		return "Starting"
	case "stop":
		return "Stopping"
	case "migrate_to", "migrate_from":
		return "Migrating"
	case "promote":
		return "Promoting"
	case "demote":
		return "Demoting"
	}
	return ""
}

// pendingFlag names an in-flight action shown as a flag instead.
func pendingFlag(task string) string {
	switch task {
	case "monitor":
		return "Monitoring"
	}
	return ""
}

// notInstalled reports whether a probe found r's agent missing on some node
// and it is active nowhere.
func notInstalled(r *cluster.Resource) bool {
	found := false
	for _, st := range r.StatusOrder {
		if st.Active {
			return false
		}
		found = found || st.NotInstalled
	}
	return found
}

// primitiveText renders one primitive line in crm_mon's layout.
func (p *printer) primitiveText(r *cluster.Resource, name string) string {
	nodes := r.RunningOn
	if len(nodes) == 0 && r.PendingNode != nil {
		nodes = []*cluster.Node{r.PendingNode}
	}
	return p.primitiveTextOn(r, name, nodes)
}

// primitiveTextOn renders a primitive line showing the given nodes (bundle
// replicas show their container's host rather than the guest node).
func (p *printer) primitiveTextOn(r *cluster.Resource, name string, nodes []*cluster.Node) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString("\t(")
	b.WriteString(classSpec(r))
	b.WriteString("):\t ")
	if r.Orphan {
		b.WriteString("ORPHANED ")
	}
	active := len(r.RunningOn) > 0 || r.PendingNode != nil
	failed := r.Failed && (active || !notInstalled(r))
	switch {
	case failed:
		b.WriteString("FAILED")
		if r.Role == cluster.RolePromoted {
			b.WriteString(" Promoted")
		}
	case r.PendingNode != nil && pendingText(r.PendingTask) != "":
		b.WriteString(pendingText(r.PendingTask))
	case active:
		b.WriteString(r.Role.String())
	case notInstalled(r):
		b.WriteString("Stopped (not installed) ")
	default:
		b.WriteString("Stopped")
	}
	if len(nodes) == 1 {
		b.WriteByte(' ')
		b.WriteString(nodes[0].Name)
	} else if len(nodes) == 0 && r.LockNode != nil {
		b.WriteString(" " + r.LockNode.Name)
	}
	var flags []string
	if len(nodes) == 1 && nodes[0].Unclean && !nodes[0].Online && nodes[0].Type != cluster.NodeGuest {
		flags = append(flags, "UNCLEAN")
	}
	if r.FailureIgnored {
		flags = append(flags, "failure ignored")
	}
	if r.PendingNode != nil {
		if f := pendingFlag(r.PendingTask); f != "" {
			flags = append(flags, f)
		}
	}
	if disabled(r) {
		flags = append(flags, "disabled")
	}
	if r.Blocked {
		flags = append(flags, "blocked")
	} else if !r.Managed {
		flags = append(flags, "unmanaged")
	}
	if r.LockNode != nil && len(nodes) == 0 {
		flags = append(flags, "LOCKED")
	}
	if len(flags) > 0 {
		b.WriteString(" (" + strings.Join(flags, ", ") + ")")
	}
	if len(nodes) > 1 {
		names := make([]string, len(nodes))
		for i, n := range nodes {
			names[i] = n.Name
		}
		b.WriteString(" " + nameList(names))
	}
	return b.String()
}

// group prints a group and its members. anon strips instance suffixes from
// member names (members of anonymous clone instances).
func (p *printer) group(depth int, g *cluster.Resource, name string, anon bool) {
	var flags []string
	if !g.Managed {
		flags = append(flags, "unmanaged")
	}
	if !p.o.Inactive {
		hidden := 0
		for _, m := range g.Children {
			if !activeOrPending(m) && !m.Failed {
				hidden++
			}
		}
		switch {
		case hidden == 1:
			flags = append(flags, "1 member inactive")
		case hidden > 1:
			flags = append(flags, fmt.Sprintf("%d members inactive", hidden))
		}
	}
	// crm_mon puts the inactive count before "disabled".
	if disabled(g) {
		flags = append(flags, "disabled")
	}
	head := "Resource Group: " + name
	if len(flags) > 0 {
		head += " (" + strings.Join(flags, ", ") + ")"
	}
	p.item(depth, head+":")
	for _, m := range g.Children {
		if !p.o.Inactive && !activeOrPending(m) && !m.Failed {
			continue
		}
		mname := m.ID
		if anon {
			mname = m.BaseID
		}
		p.rscItem(depth+1, m, p.primitiveText(m, mname))
	}
}

// instanceSummary describes an anonymous clone instance that can be folded
// into a role list: it is active on exactly one node and unremarkable.
func instanceSummary(inst *cluster.Resource) (node *cluster.Node, role cluster.Role, ok bool) {
	prims := inst.Primitives()
	if len(prims) == 0 {
		return nil, 0, false
	}
	for i, x := range prims {
		if len(x.RunningOn) != 1 || x.Failed || !x.Managed || x.Blocked || x.Orphan || x.PendingNode != nil {
			return nil, 0, false
		}
		if n := x.RunningOn[0]; !n.Online && n.Unclean {
			return nil, 0, false
		}
		if i == 0 {
			node, role = x.RunningOn[0], x.Role
			continue
		}
		if x.RunningOn[0] != node || x.Role != role {
			return nil, 0, false
		}
	}
	return node, role, true
}

func (p *printer) clone(depth int, c *cluster.Resource) {
	child := c.ID
	if c.Prototype != nil {
		child = c.Prototype.BaseID
	}
	var flags []string
	if c.Promotable {
		flags = append(flags, "promotable")
	}
	if c.GloballyUnique {
		flags = append(flags, "unique")
	}
	if !c.Managed {
		flags = append(flags, "unmanaged")
	}
	if disabled(c) {
		flags = append(flags, "disabled")
	}
	head := "Clone Set: " + c.ID + " [" + child + "]"
	if len(flags) > 0 {
		head += " (" + strings.Join(flags, ", ") + ")"
	}
	p.item(depth, head+":")

	if c.GloballyUnique {
		for _, inst := range c.Children {
			if inst.Orphan && !activeOrPending(inst) {
				continue
			}
			if inst.Kind == cluster.Group {
				p.group(depth+1, inst, inst.ID, false)
			} else {
				p.rscItem(depth+1, inst, p.primitiveText(inst, inst.ID))
			}
		}
		return
	}

	var promoted, started []string
	active := map[*cluster.Node]bool{}
	for _, inst := range c.Children {
		for _, x := range inst.Primitives() {
			for _, n := range x.RunningOn {
				// Cleanly offline nodes still count as stopped.
				if n.Online || n.Unclean {
					active[n] = true
				}
			}
		}
		if !inst.Active() || onLostGuestOnly(inst) {
			continue
		}
		if n, role, ok := instanceSummary(inst); ok {
			if role > cluster.RoleUnpromoted {
				promoted = append(promoted, n.Name)
			} else {
				started = append(started, n.Name)
			}
			continue
		}
		if inst.Kind == cluster.Group {
			p.group(depth+1, inst, inst.ID, true)
		} else {
			p.rscItem(depth+1, inst, p.primitiveText(inst, inst.BaseID))
		}
	}
	collapsed := len(promoted) + len(started)
	if len(promoted) > 0 {
		sortNames(promoted)
		p.item(depth+1, "Promoted: "+nameList(promoted))
	}
	if len(started) > 0 {
		sortNames(started)
		label := "Started: "
		if c.Promotable {
			label = "Unpromoted: "
		}
		p.item(depth+1, label+nameList(started))
	}
	if !p.o.Inactive || collapsed >= c.CloneMax {
		return
	}
	byState := map[string][]string{}
	var states []string
	for _, n := range p.allowedNodes(c) {
		if active[n] {
			continue
		}
		state := "Stopped"
		if disabled(c) {
			state = "Stopped (disabled)"
		}
		if probeMissing(c, n) {
			state = "Stopped (not installed)"
		}
		if _, ok := byState[state]; !ok {
			states = append(states, state)
		}
		byState[state] = append(byState[state], n.Name)
	}
	sort.SliceStable(states, func(i, j int) bool { return stateRank(states[i]) < stateRank(states[j]) })
	for _, s := range states {
		p.item(depth+1, s+": "+nameList(byState[s]))
	}
}

// onLostGuestOnly reports whether an instance is active only on guest
// nodes that are being recovered; crm_mon does not list such instances.
func onLostGuestOnly(inst *cluster.Resource) bool {
	for _, x := range inst.Primitives() {
		for _, n := range x.RunningOn {
			if !(n.Type == cluster.NodeGuest && n.Unclean && !n.Online) {
				return false
			}
		}
	}
	return true
}

func stateRank(s string) int {
	switch s {
	case "Stopped":
		return 0
	case "Stopped (disabled)":
		return 1
	}
	return 2
}

// probeMissing reports whether a probe on n found the clone's agent missing.
func probeMissing(c *cluster.Resource, n *cluster.Node) bool {
	for _, inst := range c.Children {
		for _, x := range inst.Primitives() {
			if st := x.StatusOn(n.Name); st != nil && st.NotInstalled {
				return true
			}
		}
	}
	return false
}

// allowedNodes approximates the nodes a clone could run on at unpack time:
// every node in a symmetric cluster (bundle guests excluded), or the nodes
// where history was found in an asymmetric one.
func (p *printer) allowedNodes(c *cluster.Resource) []*cluster.Node {
	var out []*cluster.Node
	if p.c.Properties.SymmetricCluster() {
		for _, n := range sortedNodes(p.c) {
			if isBundleNode(n) || n.Type == cluster.NodePing || (n.Type == cluster.NodeGuest && n.Unclean) {
				continue
			}
			out = append(out, n)
		}
		return out
	}
	seen := map[*cluster.Node]bool{}
	for _, inst := range c.Children {
		for _, x := range inst.Primitives() {
			for _, st := range x.StatusOrder {
				seen[st.Node] = true
			}
		}
	}
	for _, n := range sortedNodes(p.c) {
		if seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// bundle prints a bundle's replicas.
func (p *printer) bundle(depth int, r *cluster.Resource) {
	b := r.Bundle
	head := "Container bundle"
	if b != nil && b.Replicas > 1 {
		head += " set"
	}
	image := ""
	if b != nil {
		image = b.Image
	}
	head += ": " + r.ID + " [" + image + "]"
	var flags []string
	if !r.Managed {
		flags = append(flags, "unmanaged")
	}
	if disabled(r) {
		flags = append(flags, "disabled")
	}
	if len(flags) > 0 {
		head += " (" + strings.Join(flags, ", ") + ")"
	}
	p.item(depth, head+":")
	if b == nil {
		return
	}
	for _, rep := range b.Replica {
		p.bundleReplica(depth+1, r, rep)
	}
}

func (p *printer) bundleReplica(depth int, r *cluster.Resource, rep *cluster.BundleReplica) {
	if rep.Child == nil && rep.Container != nil {
		if !p.o.Inactive && !activeOrPending(rep.Container) {
			return
		}
		p.rscItem(depth, rep.Container, p.primitiveText(rep.Container, rep.Container.ID))
		return
	}
	if rep.Child == nil {
		return
	}
	name := r.ID + "-" + fmt.Sprint(rep.Num)
	if rep.IPAddr != "" {
		name += " (" + rep.IPAddr + ")"
	}
	if !p.o.Inactive && !activeOrPending(rep.Child) && !activeOrPending(rep.Container) {
		return
	}
	var nodes []*cluster.Node
	if len(rep.Container.RunningOn) > 0 {
		nodes = rep.Container.RunningOn[:1]
	}
	p.rscItem(depth, rep.Child, p.primitiveTextOn(rep.Child, name, nodes))
}
