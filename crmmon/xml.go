package crmmon

import (
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
)

// APIVersion is the crm_mon XML API version Pacemaker 2.1.5 reports.
const APIVersion = "2.25"

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func newResult(request string) (*etree.Document, *etree.Element) {
	doc := etree.NewDocument()
	root := doc.CreateElement("pacemaker-result")
	root.CreateAttr("api-version", APIVersion)
	root.CreateAttr("request", request)
	return doc, root
}

func writeDoc(w io.Writer, doc *etree.Document) error {
	return WriteXML(w, doc)
}

// WriteXML writes doc indented and escaped as Pacemaker's tools write XML
// (libxml2: text escapes only &, < and >; attribute values keep apostrophes).
func WriteXML(w io.Writer, doc *etree.Document) error {
	doc.WriteSettings.CanonicalText = true
	doc.Indent(2)
	var b strings.Builder
	if _, err := doc.WriteTo(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, strings.ReplaceAll(b.String(), "&apos;", "'"))
	return err
}

// RenderXMLError writes a pacemaker-result carrying only an error.
func RenderXMLError(w io.Writer, request string, cause error) error {
	doc, root := newResult(request)
	st := root.CreateElement("status")
	st.CreateAttr("code", "0")
	st.CreateAttr("message", "OK")
	st.CreateElement("errors").CreateElement("error").SetText(cause.Error())
	return writeDoc(w, doc)
}

