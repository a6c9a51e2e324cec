package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/crmexit"
)

// injectEvents applies the synthetic events given on the command line to the CIB
// before scheduling, as crm_simulate does.
func injectEvents(o *options, root *etree.Element, now time.Time) error {
	status := root.SelectElement("status")
	if status == nil {
		status = root.CreateElement("status")
	}
	if o.quorum != "" {
		v := "0"
		if o.quorum == "1" || strings.EqualFold(o.quorum, "true") {
			v = "1"
		}
		root.CreateAttr("have-quorum", v)
	}
	for _, n := range o.nodeUp {
		ns := findNodeState(root, status, n)
		setAttrs(ns, "in_ccm", "true", "crmd", "online", "join", "member", "expected", "member")
	}
	for _, n := range o.nodeDown {
		ns := findNodeState(root, status, n)
		setAttrs(ns, "in_ccm", "false", "crmd", "offline", "join", "down", "expected", "down")
	}
	for _, n := range o.nodeFail {
		ns := findNodeState(root, status, n)
		setAttrs(ns, "in_ccm", "false", "crmd", "online", "join", "member", "expected", "member")
	}
	for _, spec := range o.opInject {
		if err := injectOp(root, status, spec, now); err != nil {
			return err
		}
	}
	for _, t := range o.tktGrant {
		setTicket(status, t, "granted", "true")
	}
	for _, t := range o.tktRevoke {
		setTicket(status, t, "granted", "false")
	}
	for _, t := range o.tktStandby {
		setTicket(status, t, "standby", "true")
	}
	for _, t := range o.tktAct {
		setTicket(status, t, "standby", "false")
	}
	return nil
}

func setAttrs(e *etree.Element, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		e.CreateAttr(kv[i], kv[i+1])
	}
}

func findNodeState(root, status *etree.Element, name string) *etree.Element {
	for _, ns := range status.SelectElements("node_state") {
		if ns.SelectAttrValue("uname", "") == name {
			return ns
		}
	}
	id := name
	if nodes := root.FindElement("configuration/nodes"); nodes != nil {
		for _, n := range nodes.SelectElements("node") {
			if n.SelectAttrValue("uname", "") == name {
				id = n.SelectAttrValue("id", name)
			}
		}
	}
	ns := status.CreateElement("node_state")
	setAttrs(ns, "id", id, "uname", name)
	return ns
}

func setTicket(status *etree.Element, name, attr, val string) {
	tickets := status.SelectElement("tickets")
	if tickets == nil {
		tickets = status.CreateElement("tickets")
	}
	var t *etree.Element
	for _, e := range tickets.SelectElements("ticket_state") {
		if e.SelectAttrValue("id", "") == name {
			t = e
		}
	}
	if t == nil {
		t = tickets.CreateElement("ticket_state")
		t.CreateAttr("id", name)
	}
	t.CreateAttr(attr, val)
}

// injectOp records an operation result given as RSC_TASK_INTERVALMS@NODE=RC.
func injectOp(root, status *etree.Element, spec string, now time.Time) error {
	bad := crmexit.New(crmexit.InvalidParam, "Invalid operation spec: %s.  Only found 0 fields", spec)
	key, rest, ok := strings.Cut(spec, "@")
	if !ok {
		return bad
	}
	nodeName, rcs, ok := strings.Cut(rest, "=")
	if !ok {
		return bad
	}
	rc, err := strconv.Atoi(rcs)
	if err != nil {
		return bad
	}
	i := strings.LastIndex(key, "_")
	if i < 0 {
		return bad
	}
	interval := key[i+1:]
	j := strings.LastIndex(key[:i], "_")
	if j < 0 {
		return bad
	}
	rscID, task := key[:j], key[j+1:i]
	var prim *etree.Element
	base := rscID
	if k := strings.LastIndex(base, ":"); k >= 0 {
		base = base[:k]
	}
	for _, p := range root.FindElements("configuration/resources//primitive") {
		if p.SelectAttrValue("id", "") == base {
			prim = p
		}
	}
	if prim == nil {
		return crmexit.New(crmexit.NoSuch, "Resource %s not found", rscID)
	}
	ns := findNodeState(root, status, nodeName)
	lrm := ns.SelectElement("lrm")
	if lrm == nil {
		lrm = ns.CreateElement("lrm")
		lrm.CreateAttr("id", ns.SelectAttrValue("id", nodeName))
	}
	lrs := lrm.SelectElement("lrm_resources")
	if lrs == nil {
		lrs = lrm.CreateElement("lrm_resources")
	}
	var lr *etree.Element
	for _, e := range lrs.SelectElements("lrm_resource") {
		if e.SelectAttrValue("id", "") == rscID {
			lr = e
		}
	}
	if lr == nil {
		lr = lrs.CreateElement("lrm_resource")
		setAttrs(lr, "id", rscID, "class", prim.SelectAttrValue("class", ""), "type", prim.SelectAttrValue("type", ""))
		if p := prim.SelectAttrValue("provider", ""); p != "" {
			lr.CreateAttr("provider", p)
		}
	}
	maxCall := 0
	for _, op := range lr.SelectElements("lrm_rsc_op") {
		if c, err := strconv.Atoi(op.SelectAttrValue("call-id", "0")); err == nil && c > maxCall {
			maxCall = c
		}
	}
	op := lr.CreateElement("lrm_rsc_op")
	id := key
	if rc != 0 && rc != 7 {
		id = rscID + "_last_failure_0"
	}
	tk := "0:0:0:00000000-0000-0000-0000-000000000000"
	setAttrs(op, "id", id, "operation_key", key, "operation", task, "crm-debug-origin", "crm_simulate",
		"transition-key", tk, "transition-magic", fmt.Sprintf("0:%d;%s", rc, tk),
		"call-id", strconv.Itoa(maxCall+1), "rc-code", strconv.Itoa(rc), "op-status", "0",
		"interval", interval, "last-rc-change", strconv.FormatInt(now.Unix(), 10), "on_node", nodeName)
	return nil
}
