package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// TestToolsLive drives a three-node cluster with the tools an administrator
// types, one step after another on the same cluster, and checks every step
// in crm_mon's XML (and the CIB where the step writes constraints).
func TestToolsLive(t *testing.T) {
	l := start(t, "alpha", "beta", "gamma")
	t.Logf("cluster formed, DC %s", l.dc)
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) {
			l.t = t
			defer func() { l.t = nil }()
			f(t)
			// Each step leaves a settled cluster: crm_resource --wait
			// returns once the scheduler has nothing left to do.
			l.settle()
		}) {
			t.FailNow() // later steps build on this one
		}
	}
	step("configure", func(t *testing.T) { configure(t, l) })
	step("move and clear", func(t *testing.T) { moveAndClear(t, l) })
	step("failure and cleanup", func(t *testing.T) { failureAndCleanup(t, l) })
	step("simulated failure", func(t *testing.T) { simulatedFailure(t, l) })
	step("standby and online", func(t *testing.T) { standbyAndOnline(t, l) })
	step("cibadmin", func(t *testing.T) { cibadminLive(t, l) })
	step("attributes", func(t *testing.T) { attributes(t, l) })
	step("verify and simulate", func(t *testing.T) { verifyAndSimulate(t, l) })
	step("crm resource", func(t *testing.T) { crmResource(t, l) })
	step("tickets", func(t *testing.T) { tickets(t, l) })
	step("promotable", func(t *testing.T) { promotable(t, l) })
	step("membership", func(t *testing.T) { membershipLive(t, l) })
}

// stateFiles lists the nodes on which a Dummy's state file exists (where the
// agent itself says it runs).
func stateFiles(l *live, rsc string) []string {
	var on []string
	for _, n := range l.c.Names {
		if _, err := os.Stat(filepath.Join(l.c.Nodes[n].RscTmp, "Dummy-"+rsc+".state")); err == nil {
			on = append(on, n)
		}
	}
	return on
}

// stopped is a waitMon condition: the resources run nowhere.
func stopped(ids ...string) func(m *mon) string {
	return func(m *mon) string {
		for _, id := range ids {
			if r, ok := m.rsc[id]; !ok || len(r.nodes) != 0 {
				return fmt.Sprintf("%s: %+v (shown: %v)", id, r, ok)
			}
		}
		return ""
	}
}

