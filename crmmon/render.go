package crmmon

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
)

// Header carries what the summary needs beyond the CIB.
type Header struct {
	// Stack names the cluster layer ("corosync", "pacer", "unknown").
	Stack string
	// Now is printed as "Last updated".
	Now time.Time
	// Request is the command line echoed in XML output.
	Request string
}

// ctime formats a time like C's ctime() without the newline.
func ctime(t time.Time) string {
	return t.Format("Mon Jan _2 15:04:05 2006")
}

func epochTime(sec int64) string {
	return ctime(time.Unix(sec, 0).Local())
}

// Counts are the resource figures of the summary.
type Counts struct {
	Nodes, Instances, Disabled, Blocked int
}

// CountResources counts primitive instances as crm_mon does.
func CountResources(c *cluster.Cluster) Counts {
	n := Counts{Nodes: len(c.Nodes)}
	var walk func(r *cluster.Resource)
	walk = func(r *cluster.Resource) {
		if r.Kind == cluster.Primitive {
			if r.Orphan && len(r.RunningOn) == 0 {
				return
			}
			n.Instances++
			if disabled(r) {
				n.Disabled++
			}
			if r.Blocked {
				n.Blocked++
			}
			return
		}
		for _, ch := range r.Children {
			walk(ch)
		}
	}
	for _, r := range c.Resources {
		walk(r)
	}
	return n
}

// dcLine renders the "Current DC" value.
func dcLine(c *cluster.Cluster) string {
	if c.DC == nil {
		return "NONE"
	}
	v := c.Properties.DCVersion()
	if v == "" {
		v = "unknown"
	}
	q := "partition with quorum"
	if !c.HaveQuorum {
		q = "partition WITHOUT quorum"
	}
	return fmt.Sprintf("%s (version %s) - %s", c.DC.Name, v, q)
}

func lastChange(c *cluster.Cluster) string {
	s := c.LastWritten
	if c.UpdateUser != "" {
		s += " by " + c.UpdateUser
	}
	if c.UpdateClient != "" {
		s += " via " + c.UpdateClient
	}
	if c.UpdateOrigin != "" {
		s += " on " + c.UpdateOrigin
	}
	return s
}

// plural picks Pacemaker's singular or plural wording.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Render writes crm_mon's one-shot text output.
func Render(w io.Writer, c *cluster.Cluster, h Header, opts Options) error {
	p := newPrinter(w, c, opts)
	if !opts.HideHeaders {
		p.summary(h)
	}
	p.body()
	return p.w.Flush()
}

// summary prints the "Cluster Summary:" block.
func (p *printer) summary(h Header) {
	c := p.c
	p.w.WriteString("Cluster Summary:\n")
	stack := h.Stack
	if stack == "" {
		stack = c.Properties.ClusterInfrastructure()
		if stack == "" {
			stack = "unknown"
		}
	}
	p.item(1, "Stack: "+stack)
	p.item(1, "Current DC: "+dcLine(c))
	p.item(1, "Last updated: "+ctime(h.Now))
	p.item(1, "Last change:  "+lastChange(c))
	cnt := CountResources(c)
	p.item(1, plural(cnt.Nodes, "node configured", "nodes configured"))
	res := plural(cnt.Instances, "resource instance configured", "resource instances configured")
	var extra []string
	if cnt.Disabled > 0 {
		extra = append(extra, fmt.Sprintf("%d DISABLED", cnt.Disabled))
	}
	if cnt.Blocked > 0 {
		extra = append(extra, fmt.Sprintf("%d BLOCKED from further action due to failure", cnt.Blocked))
	}
	if len(extra) > 0 {
		res += " (" + strings.Join(extra, ", ") + ")"
	}
	p.item(1, res)
	if c.Properties.MaintenanceMode() {
		p.blank()
		p.w.WriteString("              *** Resource management is DISABLED ***\n")
		p.w.WriteString("  The cluster will not attempt to start, stop or recover services\n")
	} else if c.Properties.StopAllResources() {
		p.blank()
		p.w.WriteString("              *** Resource management is DISABLED ***\n")
		p.w.WriteString("  The cluster will keep all resources stopped\n")
	}
	p.blank()
}

