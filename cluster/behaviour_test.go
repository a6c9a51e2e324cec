package cluster

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// cib builds a small CIB: props are cluster properties, resources and
// status are inserted verbatim.
func cib(props map[string]string, nodes, resources, status string) string {
	var p strings.Builder
	for k, v := range props {
		fmt.Fprintf(&p, `<nvpair id="o-%s" name="%s" value="%s"/>`, k, k, v)
	}
	return `<cib epoch="1" num_updates="1" admin_epoch="0" have-quorum="1" dc-uuid="n1"><configuration>
<crm_config><cluster_property_set id="o">` + p.String() + `</cluster_property_set></crm_config>
<nodes>` + nodes + `</nodes><resources>` + resources + `</resources><constraints/></configuration>
<status>` + status + `</status></cib>`
}

const twoNodes = `<node id="n1" uname="node1"/><node id="n2" uname="node2"/>`

func nodeState(id, attrs, lrm string) string {
	return `<node_state id="` + id + `" uname="node` + id[1:] + `" ` + attrs + `><lrm id="` + id + `"><lrm_resources>` + lrm + `</lrm_resources></lrm></node_state>`
}

const up = `in_ccm="true" crmd="online" join="member" expected="member"`

func op(rsc, task string, call, rc, status int, interval int64, target int) string {
	return fmt.Sprintf(`<lrm_rsc_op id="%s_%s_%d" operation_key="%s_%s_%d" operation="%s" call-id="%d" rc-code="%d" op-status="%d" interval="%d" transition-key="1:1:%d:x" last-rc-change="1000"/>`,
		rsc, task, interval, rsc, task, interval, task, call, rc, status, interval, target)
}

func lrmRsc(id, ops string) string {
	return `<lrm_resource id="` + id + `" class="ocf" provider="pacemaker" type="Dummy">` + ops + `</lrm_resource>`
}