// crmResource drives a resource with crm's resource level (with -w, which
// returns once the cluster has carried the change out) and crm_resource's
// ban and parameter commands.
func crmResource(t *testing.T, l *live) {
	n := l.c.Names
	l.ok(n[0], "crm", "-w", "resource", "stop", "solo")
	// -w returned: the stop is done, not just written.
	if on := stateFiles(l, "solo"); len(on) != 0 {
		t.Errorf("crm -w resource stop returned while solo still runs on %v", on)
	}
	l.waitMon(n[1], 5*time.Second, stopped("solo"))
	// As crm_resource --locate, "NOT running" goes to stderr.
	if r := l.ok(n[2], "crm", "resource", "status", "solo"); r.stderr != "resource solo is NOT running\n" {
		t.Errorf("crm resource status of a stopped resource: %v", r)
	}
	l.ok(n[1], "crm", "-w", "resource", "start", "solo")
	if on := stateFiles(l, "solo"); len(on) != 1 {
		t.Errorf("crm -w resource start returned with solo's agent running on %v", on)
	}
	m := l.waitMon(n[2], 5*time.Second, settled("solo"))
	if r := l.ok(n[0], "crm", "resource", "status", "solo"); r.stdout != "resource solo is running on: "+m.where("solo")+"\n" {
		t.Errorf("crm resource status: %q", r.stdout)
	}
	if r := l.ok(n[0], "crm", "configure", "show", "solo"); !strings.Contains(r.stdout, "primitive solo ocf:pacer:Dummy") {
		t.Errorf("crm configure show solo:\n%s", r.stdout)
	}

	// A ban moves it off its node; --clear lifts it.
	was := m.where("solo")
	l.ok(n[1], "crm_resource", "--ban", "-r", "solo", "-N", was, "--wait")
	m = l.mon(n[2])
	if m.where("solo") == "" || m.where("solo") == was {
		t.Errorf("after --ban on %s (with --wait) solo is on %q", was, m.where("solo"))
	}
	if cs := constraints(l, n[0]); !strings.Contains(cs, `id="cli-ban-solo-on-`+was+`"`) {
		t.Errorf("no cli-ban-solo-on-%s constraint:\n%s", was, cs)
	}
	l.ok(n[2], "crm_resource", "--clear", "-r", "solo", "--wait")
	if cs := constraints(l, n[0]); strings.Contains(cs, "cli-ban-solo") {
		t.Errorf("cli-ban constraint left after --clear:\n%s", cs)
	}

	// A parameter set through one node is read through another.
	l.ok(n[0], "crm_resource", "-r", "solo", "-p", "fake", "-v", "42")
	if r := l.ok(n[1], "crm_resource", "-r", "solo", "-g", "fake"); r.stdout != "42\n" {
		t.Errorf("crm_resource -g fake: %q", r.stdout)
	}
	if r := l.ok(n[2], "crm", "resource", "param", "solo", "show", "fake"); r.stdout != "42\n" {
		t.Errorf("crm resource param show fake: %q", r.stdout)
	}
	m = l.waitMon(n[0], 20*time.Second, settled("solo", "ga", "gb"))

	// --list shows each resource's role (Pacemaker's names no node here).
	r := l.ok(n[1], "crm_resource", "--list")
	for _, id := range []string{"solo", "ga", "gb"} {
		if want := fmt.Sprintf("%s\t(ocf:pacer:Dummy):\t Started\n", id); !strings.Contains(r.stdout, want) {
			t.Errorf("crm_resource --list lacks %q:\n%s", want, r.stdout)
		}
	}
	// --refresh forgets solo's history everywhere: it is probed again, found
	// running where it runs, and stays there.
	was = m.where("solo")
	l.ok(n[2], "crm_resource", "--refresh", "-r", "solo", "--wait")
	m = l.waitMon(n[0], 10*time.Second, settled("solo"))
	if m.where("solo") != was || len(stateFiles(l, "solo")) != 1 {
		t.Errorf("after --refresh solo is on %q (agent state on %v), was on %s", m.where("solo"), stateFiles(l, "solo"), was)
	}
}

// tickets: a resource bound to a ticket runs only while the ticket is
// granted (crm_ticket on the live cluster).
func tickets(t *testing.T, l *live) {
	n := l.c.Names
	l.ok(n[0], "crm", "configure", "rsc_ticket", "solo-needs-tk", "tk:", "solo", "loss-policy=stop")
	l.waitMon(n[1], 20*time.Second, stopped("solo"))
	l.ok(n[2], "crm_ticket", "--ticket", "tk", "--grant", "--force")
	if r := l.ok(n[0], "crm_ticket", "--ticket", "tk", "--query-xml"); !strings.Contains(r.stdout, `granted="true"`) {
		t.Errorf("crm_ticket --query-xml after --grant: %q", r.stdout)
	}
	l.waitMon(n[1], 20*time.Second, settled("solo"))
	l.ok(n[1], "crm_ticket", "--ticket", "tk", "--revoke", "--force")
	l.waitMon(n[2], 20*time.Second, stopped("solo"))
	l.ok(n[0], "crm_ticket", "--ticket", "tk", "--grant", "--force")
	l.waitMon(n[0], 20*time.Second, settled("solo", "ga", "gb"))
}