// RenderXML writes crm_mon --output-as=xml.
//
// XML output always carries every section, as crm_mon's does, so opts only
// matter for future filtering.
func RenderXML(w io.Writer, c *cluster.Cluster, h Header, opts Options) error {
	_ = opts
	doc, root := newResult(h.Request)
	sum := root.CreateElement("summary")
	stack := h.Stack
	if stack == "" {
		stack = c.Properties.ClusterInfrastructure()
		if stack == "" {
			stack = "unknown"
		}
	}
	sum.CreateElement("stack").CreateAttr("type", stack)
	dc := sum.CreateElement("current_dc")
	if c.DC != nil {
		dc.CreateAttr("present", "true")
		// Empty when the CIB does not record it (the text says "unknown").
		dc.CreateAttr("version", c.Properties.DCVersion())
		dc.CreateAttr("name", c.DC.Name)
		dc.CreateAttr("id", c.DC.ID)
		dc.CreateAttr("with_quorum", boolStr(c.HaveQuorum))
		dc.CreateAttr("mixed_version", "false")
	} else {
		dc.CreateAttr("present", "false")
	}
	sum.CreateElement("last_update").CreateAttr("time", ctime(h.Now))
	lc := sum.CreateElement("last_change")
	lc.CreateAttr("time", c.LastWritten)
	lc.CreateAttr("user", c.UpdateUser)
	lc.CreateAttr("client", c.UpdateClient)
	lc.CreateAttr("origin", c.UpdateOrigin)
	cnt := CountResources(c)
	sum.CreateElement("nodes_configured").CreateAttr("number", strconv.Itoa(cnt.Nodes))
	rc := sum.CreateElement("resources_configured")
	rc.CreateAttr("number", strconv.Itoa(cnt.Instances))
	rc.CreateAttr("disabled", strconv.Itoa(cnt.Disabled))
	rc.CreateAttr("blocked", strconv.Itoa(cnt.Blocked))
	co := sum.CreateElement("cluster_options")
	p := c.Properties
	co.CreateAttr("stonith-enabled", boolStr(p.StonithEnabled()))
	co.CreateAttr("symmetric-cluster", boolStr(p.SymmetricCluster()))
	co.CreateAttr("no-quorum-policy", p.NoQuorumPolicy())
	co.CreateAttr("maintenance-mode", boolStr(p.MaintenanceMode()))
	co.CreateAttr("stop-all-resources", boolStr(p.StopAllResources()))
	co.CreateAttr("stonith-timeout-ms", strconv.FormatInt(p.StonithTimeout().Milliseconds(), 10))
	co.CreateAttr("priority-fencing-delay-ms", strconv.FormatInt(p.Duration("priority-fencing-delay", 0).Milliseconds(), 10))

	nodes := root.CreateElement("nodes")
	for _, n := range sortedNodes(c) {
		e := nodes.CreateElement("node")
		e.CreateAttr("name", n.Name)
		e.CreateAttr("id", n.ID)
		// A node still joining (pending) counts as online and in standby.
		online := n.Online || n.Pending
		e.CreateAttr("online", boolStr(online))
		e.CreateAttr("standby", boolStr(n.Standby || n.Pending))
		e.CreateAttr("standby_onfail", boolStr(n.StandbyOnFail))
		e.CreateAttr("maintenance", boolStr(n.Maintenance))
		e.CreateAttr("pending", boolStr(n.Pending))
		// A guest is only found unclean by the scheduler, not when crm_mon
		// reads the status.
		e.CreateAttr("unclean", boolStr(n.Unclean && n.Type != cluster.NodeGuest))
		health := "green"
		switch healthState(c, n) {
		case "RED":
			health = "red"
		case "YELLOW":
			health = "yellow"
		}
		e.CreateAttr("health", health)
		if n.Type == cluster.NodeMember && online {
			fs := n.Attrs["#feature-set"]
			if fs == "" {
				fs = "<3.15.1"
			}
			e.CreateAttr("feature_set", fs)
		}
		e.CreateAttr("shutdown", boolStr(n.Shutdown))
		// A node shutting down is no longer expected up.
		e.CreateAttr("expected_up", boolStr(n.ExpectedUp && !n.Shutdown))
		e.CreateAttr("is_dc", boolStr(c.DC == n))
		e.CreateAttr("resources_running", strconv.Itoa(len(n.RunningRsc)))
		t := string(n.Type)
		if n.Type == cluster.NodeGuest {
			t = "remote"
		}
		e.CreateAttr("type", t)
		if n.Type == cluster.NodeGuest && n.Container != nil {
			e.CreateAttr("id_as_resource", n.Container.ID)
		}
	}

	XMLResources(root.CreateElement("resources"), c)

	// Sections and nodes with nothing to list are left out, as crm_mon does.
	na := etree.NewElement("node_attributes")
	for _, n := range sortedNodes(c) {
		if !n.Online || len(visibleAttrNames(n)) == 0 {
			continue
		}
		ne := na.CreateElement("node")
		ne.CreateAttr("name", n.Name)
		for _, k := range visibleAttrNames(n) {
			a := ne.CreateElement("attribute")
			a.CreateAttr("name", k)
			a.CreateAttr("value", n.Attrs[k])
			if exp, ok := pingExpected(n, k); ok {
				a.CreateAttr("expected", strconv.Itoa(exp))
			}
		}
	}

	if len(na.ChildElements()) > 0 {
		root.AddChild(na)
	}

	nh := etree.NewElement("node_history")
	for _, n := range historyNodes(c) {
		if !n.Online {
			continue
		}
		ne := etree.NewElement("node")
		ne.CreateAttr("name", n.Name)
		for _, hst := range nodeHistory(c, n) {
			var ops []*cluster.OpRecord
			for _, op := range hst.ops {
				if !(op.IsProbe() && op.RC == cluster.RCNotRunning) && op.Operation != "notify" {
					ops = append(ops, op)
				}
			}
			if len(ops) == 0 {
				continue
			}
			re := ne.CreateElement("resource_history")
			re.CreateAttr("id", hst.name)
			re.CreateAttr("orphan", boolStr(hst.st.Rsc.Orphan && hst.st.Rsc.Parent == nil))
			re.CreateAttr("migration-threshold", strconv.Itoa(hst.st.Rsc.MigrationThreshold))
			if hst.st.FailCount > 0 {
				re.CreateAttr("fail-count", cluster.ScoreString(hst.st.FailCount))
				if hst.st.LastFailure > 0 {
					re.CreateAttr("last-failure", epochTime(hst.st.LastFailure))
				}
			}
			for _, op := range ops {
				oe := re.CreateElement("operation_history")
				oe.CreateAttr("call", strconv.Itoa(op.CallID))
				task := op.Operation
				if op.IsProbe() {
					task = "probe"
				}
				oe.CreateAttr("task", task)
				oe.CreateAttr("rc", strconv.Itoa(op.RC))
				oe.CreateAttr("rc_text", RCText(op.RC))
				if op.IntervalMS > 0 {
					oe.CreateAttr("interval", strconv.FormatInt(op.IntervalMS, 10)+"ms")
				}
				if op.LastRCChange > 0 {
					oe.CreateAttr("last-rc-change", epochTime(op.LastRCChange))
				}
				if op.Element.SelectAttr("exec-time") != nil {
					oe.CreateAttr("exec-time", strconv.FormatInt(op.ExecTime(), 10)+"ms")
				}
				if op.Element.SelectAttr("queue-time") != nil {
					oe.CreateAttr("queue-time", strconv.FormatInt(op.QueueTime(), 10)+"ms")
				}
			}
		}
		if len(ne.ChildElements()) > 0 {
			nh.AddChild(ne)
		}
	}
	// The section is there, even empty, unless no node is online.
	for _, n := range c.Nodes {
		if n.Online {
			root.AddChild(nh)
			break
		}
	}

	if fa := FailedActions(c); len(fa) > 0 {
		fe := root.CreateElement("failures")
		for _, f := range fa {
			e := fe.CreateElement("failure")
			// Named by its operation key when the history has one.
			if k := f.Op.Key(); k != "" {
				e.CreateAttr("op_key", k)
			} else {
				e.CreateAttr("id", f.Op.ID)
			}
			e.CreateAttr("node", f.Node.Name)
			e.CreateAttr("exitstatus", RCText(f.Op.RC))
			// "none" only when the history has no exit-reason at all.
			reason := f.Op.ExitReason()
			if f.Op.Element == nil || f.Op.Element.SelectAttr("exit-reason") == nil {
				reason = "none"
			}
			e.CreateAttr("exitreason", reason)
			e.CreateAttr("exitcode", strconv.Itoa(f.Op.RC))
			e.CreateAttr("call", strconv.Itoa(f.Op.CallID))
			status := "complete"
			if f.Op.Status != cluster.OpStatusDone {
				status = StatusText(f.Op.Status)
			}
			e.CreateAttr("status", status)
			// The timing details come with a last-rc-change only.
			if f.Op.LastRCChange > 0 {
				e.CreateAttr("last-rc-change", time.Unix(f.Op.LastRCChange, 0).UTC().Format("2006-01-02 15:04:05Z"))
				e.CreateAttr("queued", strconv.FormatInt(f.Op.QueueTime(), 10))
				e.CreateAttr("exec", strconv.FormatInt(f.Op.ExecTime(), 10))
				e.CreateAttr("interval", strconv.FormatInt(f.Op.IntervalMS, 10))
				e.CreateAttr("task", f.Op.Operation)
			}
		}
	}
	if ts := Tickets(c); len(ts) > 0 {
		te := root.CreateElement("tickets")
		for _, t := range ts {
			e := te.CreateElement("ticket")
			e.CreateAttr("id", t.ID)
			e.CreateAttr("status", map[bool]string{true: "granted", false: "revoked"}[t.Granted])
			e.CreateAttr("standby", boolStr(t.Standby))
			if t.LastGranted > 0 {
				e.CreateAttr("last-granted", epochTime(t.LastGranted))
			}
		}
	}
	if bans := Bans(c, h.Now); len(bans) > 0 {
		be := root.CreateElement("bans")
		for _, b := range bans {
			e := be.CreateElement("ban")
			e.CreateAttr("id", b.ID)
			e.CreateAttr("resource", b.Resource)
			e.CreateAttr("node", b.Node)
			e.CreateAttr("weight", strconv.Itoa(b.Weight))
			e.CreateAttr("promoted-only", boolStr(b.PromotedOnly))
			// Pacemaker keeps the deprecated name beside the new one.
			e.CreateAttr("master_only", boolStr(b.PromotedOnly))
		}
	}
	st := root.CreateElement("status")
	st.CreateAttr("code", "0")
	st.CreateAttr("message", "OK")
	return writeDoc(w, doc)
}