func (p *printer) body() {
	if p.o.GroupByNode {
		p.nodesWithResources()
	} else {
		p.nodeListTop()
		p.blank()
		if p.o.Inactive {
			p.w.WriteString("Full List of Resources:\n")
		} else {
			p.w.WriteString("Active Resources:\n")
		}
		p.resources(1)
	}
	if p.o.Attributes {
		p.nodeAttributes()
	}
	if p.o.Operations {
		p.operations()
	} else if p.o.FailCounts {
		p.migrationSummary()
	}
	if !p.o.NoFailures {
		p.failedActions()
	}
}

// nodeListTop prints the node list at top level ("Node List:").
func (p *printer) nodeListTop() {
	var buf strings.Builder
	sub := newPrinter(&buf, p.c, p.o)
	sub.nodeList(0)
	if err := sub.w.Flush(); err != nil {
		return
	}
	// nodeList(0) prints "* Node List:"; crm_mon prints it bare.
	p.w.WriteString(strings.Replace(buf.String(), "* Node List:", "Node List:", 1))
}

// nodesWithResources implements -n: each node followed by its resources.
func (p *printer) nodesWithResources() {
	p.w.WriteString("Node List:\n")
	for _, n := range sortedNodes(p.c) {
		state := p.nodeState(n)
		if state == "" {
			state = "online"
			if !n.Online {
				state = "OFFLINE"
			}
		}
		prefix := "Node"
		if n.IsRemote() {
			prefix = "RemoteNode"
			if n.Type == cluster.NodeGuest {
				prefix = "GuestNode"
			}
		}
		p.item(1, fmt.Sprintf("%s %s: %s:", prefix, n.Name, state))
		var rs []*cluster.Resource
		for _, r := range n.RunningRsc {
			// Connections of guests (bundle replicas or remote-node
			// primitives) are not listed.
			if r.Implicit && r.Type == "remote" && r.Provider == "pacemaker" {
				continue
			}
			rs = append(rs, r)
		}
		p.item(2, "Resources:")
		for _, r := range rs {
			name := r.ID
			if r.InstanceNum >= 0 && !r.Top().GloballyUnique {
				name = r.BaseID
			}
			p.item(3, p.primitiveTextOn(r, name, nil))
		}
	}
	if p.o.Inactive {
		p.blank()
		p.w.WriteString("Inactive Resources:\n")
		shown := 0
		for _, r := range p.c.Resources {
			if r.Implicit || r.Orphan || fullyActive(r) {
				continue
			}
			p.resource(1, r)
			shown++
		}
		if shown == 0 {
			p.item(1, "No inactive resources")
		}
	}
}

// fullyActive reports whether every part of r is active (crm_mon -n lists
// the others under "Inactive Resources").
func fullyActive(r *cluster.Resource) bool {
	switch r.Kind {
	case cluster.Primitive:
		return len(r.RunningOn) > 0 || r.PendingNode != nil
	case cluster.Bundle:
		if r.Bundle == nil {
			return false
		}
		for _, rep := range r.Bundle.Replica {
			if rep.Container == nil || !fullyActive(rep.Container) ||
				(rep.Child != nil && !fullyActive(rep.Child)) {
				return false
			}
		}
		return true
	}
	for _, ch := range r.Children {
		if ch.Orphan {
			continue
		}
		if !fullyActive(ch) {
			return false
		}
	}
	return len(r.Children) > 0
}

// hiddenAttr reports node attributes crm_mon does not list.
func hiddenAttr(name string) bool {
	return strings.HasPrefix(name, "#") || strings.HasPrefix(name, "fail-count-") ||
		strings.HasPrefix(name, "last-failure-") || name == "shutdown" || name == "terminate" ||
		name == "standby"
}

func (p *printer) nodeAttributes() {
	header := false
	for _, n := range sortedNodes(p.c) {
		if !n.Online {
			continue
		}
		names := visibleAttrNames(n)
		if len(names) == 0 {
			continue
		}
		if !header {
			p.blank()
			p.w.WriteString("Node Attributes:\n")
			header = true
		}
		p.item(1, "Node: "+n.Name+":")
		for _, k := range names {
			p.item(2, fmt.Sprintf("%-32s\t: %-10s", k, n.Attrs[k]))
		}
	}
}