// promotable: a promotable clone of Pacer's Stateful agent gets one promoted
// instance; moving the promoted role with crm_resource --ban --promoted
// promotes another node.
func promotable(t *testing.T, l *live) {
	n := l.c.Names
	// One script, one write: the primitive never runs outside its clone.
	script := filepath.Join(t.TempDir(), "promotable.crm")
	if err := os.WriteFile(script, []byte(`configure
primitive st ocf:pacer:Stateful op monitor interval=2s role=Promoted timeout=10s op monitor interval=3s role=Unpromoted timeout=10s
clone st-clone st meta promotable=true promoted-max=1
`), 0o644); err != nil {
		t.Fatal(err)
	}
	l.ok(n[1], "crm", "-w", "-f", script)
	roles := func(m *mon) (promoted, unpromoted []string) {
		for _, r := range m.inst["st"] {
			switch r.role {
			case "Promoted":
				promoted = append(promoted, r.nodes...)
			case "Unpromoted":
				unpromoted = append(unpromoted, r.nodes...)
			}
		}
		slices.Sort(promoted)
		slices.Sort(unpromoted)
		return
	}
	var promotedOn string
	l.waitMon(n[2], 30*time.Second, func(m *mon) string {
		p, u := roles(m)
		if len(p) != 1 || len(u) != 2 {
			return fmt.Sprintf("st promoted on %v, unpromoted on %v", p, u)
		}
		promotedOn = p[0]
		return ""
	})
	l.ok(n[0], "crm_resource", "--ban", "--promoted", "-r", "st-clone", "-N", promotedOn, "--wait")
	m := l.mon(n[1])
	p, u := roles(m)
	if len(p) != 1 || p[0] == promotedOn || !slices.Contains(u, promotedOn) {
		t.Errorf("after --ban --promoted on %s: promoted on %v, unpromoted on %v", promotedOn, p, u)
	}
	l.ok(n[2], "crm_resource", "--clear", "-r", "st-clone", "--wait")
	// Done with it: stop and remove the clone so later steps see only the
	// other resources.
	l.ok(n[0], "crm", "-w", "resource", "stop", "st-clone")
	// As crmsh, deleting the clone alone would leave its primitive.
	l.ok(n[0], "crm", "configure", "delete", "st-clone", "st")
	l.waitMon(n[1], 20*time.Second, func(m *mon) string {
		if _, ok := m.rsc["st"]; ok {
			return "st still shown after deleting st-clone"
		}
		return settled("solo", "ga", "gb")(m)
	})
}

// configure builds the configuration with crm configure, through several
// nodes: fencing off, a primitive and a group of two, all with monitors.
func configure(t *testing.T, l *live) {
	n := l.c.Names
	l.ok(n[0], "crm", "configure", "property", "stonith-enabled=false")
	l.ok(n[1], "crm", "configure", "primitive", "solo", "ocf:pacer:Dummy", "op", "monitor", "interval=1s", "timeout=10s")
	l.ok(n[2], "crm", "configure", "primitive", "ga", "ocf:pacer:Dummy", "op", "monitor", "interval=1s", "timeout=10s")
	l.ok(n[0], "crm", "configure", "primitive", "gb", "ocf:pacer:Dummy", "op", "monitor", "interval=1s", "timeout=10s")
	l.ok(n[1], "crm", "configure", "group", "g", "ga", "gb")
	l.settle()
	m := l.waitMon(n[2], 20*time.Second, all(settled("solo", "ga", "gb"), together("ga", "gb")))
	if m.group["ga"] != "g" || m.group["gb"] != "g" {
		t.Errorf("crm_mon does not show ga, gb in group g: %v", m.group)
	}
	for _, node := range n {
		if nd := m.nodes[node]; !nd.online || nd.standby {
			t.Errorf("node %s: %+v", node, nd)
		}
	}
	total := 0
	for _, nd := range m.nodes {
		total += nd.running
	}
	if total != 3 {
		t.Errorf("resources_running adds up to %d, want 3\n%s", total, m.raw)
	}
}

// constraints returns the CIB's constraints section as node sees it.
func constraints(l *live, node string) string {
	return l.ok(node, "cibadmin", "--query", "--scope", "constraints").stdout
}

// cliConstraint finds the rsc_location crm_resource writes for rsc (id
// cli-prefer-RSC) and returns its node and score ("" when absent).
func cliConstraint(t *testing.T, xml, rsc string) (node, score string) {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatalf("cibadmin --query output: %v\n%s", err, xml)
	}
	for _, e := range doc.FindElements("//rsc_location") {
		if e.SelectAttrValue("id", "") == "cli-prefer-"+rsc {
			if e.SelectAttrValue("rsc", "") != rsc {
				t.Errorf("cli-prefer-%s constrains %q", rsc, e.SelectAttrValue("rsc", ""))
			}
			return e.SelectAttrValue("node", ""), e.SelectAttrValue("score", "")
		}
	}
	return "", ""
}