// pingExpected is the value a ping resource running on n gives its
// attribute when every host answers (multiplier times the hosts in
// host_list); crm_mon shows it for the attribute of a ping or pingd
// resource active on the node.
func pingExpected(n *cluster.Node, attr string) (int, bool) {
	for _, r := range n.RunningRsc {
		if r.Type != "ping" && r.Type != "pingd" {
			continue
		}
		name := r.Params["name"]
		if name == "" {
			name = "pingd"
		}
		if name != attr {
			continue
		}
		return cluster.ParseInt(r.Params["multiplier"], 1) * len(strings.Fields(r.Params["host_list"])), true
	}
	return 0, false
}

// cloneTargetRole is a clone's target-role as crm_mon shows it: its own, or
// else its child's (Pacemaker's clones take it from the child).
func cloneTargetRole(r *cluster.Resource) (string, bool) {
	if v, ok := r.Meta["target-role"]; ok {
		return v, true
	}
	if p := r.Prototype; p != nil {
		if v, ok := p.Meta["target-role"]; ok {
			return v, true
		}
	}
	return "", false
}

// XMLResources adds crm_mon's XML for every listed top-level resource to
// parent (crm_resource --list --output-as=xml uses the same).
func XMLResources(parent *etree.Element, c *cluster.Cluster) {
	for _, r := range c.Resources {
		if r.Implicit || (r.Orphan && !activeOrPending(r)) {
			continue
		}
		xmlResource(parent, r)
	}
}