func mustUnpack(t *testing.T, xml string) *Cluster {
	t.Helper()
	c, err := UnpackBytes([]byte(xml), time.Unix(5000, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const dummyA = `<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>`

func TestMembership(t *testing.T) {
	cases := []struct {
		fencing, attrs       string
		online, unclean, pnd bool
	}{
		{"true", up, true, false, false},
		{"true", `in_ccm="false" crmd="offline" join="down" expected="down"`, false, false, false},
		{"true", `in_ccm="false" crmd="offline" join="down" expected="member"`, false, true, false},
		{"true", `in_ccm="true" crmd="online" join="pending" expected="member"`, false, false, true},
		{"true", `in_ccm="true" crmd="online" join="member" expected="down"`, true, false, false},
		{"true", `in_ccm="true" crmd="offline" join="member" expected="down"`, false, false, false},
		{"false", `in_ccm="true" crmd="offline" join="member" expected="member"`, false, true, false},
		{"false", `in_ccm="false" crmd="offline" join="member" expected="member"`, false, false, false},
	}
	for i, tc := range cases {
		status := nodeState("n1", up, "") + nodeState("n2", tc.attrs, "")
		c := mustUnpack(t, cib(map[string]string{"stonith-enabled": tc.fencing}, twoNodes, "", status))
		n := c.NodeByName["node2"]
		if n.Online != tc.online || n.Unclean != tc.unclean || n.Pending != tc.pnd {
			t.Errorf("case %d (%s, fencing=%s): online=%v unclean=%v pending=%v", i, tc.attrs, tc.fencing, n.Online, n.Unclean, n.Pending)
		}
	}
	// A node never seen is unclean only with fencing and startup-fencing.
	c := mustUnpack(t, cib(nil, twoNodes, "", nodeState("n1", up, "")))
	if !c.NodeByName["node2"].Unclean {
		t.Error("unseen node should be unclean with fencing")
	}
	c = mustUnpack(t, cib(map[string]string{"startup-fencing": "false"}, twoNodes, "", nodeState("n1", up, "")))
	if c.NodeByName["node2"].Unclean {
		t.Error("unseen node should be clean without startup-fencing")
	}
}

func TestRolesFromHistory(t *testing.T) {
	cases := []struct {
		ops    string
		role   Role
		failed bool
	}{
		{op("A", "monitor", 1, 7, 0, 0, 7), RoleStopped, false},
		{op("A", "monitor", 1, 0, 0, 0, 7), RoleStarted, false},
		{op("A", "start", 1, 0, 0, 0, 0) + op("A", "monitor", 2, 0, 0, 10000, 0), RoleStarted, false},
		{op("A", "start", 1, 0, 0, 0, 0) + op("A", "monitor", 2, 7, 0, 10000, 0), RoleStarted, true},
		{op("A", "start", 1, 0, 0, 0, 0) + op("A", "monitor", 2, 7, 0, 10000, 0) + op("A", "stop", 3, 0, 0, 0, 0), RoleStopped, false},
		{op("A", "start", 1, 1, 0, 0, 0), RoleStarted, true},
		{op("A", "monitor", 1, 5, 0, 0, 7), RoleStopped, false},
		// Out of order in the XML: call-id decides.
		{op("A", "stop", 3, 0, 0, 0, 0) + op("A", "start", 1, 0, 0, 0, 0), RoleStopped, false},
		// A timed-out start is a failure whatever the rc.
		{op("A", "start", 1, 0, 2, 0, 0), RoleStarted, true},
	}
	for i, tc := range cases {
		status := nodeState("n1", up, lrmRsc("A", tc.ops)) + nodeState("n2", up, "")
		c := mustUnpack(t, cib(map[string]string{"stonith-enabled": "false"}, twoNodes, dummyA, status))
		st := c.ByID["A"].StatusOn("node1")
		if st == nil || st.Role != tc.role || st.Failed != tc.failed {
			t.Errorf("case %d: %+v", i, st)
		}
	}
}

func TestPromotableRoles(t *testing.T) {
	res := `<master id="M"><primitive id="S" class="ocf" provider="pacemaker" type="Stateful"/></master>`
	status := nodeState("n1", up, lrmRsc("S:0", op("S", "start", 1, 0, 0, 0, 0)+op("S", "promote", 2, 0, 0, 0, 0))) +
		nodeState("n2", up, lrmRsc("S:1", op("S", "start", 1, 0, 0, 0, 0)))
	c := mustUnpack(t, cib(map[string]string{"stonith-enabled": "false"}, twoNodes, res, status))
	m := c.ByID["M"]
	if !m.Promotable || len(m.Children) != 2 {
		t.Fatalf("promotable clone: %+v", m)
	}
	if m.Children[0].Role != RolePromoted || m.Children[1].Role != RoleUnpromoted {
		t.Errorf("roles %v %v", m.Children[0].Role, m.Children[1].Role)
	}
}

func TestFailedStopFencesNode(t *testing.T) {
	status := nodeState("n1", up, lrmRsc("A", op("A", "start", 1, 0, 0, 0, 0)+op("A", "stop", 2, 1, 0, 0, 0))) + nodeState("n2", up, "")
	c := mustUnpack(t, cib(nil, twoNodes, dummyA, status))
	if !c.NodeByName["node1"].Unclean {
		t.Error("failed stop with fencing should make the node unclean")
	}
	c = mustUnpack(t, cib(map[string]string{"stonith-enabled": "false"}, twoNodes, dummyA, status))
	if c.NodeByName["node1"].Unclean || !c.ByID["A"].Blocked {
		t.Error("failed stop without fencing should block the resource, not fence")
	}
}

func TestFailureTimeoutAndIgnore(t *testing.T) {
	res := `<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="m"><nvpair id="m1" name="failure-timeout" value="60s"/></meta_attributes>
<operations><op id="A-mon" name="monitor" interval="10s"/></operations></primitive>
<primitive id="B" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="B-mon" name="monitor" interval="10s" on-fail="ignore"/></operations></primitive>`
	status := nodeState("n1", up, lrmRsc("A", op("A", "start", 1, 0, 0, 0, 0)+op("A", "monitor", 2, 1, 0, 10000, 0))+
		lrmRsc("B", op("B", "start", 1, 0, 0, 0, 0)+op("B", "monitor", 2, 1, 0, 10000, 0))) + nodeState("n2", up, "")
	c := mustUnpack(t, cib(map[string]string{"stonith-enabled": "false"}, twoNodes, res, status))
	a, b := c.ByID["A"], c.ByID["B"]
	if a.Failed || len(a.StatusOn("node1").ExpiredFailures()) != 1 {
		t.Errorf("A's failure (last change 1000s, now 5000s, timeout 60s) should have expired")
	}
	if b.Failed || !b.FailureIgnored || b.Role != RoleStarted {
		t.Errorf("B's failure should be ignored: %+v", b.StatusOn("node1"))
	}
}

func TestAnonymousCloneNumbering(t *testing.T) {
	res := `<clone id="C"><primitive id="P" class="ocf" provider="pacemaker" type="Dummy"/></clone>`
	threeNodes := twoNodes + `<node id="n3" uname="node3"/>`
	// History recorded under arbitrary instance numbers maps to instances in
	// node order: active instance first, then the first inactive one.
	status := nodeState("n1", up, lrmRsc("P:2", op("P", "start", 1, 0, 0, 0, 0))) +
		nodeState("n2", up, lrmRsc("P:2", op("P", "monitor", 1, 7, 0, 0, 7))) +
		nodeState("n3", up, lrmRsc("P", op("P", "start", 1, 0, 0, 0, 0)))
	c := mustUnpack(t, cib(map[string]string{"stonith-enabled": "false"}, threeNodes, res, status))
	cl := c.ByID["C"]
	if len(cl.Children) != 3 {
		t.Fatalf("%d instances", len(cl.Children))
	}
	on := func(i int) string {
		if len(cl.Children[i].RunningOn) == 0 {
			return ""
		}
		return cl.Children[i].RunningOn[0].Name
	}
	if on(0) != "node1" || on(1) != "node3" || on(2) != "" {
		t.Errorf("instances on %q %q %q", on(0), on(1), on(2))
	}
}

func TestPartialMigration(t *testing.T) {
	res := `<primitive id="V" class="ocf" provider="heartbeat" type="Xen"><meta_attributes id="m"><nvpair id="m1" name="allow-migrate" value="true"/></meta_attributes></primitive>`
	mig := `<lrm_rsc_op id="V_migrate_to_0" operation_key="V_migrate_to_0" operation="migrate_to" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" last-rc-change="2000" migrate_source="node1" migrate_target="node2"/>`
	status := nodeState("n1", up, lrmRsc("V", op("V", "start", 1, 0, 0, 0, 0)+mig)) + nodeState("n2", up, "")
	c := mustUnpack(t, cib(map[string]string{"stonith-enabled": "false"}, twoNodes, res, status))
	v := c.ByID["V"]
	if len(v.RunningOn) != 2 || v.PartialMigrationTarget == nil || v.PartialMigrationTarget.Name != "node2" {
		t.Errorf("partial migration: running on %d nodes, target %v", len(v.RunningOn), v.PartialMigrationTarget)
	}
}

func TestGroupAndTemplate(t *testing.T) {
	res := `<template id="T" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="ti"><nvpair id="ti1" name="ip" value="1.2.3.4"/><nvpair id="ti2" name="cidr_netmask" value="24"/></instance_attributes></template>
<group id="G"><meta_attributes id="gm"><nvpair id="gm1" name="target-role" value="Stopped"/></meta_attributes>
<primitive id="ip" template="T"><instance_attributes id="pi"><nvpair id="pi1" name="ip" value="10.0.0.1"/></instance_attributes></primitive></group>`
	c := mustUnpack(t, cib(nil, twoNodes, res, ""))
	ip := c.ByID["ip"]
	if ip.Type != "IPaddr2" || ip.Params["ip"] != "10.0.0.1" || ip.Params["cidr_netmask"] != "24" {
		t.Errorf("template not applied: %s %v", ip.Type, ip.Params)
	}
	if ip.TargetRole != RoleStopped || ip.Parent != c.ByID["G"] {
		t.Errorf("group meta not inherited: %v", ip.TargetRole)
	}
}

// TestDuplicateResourceWarning: only a second resource with a taken id is
// reported, not every resource (which register has just put in ByID).
func TestDuplicateResourceWarning(t *testing.T) {
	prim := func(id string) string {
		return `<primitive id="` + id + `" class="ocf" provider="pacemaker" type="Dummy"/>`
	}
	count := func(res string) int {
		c, err := UnpackBytes([]byte(cib(nil, twoNodes, res, "")), time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, w := range c.Warnings {
			if strings.Contains(w, "duplicate resource id") {
				n++
			}
		}
		return n
	}
	if n := count(prim("a") + prim("b")); n != 0 {
		t.Errorf("distinct ids: %d duplicate warnings, want 0", n)
	}
	if n := count(prim("a") + prim("a")); n != 1 {
		t.Errorf("repeated id: %d duplicate warnings, want 1", n)
	}
}

// TestMonitorAfterActiveProbe: after a cleanup a resource's history starts
// with a probe that finds it running; a recurring monitor recorded after the
// probe is active (else the scheduler would schedule it again and again).
func TestMonitorAfterActiveProbe(t *testing.T) {
	ops := op("A", "monitor", 5, 0, 0, 0, 7) + op("A", "monitor", 6, 0, 0, 10000, 0)
	status := nodeState("n1", up, lrmRsc("A", ops)) + nodeState("n2", up, "")
	c := mustUnpack(t, cib(map[string]string{"stonith-enabled": "false"}, twoNodes, dummyA, status))
	st := c.ByID["A"].StatusOn("node1")
	if st == nil || st.Role != RoleStarted || len(st.ActiveMonitors()) != 1 || st.ActiveMonitors()[0].IntervalMS != 10000 {
		t.Fatalf("A after an active probe and a monitor: %+v", st)
	}
	// A monitor from before a stop and the probe is not active.
	ops = op("A", "monitor", 2, 0, 0, 10000, 0) + op("A", "stop", 3, 0, 0, 0, 0) + op("A", "monitor", 5, 0, 0, 0, 7)
	status = nodeState("n1", up, lrmRsc("A", ops)) + nodeState("n2", up, "")
	c = mustUnpack(t, cib(map[string]string{"stonith-enabled": "false"}, twoNodes, dummyA, status))
	if st := c.ByID["A"].StatusOn("node1"); st == nil || st.Role != RoleStarted || len(st.ActiveMonitors()) != 0 {
		t.Errorf("A with a monitor from before its stop: %+v", st)
	}
}