// moveAndClear moves a primitive and a group with crm_resource --move,
// checks the cli-prefer constraints and where crm_mon shows them, and clears
// the constraints again.
func moveAndClear(t *testing.T, l *live) {
	n := l.c.Names
	// One move after the other: moving solo may shift the group too (the
	// scheduler balances), so the group's target is picked afterwards.
	soloTo := l.other(l.mon(n[0]).where("solo"))
	l.ok(n[1], "crm_resource", "--move", "-r", "solo", "--node", soloTo)
	m := l.waitMon(n[0], 20*time.Second, func(m *mon) string {
		if why := settled("solo", "ga", "gb")(m); why != "" {
			return why
		}
		if m.where("solo") != soloTo {
			return fmt.Sprintf("solo on %s, want %s", m.where("solo"), soloTo)
		}
		return ""
	})
	gTo := l.other(m.where("ga"))
	l.ok(n[2], "crm_resource", "--move", "--resource", "g", "--node", gTo)
	// Through different nodes: the constraints are cluster-wide writes.
	for _, c := range []struct{ rsc, node string }{{"solo", soloTo}, {"g", gTo}} {
		for _, from := range n {
			if node, score := cliConstraint(t, constraints(l, from), c.rsc); node != c.node || score != "INFINITY" {
				t.Errorf("%s's CIB: cli-prefer-%s on %q score %q, want %s INFINITY", from, c.rsc, node, score, c.node)
			}
		}
	}
	m = l.waitMon(n[0], 20*time.Second, func(m *mon) string {
		if why := settled("solo", "ga", "gb")(m); why != "" {
			return why
		}
		if m.where("solo") != soloTo || m.where("ga") != gTo || m.where("gb") != gTo {
			return fmt.Sprintf("solo on %s (want %s), ga on %s, gb on %s (want %s)", m.where("solo"), soloTo, m.where("ga"), m.where("gb"), gTo)
		}
		return ""
	})
	// Every node's crm_mon agrees once the moves are done.
	for _, node := range n[1:] {
		if o := l.mon(node); o.where("solo") != soloTo || o.where("ga") != gTo {
			t.Errorf("crm_mon on %s: solo on %s, ga on %s", node, o.where("solo"), o.where("ga"))
		}
	}
	if r := l.ok(n[2], "crm_resource", "--locate", "-r", "solo"); r.stdout != "resource solo is running on: "+soloTo+"\n" {
		t.Errorf("--locate after the move: %q", r.stdout)
	}
	// Moving a resource to where it runs already is refused.
	if r := l.run(n[0], "crm_resource", "--move", "-r", "solo", "--node", soloTo); r.code == 0 {
		t.Errorf("move to the node it runs on accepted:\n%v", r)
	}

	l.ok(n[0], "crm_resource", "--clear", "-r", "solo")
	l.ok(n[1], "crm_resource", "--clear", "-r", "g")
	for _, from := range n {
		cs := constraints(l, from)
		for _, rsc := range []string{"solo", "g"} {
			if node, _ := cliConstraint(t, cs, rsc); node != "" {
				t.Errorf("%s's CIB still has cli-prefer-%s after --clear:\n%s", from, rsc, cs)
			}
		}
	}
	l.waitMon(n[2], 20*time.Second, all(settled("solo", "ga", "gb"), together("ga", "gb")))
}