// visibleAttrNames lists a node's displayable attributes, sorted.
func visibleAttrNames(n *cluster.Node) []string {
	var names []string
	for k := range n.Attrs {
		if !hiddenAttr(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

func xmlPrimitive(parent *etree.Element, r *cluster.Resource, name string) {
	e := parent.CreateElement("resource")
	e.CreateAttr("id", name)
	e.CreateAttr("resource_agent", classSpec(r))
	role := r.Role.String()
	if len(r.RunningOn) == 0 {
		role = cluster.RoleStopped.String()
	}
	if r.PendingNode != nil && pendingText(r.PendingTask) != "" {
		// A pending start, stop, promotion... is the role crm_mon shows.
		role = pendingText(r.PendingTask)
	}
	e.CreateAttr("role", role)
	if v, ok := r.Meta["target-role"]; ok {
		// As configured: crm_mon echoes the meta attribute's spelling.
		e.CreateAttr("target_role", v)
	} else if r.TargetRoleSet {
		e.CreateAttr("target_role", r.TargetRole.String())
	}
	e.CreateAttr("active", boolStr(len(r.RunningOn) > 0))
	e.CreateAttr("orphaned", boolStr(r.Orphan))
	e.CreateAttr("blocked", boolStr(r.Blocked))
	e.CreateAttr("managed", boolStr(r.Managed))
	e.CreateAttr("failed", boolStr(r.Failed))
	e.CreateAttr("failure_ignored", boolStr(r.FailureIgnored))
	e.CreateAttr("nodes_running_on", strconv.Itoa(len(r.RunningOn)))
	if r.PendingNode != nil && pendingText(r.PendingTask) == "" {
		if f := pendingFlag(r.PendingTask); f != "" {
			e.CreateAttr("pending", f)
		} else {
			e.CreateAttr("pending", r.PendingTask)
		}
	}
	for _, n := range r.RunningOn {
		ne := e.CreateElement("node")
		ne.CreateAttr("name", n.Name)
		ne.CreateAttr("id", n.ID)
		// Pacemaker marks the nodes it does not see online as not cached.
		ne.CreateAttr("cached", boolStr(n.Online))
	}
}

func xmlResource(parent *etree.Element, r *cluster.Resource) {
	switch r.Kind {
	case cluster.Primitive:
		name := r.ID
		if r.InstanceNum >= 0 && !r.Top().GloballyUnique {
			name = r.BaseID
		}
		xmlPrimitive(parent, r, name)
	case cluster.Group:
		e := parent.CreateElement("group")
		e.CreateAttr("id", r.ID)
		e.CreateAttr("number_resources", strconv.Itoa(len(r.Children)))
		e.CreateAttr("managed", boolStr(r.Managed))
		e.CreateAttr("disabled", boolStr(disabled(r)))
		for _, ch := range r.Children {
			xmlResource(e, ch)
		}
	case cluster.Clone:
		e := parent.CreateElement("clone")
		e.CreateAttr("id", r.ID)
		e.CreateAttr("multi_state", boolStr(r.Promotable))
		e.CreateAttr("unique", boolStr(r.GloballyUnique))
		e.CreateAttr("managed", boolStr(r.Managed))
		e.CreateAttr("disabled", boolStr(disabled(r)))
		// Failures belong to the instances, not to the clone itself.
		e.CreateAttr("failed", "false")
		e.CreateAttr("failure_ignored", "false")
		if v, ok := cloneTargetRole(r); ok {
			e.CreateAttr("target_role", v)
		}
		for _, ch := range r.Children {
			xmlResource(e, ch)
		}
	case cluster.Bundle:
		e := parent.CreateElement("bundle")
		e.CreateAttr("id", r.ID)
		if r.Bundle != nil {
			e.CreateAttr("type", r.Bundle.ContainerType)
			e.CreateAttr("image", r.Bundle.Image)
		}
		e.CreateAttr("unique", "false")
		e.CreateAttr("managed", boolStr(r.Managed))
		e.CreateAttr("failed", boolStr(r.Failed))
		if r.Bundle == nil {
			return
		}
		for _, rep := range r.Bundle.Replica {
			re := e.CreateElement("replica")
			re.CreateAttr("id", strconv.Itoa(rep.Num))
			for _, x := range []*cluster.Resource{rep.IP, rep.Child, rep.Container, rep.Remote} {
				if x == nil {
					continue
				}
				name := x.ID
				if x == rep.Child {
					name = x.BaseID
				}
				xmlPrimitive(re, x, name)
			}
		}
	}
}