// historyNodes returns nodes in status-section order.
func historyNodes(c *cluster.Cluster) []*cluster.Node {
	var out []*cluster.Node
	if c.StatusElement == nil {
		return out
	}
	for _, ns := range c.StatusElement.SelectElements("node_state") {
		for _, n := range c.Nodes {
			if n.StateElement == ns {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// histEntry is one lrm_resource on a node with its resolved state and its
// own operations (a resource's state may merge several entries).
type histEntry struct {
	st   *cluster.RscNodeState
	name string
	ops  []*cluster.OpRecord
}

// nodeHistory lists a node's history entries in XML order.
func nodeHistory(c *cluster.Cluster, n *cluster.Node) []histEntry {
	byElem := map[*etree.Element]*cluster.RscNodeState{}
	for _, r := range c.ByID {
		if st := r.StatusOn(n.Name); st != nil {
			for _, op := range st.History {
				if lr := op.Element.Parent(); lr != nil {
					byElem[lr] = st
				}
			}
			byElem[st.Element] = st
		}
	}
	var out []histEntry
	if n.StateElement == nil {
		return out
	}
	lrm := n.StateElement.SelectElement("lrm")
	if lrm == nil || lrm.SelectElement("lrm_resources") == nil {
		return out
	}
	for _, lr := range lrm.SelectElement("lrm_resources").SelectElements("lrm_resource") {
		st := byElem[lr]
		if st == nil {
			continue
		}
		name := st.Rsc.ID
		if st.Rsc.InstanceNum >= 0 && !st.Rsc.Top().GloballyUnique {
			name = st.Rsc.BaseID
		}
		var ops []*cluster.OpRecord
		for _, op := range st.History {
			if op.Element.Parent() == lr {
				ops = append(ops, op)
			}
		}
		out = append(out, histEntry{st: st, name: name, ops: ops})
	}
	return out
}

func thresholdText(r *cluster.Resource, st *cluster.RscNodeState) string {
	s := "migration-threshold=" + strconv.Itoa(r.MigrationThreshold)
	if st.FailCount > 0 {
		s += " fail-count=" + strconv.Itoa(st.FailCount)
		if st.LastFailure > 0 {
			s += " last-failure='" + epochTime(st.LastFailure) + "'"
		}
	}
	return s
}

func (p *printer) migrationSummary() {
	anyOnline := false
	for _, n := range p.c.Nodes {
		anyOnline = anyOnline || n.Online
	}
	if !anyOnline {
		return
	}
	p.blank()
	p.w.WriteString("Migration Summary:\n")
	for _, n := range historyNodes(p.c) {
		var lines []string
		for _, h := range nodeHistory(p.c, n) {
			if h.st.FailCount > 0 {
				lines = append(lines, h.st.HistoryID+": "+thresholdText(h.st.Rsc, h.st))
			}
		}
		if len(lines) == 0 {
			continue
		}
		p.item(1, "Node: "+n.Name+":")
		for _, l := range lines {
			p.item(2, l)
		}
	}
}

// RCText is the agent exit status wording crm_mon uses.
func RCText(rc int) string {
	switch rc {
	case 0:
		return "ok"
	case 1:
		return "error"
	case 2:
		return "invalid parameter"
	case 3:
		return "unimplemented feature"
	case 4:
		return "insufficient privileges"
	case 5:
		return "not installed"
	case 6:
		return "not configured"
	case 7:
		return "not running"
	case 8:
		return "promoted"
	case 9:
		return "promoted (failed)"
	case 190:
		return "degraded"
	case 191:
		return "promoted (degraded)"
	}
	return "unknown"
}

// StatusText is the execution status wording crm_mon uses.
func StatusText(s int) string {
	switch s {
	case cluster.OpStatusPending:
		return "Pending"
	case cluster.OpStatusDone:
		return "Done"
	case cluster.OpStatusCancelled:
		return "Cancelled"
	case cluster.OpStatusTimeout:
		return "Timed Out"
	case cluster.OpStatusNotSupported:
		return "NOT SUPPORTED"
	case cluster.OpStatusError:
		return "Error"
	case cluster.OpStatusErrorHard:
		return "Hard error"
	case cluster.OpStatusErrorFatal:
		return "Fatal error"
	case cluster.OpStatusNotInstalled:
		return "Not installed"
	case cluster.OpStatusNotConnected:
		return "Internal communication failure"
	case cluster.OpStatusInvalid:
		return "Cannot execute now"
	}
	return "Unknown"
}

func (p *printer) operations() {
	p.blank()
	p.w.WriteString("Operations:\n")
	for _, n := range historyNodes(p.c) {
		if !n.Online {
			continue
		}
		var lines []string
		for _, h := range nodeHistory(p.c, n) {
			var ops []*cluster.OpRecord
			for _, op := range h.ops {
				if (op.IsProbe() && op.RC == cluster.RCNotRunning) || op.Operation == "notify" {
					continue
				}
				ops = append(ops, op)
			}
			if len(ops) == 0 {
				continue
			}
			head := h.name + ": " + thresholdText(h.st.Rsc, h.st)
			if h.st.Rsc.Orphan && h.st.Rsc.Parent == nil {
				head = h.name + ": orphan"
			}
			lines = append(lines, "    * "+head+":")
			for _, op := range ops {
				var b strings.Builder
				task := op.Operation
				if op.IsProbe() {
					task = "probe"
				}
				fmt.Fprintf(&b, "(%d) %s", op.CallID, task)
				if op.IntervalMS > 0 || p.o.Timing {
					b.WriteByte(':')
				}
				if op.IntervalMS > 0 {
					fmt.Fprintf(&b, " interval=\"%dms\"", op.IntervalMS)
				}
				if p.o.Timing {
					if op.LastRCChange > 0 {
						fmt.Fprintf(&b, " last-rc-change=\"%s\"", epochTime(op.LastRCChange))
					}
					if op.Element.SelectAttr("exec-time") != nil {
						fmt.Fprintf(&b, " exec-time=\"%dms\"", op.ExecTime())
					}
					if op.Element.SelectAttr("queue-time") != nil {
						fmt.Fprintf(&b, " queue-time=\"%dms\"", op.QueueTime())
					}
					fmt.Fprintf(&b, " rc=%d (%s)", op.RC, RCText(op.RC))
				}
				lines = append(lines, "      * "+b.String())
			}
		}
		if len(lines) == 0 {
			continue
		}
		p.item(1, "Node: "+n.Name+":")
		for _, l := range lines {
			p.w.WriteString(l + "\n")
		}
	}
}

// IntervalText renders an interval the way Pacemaker's readable interval
// does: each unit is used only when the rest exceeds it, so 60000 is "60s"
// and 1000 is "1000ms".
func IntervalText(ms int64) string {
	const (
		sec  = 1000
		min  = 60 * sec
		hour = 60 * min
		day  = 24 * hour
	)
	var b strings.Builder
	for _, u := range []struct {
		size int64
		unit string
	}{{day, "d"}, {hour, "h"}, {min, "m"}, {sec, "s"}} {
		if ms > u.size {
			fmt.Fprintf(&b, "%d%s", ms/u.size, u.unit)
			ms %= u.size
		}
	}
	if ms > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dms", ms)
	}
	return b.String()
}

// execText renders an execution time: "657ms", "15.001s", "2m59.014s".
func execText(ms int64) string {
	switch {
	case ms >= 60000:
		return fmt.Sprintf("%dm%d.%03ds", ms/60000, (ms%60000)/1000, ms%1000)
	case ms >= 1000:
		return fmt.Sprintf("%d.%03ds", ms/1000, ms%1000)
	}
	return fmt.Sprintf("%dms", ms)
}

// opRscName is the resource named by an operation key "rsc_task_interval"
// (the key, or the op id when the key is missing).
func opRscName(op *cluster.OpRecord) string {
	key := op.Key()
	if key == "" {
		key = op.ID
	}
	i := strings.LastIndexByte(key, '_')
	if i <= 0 {
		return key
	}
	key = key[:i]
	for _, task := range []string{op.Operation, "migrate_to", "migrate_from", "monitor", "start", "stop"} {
		if task != "" && strings.HasSuffix(key, "_"+task) {
			return strings.TrimSuffix(key, "_"+task)
		}
	}
	if j := strings.LastIndexByte(key, '_'); j > 0 {
		return key[:j]
	}
	return key
}

// FailedActionText renders one "Failed Resource Actions" entry.
func FailedActionText(op *cluster.OpRecord, node string) string {
	var b strings.Builder
	b.WriteString(opRscName(op))
	b.WriteByte(' ')
	switch {
	case op.IsProbe():
		b.WriteString("probe")
	case op.IntervalMS > 0:
		b.WriteString(IntervalText(op.IntervalMS) + "-interval " + op.Operation)
	default:
		b.WriteString(op.Operation)
	}
	b.WriteString(" on " + node + " ")
	if op.Status == cluster.OpStatusDone {
		fmt.Fprintf(&b, "returned '%s'", RCText(op.RC))
	} else {
		fmt.Fprintf(&b, "could not be executed (%s)", StatusText(op.Status))
	}
	if op.ExitReason() != "" {
		b.WriteString(" (" + op.ExitReason() + ")")
	}
	if op.LastRCChange > 0 {
		b.WriteString(" at " + epochTime(op.LastRCChange))
		if op.ExecTime() > 0 {
			b.WriteString(" after " + execText(op.ExecTime()))
		}
	}
	return b.String()
}

// FailedActions lists failed operations that count, in status order.
func FailedActions(c *cluster.Cluster) []struct {
	Op   *cluster.OpRecord
	Node *cluster.Node
	St   *cluster.RscNodeState
} {
	var out []struct {
		Op   *cluster.OpRecord
		Node *cluster.Node
		St   *cluster.RscNodeState
	}
	for _, n := range historyNodes(c) {
		if !n.Online {
			// Failures on nodes that are not online are not listed.
			continue
		}
		// One entry per operation key and node, as Pacemaker records them:
		// entries without an operation_key all share the empty key, so
		// only the first of them is listed.
		seen := map[string]bool{}
		for _, h := range nodeHistory(c, n) {
			for _, op := range append(append([]*cluster.OpRecord(nil), h.st.Failures()...), h.st.IgnoredFailures()...) {
				key := op.Key()
				if seen[key] || (op.IsProbe() && op.RC == cluster.RCNotInstalled) {
					continue
				}
				seen[key] = true
				out = append(out, struct {
					Op   *cluster.OpRecord
					Node *cluster.Node
					St   *cluster.RscNodeState
				}{op, n, h.st})
			}
		}
	}
	return out
}

func (p *printer) failedActions() {
	fa := FailedActions(p.c)
	if len(fa) == 0 {
		return
	}
	p.blank()
	p.w.WriteString("Failed Resource Actions:\n")
	for _, f := range fa {
		p.item(1, FailedActionText(f.Op, f.Node.Name))
	}
}

// Nagios renders crm_mon -s's one-line check and its exit status (always
// success in Pacemaker 2.1.5, even for warnings).
func Nagios(c *cluster.Cluster) (string, crmexit.Code) {
	var offline []string
	online, standby, maint := 0, 0, 0
	for _, n := range sortedNodes(c) {
		if n.Type == cluster.NodePing {
			continue
		}
		switch {
		case n.Pending:
			// crm_mon -s counts a node still joining (pending) among the standby
			// nodes, not as offline: its one-liner is what monitoring parses.
			standby++
		case !n.Online:
			offline = append(offline, n.Name)
		case n.Standby:
			standby++
		case n.Maintenance:
			maint++
		default:
			online++
		}
	}
	cnt := CountResources(c)
	var warn []string
	if c.DC == nil {
		warn = append(warn, "No DC")
	}
	if len(offline) > 0 {
		parts := make([]string, len(offline))
		for i, n := range offline {
			parts[i] = "offline node: " + n
		}
		warn = append(warn, strings.Join(parts, " "))
	}
	if len(warn) > 0 {
		return "CLUSTER WARN: " + strings.Join(warn, ", "), crmexit.OK
	}
	s := "CLUSTER OK: " + plural(online, "node online", "nodes online")
	if standby > 0 {
		s += ", " + plural(standby, "standby node", "standby nodes")
	}
	if maint > 0 {
		s += ", " + plural(maint, "maintenance node", "maintenance nodes")
	}
	s += ", " + plural(cnt.Instances, "resource instance configured", "resource instances configured")
	return s, crmexit.OK
}

// EpochTime formats seconds since the epoch as crm_mon prints times (C's
// ctime in local time).
func EpochTime(sec int64) string { return epochTime(sec) }