// failureAndCleanup makes a monitor fail for real (the Dummy's state file
// goes, as if its process died), checks that crm_mon and crm_failcount show
// the failure and the resource recovered, then cleans it up.
func failureAndCleanup(t *testing.T, l *live) {
	n := l.c.Names
	on := l.mon(n[0]).where("solo")
	state := filepath.Join(l.c.Nodes[on].RscTmp, "Dummy-solo.state")
	if err := os.Remove(state); err != nil {
		t.Fatalf("solo runs on %s but: %v", on, err)
	}
	m := l.waitMon(n[1], 20*time.Second, func(m *mon) string {
		if m.failCount[on]["solo"] < 1 {
			return fmt.Sprintf("no fail count for solo on %s: %v", on, m.failCount)
		}
		return settled("solo")(m)
	})
	if !slices.Contains(m.failures, "solo_monitor_1000@"+on) {
		t.Errorf("crm_mon's failures %v lack solo_monitor_1000@%s", m.failures, on)
	}
	// One failure is below the migration threshold: recovered in place.
	if m.where("solo") != on {
		t.Errorf("solo recovered on %s, want in place on %s", m.where("solo"), on)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("crm_mon says solo Started on %s again, but its agent state is missing: %v", on, err)
	}
	r := l.ok(n[2], "crm_failcount", "-r", "solo", "-N", on, "-G")
	if want := fmt.Sprintf("scope=status  name=fail-count-solo value=%d\n", m.failCount[on]["solo"]); r.stdout != want {
		t.Errorf("crm_failcount -G: %q, want %q", r.stdout, want)
	}

	l.ok(n[0], "crm_resource", "--cleanup", "-r", "solo")
	l.waitMon(n[1], 20*time.Second, func(m *mon) string {
		if fc := m.failCount[on]["solo"]; fc != 0 {
			return fmt.Sprintf("fail count %d after --cleanup", fc)
		}
		if len(m.failures) > 0 {
			return fmt.Sprintf("failures %v after --cleanup", m.failures)
		}
		return all(settled("solo", "ga", "gb"), together("ga", "gb"))(m)
	})
	if r := l.ok(n[2], "crm_failcount", "-r", "solo", "-N", on, "-G"); r.stdout != "scope=status  name=fail-count-solo value=0\n" {
		t.Errorf("crm_failcount -G after --cleanup: %q", r.stdout)
	}
}

// simulatedFailure has crm_resource --fail, run on another node than the
// resource's (so its crmd forwards the request), record a failure of solo:
// crm_mon shows fail count 1 and the failed solo_asyncmon_0, and the
// resource was recovered in place (its last operation is a start again,
// after the failure). Bad requests get Pacemaker's exit codes.
func simulatedFailure(t *testing.T, l *live) {
	on := l.mon(l.c.Names[0]).where("solo")
	from := l.other(on)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--fail", "-r", "solo"}, 64},                      // no node
		{[]string{"--fail", "-r", "nosuch", "-N", on}, 105},         // no such resource
		{[]string{"--fail", "-r", "solo", "-N", "nosuchnode"}, 105}, // no such node
		{[]string{"--fail", "-r", "g", "-N", on}, 2},                // a group is not a primitive
	} {
		if r := l.run(from, "crm_resource", c.args...); r.code != c.code {
			t.Errorf("want exit %d: %v", c.code, r)
		}
	}
	if fc := l.mon(from).failCount[on]["solo"]; fc != 0 {
		t.Fatalf("solo has fail count %d on %s before --fail", fc, on)
	}
	if r := l.ok(from, "crm_resource", "--fail", "-r", "solo", "-N", on); r.stdout != "" || r.stderr != "" {
		t.Errorf("crm_resource --fail printed: %v", r)
	}
	m := l.waitMon(from, 20*time.Second, func(m *mon) string {
		if fc := m.failCount[on]["solo"]; fc != 1 {
			return fmt.Sprintf("fail count of solo on %s is %d, want 1", on, fc)
		}
		return settled("solo")(m)
	})
	if !slices.Contains(m.failures, "solo_asyncmon_0@"+on) {
		t.Errorf("crm_mon's failures %v lack solo_asyncmon_0@%s", m.failures, on)
	}
	if m.where("solo") != on {
		t.Errorf("solo recovered on %s, want in place on %s", m.where("solo"), on)
	}
	// Recovered: the failure replaced solo_last_0, a later start replaced it.
	x := etree.NewDocument()
	if err := x.ReadFromString(l.ok(on, "cibadmin", "--query").stdout); err != nil {
		t.Fatal(err)
	}
	lr := x.FindElement(fmt.Sprintf("//node_state[@uname='%s']/lrm/lrm_resources/lrm_resource[@id='solo']", on))
	if lr == nil {
		t.Fatalf("no history of solo on %s", on)
	}
	callID := func(id string) (string, int) {
		e := lr.FindElement("lrm_rsc_op[@id='" + id + "']")
		if e == nil {
			t.Fatalf("no %s in solo's history on %s", id, on)
		}
		n, _ := strconv.Atoi(e.SelectAttrValue("call-id", ""))
		return e.SelectAttrValue("operation", "") + " rc=" + e.SelectAttrValue("rc-code", ""), n
	}
	fop, fcall := callID("solo_last_failure_0")
	lop, lcall := callID("solo_last_0")
	if fop != "asyncmon rc=1" || lop != "start rc=0" || lcall <= fcall {
		t.Errorf("solo's history on %s: last failure %s (call %d), last %s (call %d); want asyncmon rc=1 then a later start rc=0", on, fop, fcall, lop, lcall)
	}

	// Asked on the node itself (no forwarding), the failure counts again.
	l.ok(on, "crm_resource", "--fail", "-r", "solo", "-N", on)
	l.waitMon(from, 20*time.Second, func(m *mon) string {
		if fc := m.failCount[on]["solo"]; fc != 2 {
			return fmt.Sprintf("fail count of solo on %s is %d, want 2", on, fc)
		}
		return settled("solo")(m)
	})

	l.ok(from, "crm_resource", "--cleanup", "-r", "solo")
	l.waitMon(from, 20*time.Second, func(m *mon) string {
		if fc := m.failCount[on]["solo"]; fc != 0 {
			return fmt.Sprintf("fail count %d after --cleanup", fc)
		}
		if len(m.failures) > 0 {
			return fmt.Sprintf("failures %v after --cleanup", m.failures)
		}
		return all(settled("solo", "ga", "gb"), together("ga", "gb"))(m)
	})
}

// standbyAndOnline drains a node with crm node standby and brings it back
// with crm node online; crm_standby reads and sets the same attribute.
func standbyAndOnline(t *testing.T, l *live) {
	n := l.c.Names
	m := l.mon(n[0])
	busy := m.where("ga")
	l.ok(l.other(busy), "crm", "node", "standby", busy)
	m = l.waitMon(n[0], 20*time.Second, func(m *mon) string {
		if !m.nodes[busy].standby {
			return busy + " not shown in standby"
		}
		if m.nodes[busy].running != 0 {
			return fmt.Sprintf("%s in standby still runs %d resources", busy, m.nodes[busy].running)
		}
		return all(settled("solo", "ga", "gb"), together("ga", "gb"))(m)
	})
	for _, id := range []string{"solo", "ga", "gb"} {
		if m.where(id) == busy {
			t.Errorf("%s still on %s in standby", id, busy)
		}
	}
	if r := l.ok(n[1], "crm_standby", "-N", busy, "-G"); !strings.Contains(r.stdout, "name=standby value=on") {
		t.Errorf("crm_standby -G on a node in standby: %q", r.stdout)
	}
	l.ok(busy, "crm", "node", "online", busy)
	l.waitMon(n[2], 20*time.Second, func(m *mon) string {
		if m.nodes[busy].standby || !m.nodes[busy].online {
			return fmt.Sprintf("%s: %+v after crm node online", busy, m.nodes[busy])
		}
		return all(settled("solo", "ga", "gb"), together("ga", "gb"))(m)
	})
	if r := l.ok(n[1], "crm_standby", "-N", busy, "-G"); !strings.Contains(r.stdout, "name=standby value=off") {
		t.Errorf("crm_standby -G after crm node online: %q", r.stdout)
	}
	// crm_standby itself, for the reboot lifetime (a transient attribute).
	idle := l.other(m.where("solo"), m.where("ga"))
	l.ok(n[0], "crm_standby", "-N", idle, "-v", "on", "-l", "reboot")
	l.waitMon(n[1], 10*time.Second, func(m *mon) string {
		if !m.nodes[idle].standby {
			return idle + " not in standby after crm_standby -l reboot"
		}
		return ""
	})
	l.ok(n[2], "crm_standby", "-N", idle, "-D", "-l", "reboot")
	l.waitMon(n[1], 10*time.Second, func(m *mon) string {
		if m.nodes[idle].standby {
			return idle + " still in standby after crm_standby -D"
		}
		return all(settled("solo", "ga", "gb"), together("ga", "gb"))(m)
	})
}

// cibadminLive queries and modifies the CIB with cibadmin --sync-call: a
// resource created stopped, started by modifying its target-role, deleted.
func cibadminLive(t *testing.T, l *live) {
	n := l.c.Names
	r := l.ok(n[1], "cibadmin", "--query", "--xpath", "//nvpair[@name='stonith-enabled']")
	if !strings.Contains(r.stdout, `value="false"`) {
		t.Errorf("stonith-enabled as crm configure property wrote it: %q", r.stdout)
	}
	r = l.ok(n[2], "cibadmin", "-Q", "-o", "nodes")
	for i, name := range n {
		if !strings.Contains(r.stdout, fmt.Sprintf(`id="%d" uname="%s"`, i+1, name)) {
			t.Errorf("cibadmin -Q -o nodes lacks node %s (id %d):\n%s", name, i+1, r.stdout)
		}
	}
	l.ok(n[0], "cibadmin", "--create", "--sync-call", "-o", "resources", "-X",
		`<primitive id="extra" class="ocf" provider="pacer" type="Dummy"><meta_attributes id="extra-meta"><nvpair id="extra-meta-target-role" name="target-role" value="Stopped"/></meta_attributes></primitive>`)
	m := l.waitMon(n[1], 10*time.Second, func(m *mon) string {
		if r, ok := m.rsc["extra"]; !ok || len(r.nodes) != 0 {
			return fmt.Sprintf("extra (target-role Stopped): %+v, %v", r, ok)
		}
		return ""
	})
	_ = m
	l.ok(n[1], "cibadmin", "--modify", "--sync-call", "-X", `<nvpair id="extra-meta-target-role" value="Started"/>`)
	l.waitMon(n[2], 20*time.Second, settled("extra"))
	l.ok(n[2], "cibadmin", "--delete", "--sync-call", "-X", `<primitive id="extra"/>`)
	l.waitMon(n[0], 20*time.Second, func(m *mon) string {
		if r, ok := m.rsc["extra"]; ok {
			return fmt.Sprintf("deleted resource extra still shown: %+v", r)
		}
		return all(settled("solo", "ga", "gb"), together("ga", "gb"))(m)
	})
	for _, node := range n {
		if _, err := os.Stat(filepath.Join(l.c.Nodes[node].RscTmp, "Dummy-extra.state")); err == nil {
			t.Errorf("the deleted resource extra still runs on %s", node)
		}
	}
	// Modifying what does not exist fails with Pacemaker's exit code 105.
	if r := l.run(n[0], "cibadmin", "--modify", "--sync-call", "-X", `<nvpair id="no-such-nvpair" value="x"/>`); r.code != 105 {
		t.Errorf("modify of a missing element: want exit 105\n%v", r)
	}
}

// attributes sets node attributes with crm_attribute (permanent and
// transient) and attrd_updater, reading them back through other nodes.
func attributes(t *testing.T, l *live) {
	n := l.c.Names
	l.ok(n[0], "crm_attribute", "--node", n[1], "--name", "color", "--update", "blue")
	if r := l.ok(n[2], "crm_attribute", "--node", n[1], "--name", "color", "--query"); r.stdout != "scope=nodes  name=color value=blue\n" {
		t.Errorf("crm_attribute --query: %q", r.stdout)
	}
	l.ok(n[2], "crm_attribute", "--node", n[1], "--name", "color", "--delete")
	if r := l.run(n[0], "crm_attribute", "--node", n[1], "--name", "color", "--query"); r.code != 105 {
		t.Errorf("query of a deleted attribute: want exit 105\n%v", r)
	}
	l.ok(n[0], "crm_attribute", "--type", "crm_config", "--name", "cluster-recheck-interval", "--update", "5min")
	if r := l.ok(n[1], "crm_attribute", "--type", "crm_config", "--name", "cluster-recheck-interval", "--query", "--quiet"); r.stdout != "5min\n" {
		t.Errorf("crm_config attribute: %q", r.stdout)
	}
	// Transient: attrd_updater on a node sets its own attribute.
	l.ok(n[1], "attrd_updater", "--name", "pingd", "--update", "100")
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := l.run(n[2], "attrd_updater", "--name", "pingd", "--query", "--node", n[1])
		if r.code == 0 && strings.Contains(r.stdout, `value="100"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("attrd_updater --query from %s:\n%v", n[2], r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := l.ok(n[0], "crm_attribute", "--node", n[1], "--name", "pingd", "--lifetime", "reboot", "--query", "--quiet"); r.stdout != "100\n" {
		t.Errorf("crm_attribute -l reboot reads attrd_updater's value: %q", r.stdout)
	}
	l.ok(n[1], "attrd_updater", "--name", "pingd", "--delete")
	deadline = time.Now().Add(10 * time.Second)
	for {
		r := l.run(n[0], "crm_attribute", "--node", n[1], "--name", "pingd", "--lifetime", "reboot", "--query")
		if r.code == 105 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("attribute still there after attrd_updater --delete:\n%v", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// verifyAndSimulate checks the live configuration and asks crm_simulate
// about the live state: nothing to do, everything where crm_mon says.
func verifyAndSimulate(t *testing.T, l *live) {
	n := l.c.Names
	if r := l.run(n[0], "crm_verify", "-L"); r.code != 0 || r.stdout != "" {
		t.Errorf("crm_verify -L on a valid cluster:\n%v", r)
	}
	if r := l.run(n[1], "crm_verify", "-L", "-V"); r.code != 0 {
		t.Errorf("crm_verify -L -V:\n%v", r)
	}
	m := l.mon(n[2])
	r := l.ok(n[2], "crm_simulate", "-L")
	if !strings.Contains(r.stdout, "Online: [ "+strings.Join(n, " ")+" ]") {
		t.Errorf("crm_simulate -L does not show all nodes online:\n%s", r.stdout)
	}
	for _, id := range []string{"solo", "ga", "gb"} {
		if want := fmt.Sprintf("%s\t(ocf:pacer:Dummy):\t Started %s", id, m.where(id)); !strings.Contains(r.stdout, want) {
			t.Errorf("crm_simulate -L lacks %q:\n%s", want, r.stdout)
		}
	}
	if sum, _, _ := strings.Cut(after(r.stdout, "Transition Summary:"), "Executing"); strings.TrimSpace(sum) != "" {
		t.Errorf("crm_simulate -L plans actions on a settled cluster:\n%s", r.stdout)
	}
}

func after(s, sep string) string {
	_, a, _ := strings.Cut(s, sep)
	return a
}

// membershipLive checks crm_node on every node, then with one node cut off.
func membershipLive(t *testing.T, l *live) {
	n := l.c.Names
	var list strings.Builder
	for i, name := range n {
		fmt.Fprintf(&list, "%d %s member\n", i+1, name)
	}
	for i, node := range n {
		if r := l.ok(node, "crm_node", "-n"); r.stdout != node+"\n" {
			t.Errorf("crm_node -n on %s: %q", node, r.stdout)
		}
		if r := l.ok(node, "crm_node", "-i"); r.stdout != fmt.Sprintf("%d\n", i+1) {
			t.Errorf("crm_node -i on %s: %q", node, r.stdout)
		}
		if r := l.ok(node, "crm_node", "-l"); r.stdout != list.String() {
			t.Errorf("crm_node -l on %s: %q, want %q", node, r.stdout, list.String())
		}
		if r := l.ok(node, "crm_node", "-p"); r.stdout != strings.Join(n, " ")+"\n" {
			t.Errorf("crm_node -p on %s: %q", node, r.stdout)
		}
		if r := l.ok(node, "crm_node", "-q"); r.stdout != "1\n" {
			t.Errorf("crm_node -q on %s: %q", node, r.stdout)
		}
	}
	// Cut the last node off: it is alone and without quorum, the others
	// see it lost.
	cut := n[2]
	l.net.Cut(cut)
	rest := n[:2]
	if _, err := l.c.Agree(rest, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, q := l.ok(cut, "crm_node", "-p"), l.ok(cut, "crm_node", "-q")
		if p.stdout == cut+"\n" && q.stdout == "0\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("cut-off %s: crm_node -p %q, -q %q", cut, p.stdout, q.stdout)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := fmt.Sprintf("1 %s member\n2 %s member\n3 %s lost\n", n[0], n[1], cut)
	if r := l.ok(n[0], "crm_node", "-l"); r.stdout != want {
		t.Errorf("crm_node -l with %s cut off: %q, want %q", cut, r.stdout, want)
	}
	if r := l.ok(n[1], "crm_node", "-p"); r.stdout != strings.Join(rest, " ")+"\n" {
		t.Errorf("crm_node -p on the majority: %q", r.stdout)
	}
	l.net.Heal(cut)
	l.c.WaitAgree(n, 20*time.Second)
}
