package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/controller/cibmodel"
	"github.com/pacer-ha/pacer/crmmon"
	"github.com/pacer-ha/pacer/internal/netcluster"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/transition"
)

func TestWithBootstrap(t *testing.T) {
	doc := []byte(`<cib admin_epoch="0" epoch="3" num_updates="7"><configuration><crm_config>` +
		`<cluster_property_set id="opts"><nvpair id="o-dc" name="dc-version" value="old"/></cluster_property_set>` +
		`</crm_config><nodes/><resources/><constraints/></configuration><status/></cib>`)
	vals := [][2]string{{"dc-version", "pacer-x"}, {"cluster-infrastructure", "pacer"}}
	out, err := withBootstrap(doc, vals)
	if err != nil {
		t.Fatal(err)
	}
	x := etree.NewDocument()
	if err := x.ReadFromBytes(out); err != nil {
		t.Fatal(err)
	}
	if got := x.Root().SelectAttrValue("epoch", ""); got != "4" {
		t.Errorf("epoch %s, want 4", got)
	}
	if n := len(x.FindElements("//nvpair[@name='dc-version']")); n != 1 {
		t.Errorf("%d dc-version nvpairs, want the existing one updated", n)
	}
	if v := x.FindElement("//nvpair[@id='o-dc']").SelectAttrValue("value", ""); v != "pacer-x" {
		t.Errorf("dc-version %q", v)
	}
	if e := x.FindElement("//cluster_property_set[@id='cib-bootstrap-options']/nvpair[@name='cluster-infrastructure']"); e == nil ||
		e.SelectAttrValue("id", "") != "cib-bootstrap-options-cluster-infrastructure" {
		t.Errorf("cluster-infrastructure not added to cib-bootstrap-options:\n%s", out)
	}
	// Unchanged: nothing to write.
	if again, err := withBootstrap(out, vals); err != nil || again != nil {
		t.Errorf("second write: %v, %s", err, again)
	}
}

// currentDCLine is the "Current DC:" line of crm_mon -1 output.
func currentDCLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Current DC:") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// TestDCWritesItsVersion: the DC records dc-version and
// cluster-infrastructure, and crm_mon shows them as Pacemaker's does on
// the same CIB.
func TestDCWritesItsVersion(t *testing.T) {
	names := []string{"alpha", "beta"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.Start(n)
	}
	dc := c.WaitAgree(names, 15*time.Second)
	var doc []byte
	var cl *cluster.Cluster
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if _, doc, err = netcluster.Status(c.Nodes["beta"].Sock); err != nil {
			t.Fatal(err)
		}
		x := etree.NewDocument()
		if err := x.ReadFromBytes(doc); err != nil {
			t.Fatal(err)
		}
		if cl, err = cluster.Unpack(x.Root(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if cl.Properties.DCVersion() != "" && cl.Properties.ClusterInfrastructure() != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dc-version/cluster-infrastructure in the CIB:\n%s", doc)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v := cl.Properties.DCVersion(); !strings.HasPrefix(v, "pacer-") {
		t.Errorf("dc-version %q", v)
	}
	if v := cl.Properties.ClusterInfrastructure(); v != "pacer" {
		t.Errorf("cluster-infrastructure %q", v)
	}
	if v, _ := cl.Properties.Get("cluster-name"); v != "test" {
		t.Errorf("cluster-name %q", v)
	}
	var ours bytes.Buffer
	if err := crmmon.Render(&ours, cl, crmmon.Header{Stack: "pacer", Now: time.Now()}, crmmon.Options{}); err != nil {
		t.Fatal(err)
	}
	line := currentDCLine(ours.String())
	want := "* Current DC: " + dc + " (version " + cl.Properties.DCVersion() + ") - partition with quorum"
	if line != want {
		t.Errorf("crm_mon: %q, want %q", line, want)
	}
	// Pacemaker's crm_mon reads the same CIB the same way.
	oracle, err := exec.LookPath("/usr/sbin/crm_mon")
	if err != nil {
		t.Logf("no Pacemaker crm_mon to compare with: %v", err)
		return
	}
	f := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(oracle, "-1")
	cmd.Env = append(os.Environ(), "CIB_file="+f)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Pacemaker's crm_mon -1: %v\n%s", err, out)
	}
	if got := currentDCLine(string(out)); got != line {
		t.Errorf("Pacemaker's crm_mon says %q, ours %q", got, line)
	}
}

func TestFailAttrsOf(t *testing.T) {
	doc := []byte(`<cib><status>
<node_state id="1"><transient_attributes id="1"><instance_attributes id="status-1">
  <nvpair id="a" name="fail-count-d#monitor_2000" value="1"/>
  <nvpair id="b" name="last-failure-d#monitor_2000" value="17"/>
  <nvpair id="c" name="fail-count-d#start_0" value="INFINITY"/>
  <nvpair id="d" name="fail-count-dd#start_0" value="1"/>
  <nvpair id="e" name="fail-count-c:1#monitor_10000" value="1"/>
  <nvpair id="f" name="fail-count-c#monitor_10000" value="1"/>
  <nvpair id="g" name="pingd" value="1"/>
</instance_attributes></transient_attributes></node_state>
<node_state id="2"><transient_attributes id="2"><instance_attributes id="status-2">
  <nvpair id="h" name="fail-count-d#start_0" value="1"/>
</instance_attributes></transient_attributes></node_state>
</status></cib>`)
	got := failAttrsOf(doc, 1, &transition.Primitive{ID: "d"})
	want := []string{"fail-count-d#monitor_2000", "fail-count-d#start_0", "last-failure-d#monitor_2000"}
	if !slices.Equal(got, want) {
		t.Errorf("d on node 1: %v, want %v", got, want)
	}
	// An anonymous clone instance: every instance number shares the count.
	got = failAttrsOf(doc, 1, &transition.Primitive{ID: "c", LongID: "c:0"})
	if want := []string{"fail-count-c#monitor_10000", "fail-count-c:1#monitor_10000"}; !slices.Equal(got, want) {
		t.Errorf("c:0 on node 1: %v, want %v", got, want)
	}
	// An instance named as pengine's graphs do ("c:0", no long id): its own
	// count and one recorded under the base name.
	if got, want := failAttrsOf(doc, 1, &transition.Primitive{ID: "c:0"}), []string{"fail-count-c#monitor_10000"}; !slices.Equal(got, want) {
		t.Errorf("c:0: %v, want %v", got, want)
	}
}

// others lists names without x.
func others(names []string, x string) []string {
	var out []string
	for _, n := range names {
		if n != x {
			out = append(out, n)
		}
	}
	return out
}

// sigterm sends SIGTERM to a node's crmd and waits for it to exit; it
// returns the exit code, how long it took and which nodes had d's Dummy
// state file (the agent's own truth) at the moment crmd exited.
func sigterm(c *netcluster.Cluster, t *testing.T, name, rsc string, within time.Duration) (code int, took time.Duration, runningAtExit []string) {
	t.Helper()
	n := c.Nodes[name]
	done := make(chan struct{})
	go func() { n.Cmd().Wait(); close(done) }()
	start := time.Now()
	n.Cmd().Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(within):
		n.Cmd().Process.Kill()
		<-done
		n.Forget()
		t.Fatalf("%s's crmd did not exit within %v of SIGTERM", name, within)
	}
	took = time.Since(start)
	for _, x := range c.Names {
		if _, err := os.Stat(stateFile(c, x, rsc)); err == nil {
			runningAtExit = append(runningAtExit, x)
		}
	}
	code = n.Cmd().ProcessState.ExitCode()
	n.Forget()
	return code, took, runningAtExit
}

// checkCleanLeave checks, on a survivor's CIB, that left is offline but
// not unclean and that rsc has no failures anywhere; and that the
// survivors' logs saw a leave, not a failure.
func checkCleanLeave(c *netcluster.Cluster, t *testing.T, survivor, left, rsc string) {
	t.Helper()
	_, doc, err := netcluster.Status(c.Nodes[survivor].Sock)
	if err != nil {
		t.Fatal(err)
	}
	x := etree.NewDocument()
	if err := x.ReadFromBytes(doc); err != nil {
		t.Fatal(err)
	}
	cl, err := cluster.Unpack(x.Root(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n := cl.NodeByName[left]; n == nil || n.Online || n.Unclean {
		t.Errorf("%s's view of %s after its graceful leave: %+v", survivor, left, n)
	}
	if r := cl.ByID[rsc]; r != nil {
		for _, st := range r.StatusOrder {
			if st.Failed || len(st.Failures()) > 0 || st.FailCount > 0 {
				t.Errorf("%s has failures after the graceful leave: %+v", rsc, st)
			}
		}
	}
	for _, s := range others(c.Names, left) {
		b, _ := os.ReadFile(c.Nodes[s].Log)
		if bytes.Contains(b, []byte(`msg="node failed" node=`+s+` peer=`+left)) {
			t.Errorf("%s saw %s fail, not leave", s, left)
		}
	}
}

// TestGracefulLeave: SIGTERM to the crmd of the node running a resource
// moves the resource away first (it runs elsewhere when crmd exits, with
// exit code 0), for a node that is not the DC and for the DC; the others
// see a clean leave. A node in standby stops at once.
func TestGracefulLeave(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three crmds with real agents")
	}
	toolBinary(t, "crm") // before the crmds run (see TestCleanupSticks)
	names := []string{"n1", "n2", "n3"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.Start(n)
	}
	dc := c.WaitAgree(names, 15*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := configureDummy(ctx, c.Nodes[dc].Sock, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := waitRunning(c, names, "d", names, true, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, leaveDC := range []bool{false, true} {
		st, _, err := netcluster.Status(c.Nodes[names[0]].Sock)
		if err != nil {
			t.Fatal(err)
		}
		x := others(names, st.DC)[0]
		if leaveDC {
			x = st.DC
		}
		if err := preferNode(ctx, c.Nodes[st.DC].Sock, "d", x); err != nil {
			t.Fatal(err)
		}
		if _, err := waitRunning(c, names, "d", []string{x}, true, 15*time.Second); err != nil {
			t.Fatalf("moving d to %s: %v", x, err)
		}
		code, took, at := sigterm(c, t, x, "d", 30*time.Second)
		t.Logf("SIGTERM to %s (DC: %v): exit %d after %v; d's agent running on %v at that moment", x, leaveDC, code, took.Round(time.Millisecond), at)
		if os.Getenv("CRMD_TEST_TIMELINE") != "" {
			b, _ := os.ReadFile(c.Nodes[x].Log)
			t.Logf("--- %s ---\n%s", x, netcluster.Tail(string(b), 15))
		}
		if code != 0 {
			t.Errorf("%s's crmd exit code %d, want 0", x, code)
		}
		if len(at) != 1 || at[0] == x {
			t.Errorf("when %s's crmd exited d ran on %v, want exactly one other node", x, at)
		}
		rest := others(names, x)
		if _, err := waitRunning(c, rest, "d", rest, true, 15*time.Second); err != nil {
			t.Fatalf("after %s left: %v", x, err)
		}
		c.WaitAgree(rest, 10*time.Second)
		checkCleanLeave(c, t, rest[0], x, "d")
		if b, _ := os.ReadFile(c.Nodes[x].Log); !bytes.Contains(b, []byte("the DC let this node go")) {
			t.Errorf("%s's log does not show the DC's do_shutdown", x)
		}
		// The location constraint goes: the node comes back, d stays.
		b, err := ipc.DialBackend(ctx, c.Nodes[rest[0]].Sock)
		if err != nil {
			t.Fatal(err)
		}
		err = b.Update(ctx, func(cb *cib.CIB) error {
			return cb.DeleteXPath(fmt.Sprintf("//rsc_location[@id='d-prefers-%s']", x), true)
		})
		b.Close()
		if err != nil {
			t.Fatal(err)
		}
		c.Start(x)
		c.WaitAgree(names, 15*time.Second)
	}

	// crm node standby, then stop: the node runs nothing, so it goes at once.
	st, _, err := netcluster.Status(c.Nodes[names[0]].Sock)
	if err != nil {
		t.Fatal(err)
	}
	on, err := waitRunning(c, names, "d", names, true, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := tool(c, t, st.DC, "crm", "node", "standby", on); err != nil {
		t.Fatalf("crm node standby %s: %v\n%s", on, err, out)
	}
	rest := others(names, on)
	if _, err := waitRunning(c, names, "d", rest, true, 15*time.Second); err != nil {
		t.Fatalf("standby %s: %v", on, err)
	}
	code, took, at := sigterm(c, t, on, "d", 30*time.Second)
	t.Logf("SIGTERM to %s in standby: exit %d after %v", on, code, took.Round(time.Millisecond))
	if code != 0 || len(at) != 1 || at[0] == on {
		t.Errorf("standby %s stopped with exit %d, d running on %v", on, code, at)
	}
	c.WaitAgree(rest, 10*time.Second)
	checkCleanLeave(c, t, rest[0], on, "d")
}

// TestForcedShutdown: when the node's resources cannot be moved away in
// time, shutdown-escalation ends crmd anyway (exit 124, Timeout), naming
// what may still run there; so does a second SIGTERM (exit 1).
func TestForcedShutdown(t *testing.T) {
	c, names, dc := startThree(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Every action of "slow" takes 3 s: its stop outlasts the 1 s escalation.
	if err := configure(ctx, c.Nodes[dc].Sock, `<nvpair id="opts-esc" name="shutdown-escalation" value="1s"/>`,
		`<primitive id="slow" class="ocf" provider="pacer" type="Dummy">`+
			`<instance_attributes id="slow-ia"><nvpair id="slow-sleep" name="op_sleep" value="3"/></instance_attributes></primitive>`); err != nil {
		t.Fatal(err)
	}
	on, err := waitRunning(c, names, "slow", names, true, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	code, took, _ := sigterm(c, t, on, "slow", 20*time.Second)
	t.Logf("SIGTERM to %s with a 3 s stop and shutdown-escalation=1s: exit %d after %v", on, code, took.Round(time.Millisecond))
	if code != 124 {
		t.Errorf("exit code %d, want 124 (Timeout)", code)
	}
	if b, _ := os.ReadFile(c.Nodes[on].Log); !bytes.Contains(b, []byte("shutdown-escalation (1s) passed")) || !bytes.Contains(b, []byte("active=slow")) {
		t.Errorf("%s's log does not explain the forced exit:\n%s", on, netcluster.Tail(string(b), 10))
	}
	rest := others(names, on)
	next, err := waitRunning(c, rest, "slow", rest, true, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Start(on)
	c.WaitAgree(names, 15*time.Second)
	if _, err := waitRunning(c, names, "slow", []string{next}, true, 30*time.Second); err != nil {
		t.Fatal(err)
	}

	// A second signal does not wait for the escalation.
	n := c.Nodes[next]
	done := make(chan struct{})
	go func() { n.Cmd().Wait(); close(done) }()
	start := time.Now()
	n.Cmd().Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	n.Cmd().Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("no exit after a second SIGTERM")
	}
	code = n.Cmd().ProcessState.ExitCode()
	n.Forget()
	t.Logf("two SIGTERMs to %s: exit %d after %v", next, code, time.Since(start).Round(time.Millisecond))
	if code != 1 {
		t.Errorf("exit code %d after a second SIGTERM, want 1", code)
	}
	if b, _ := os.ReadFile(c.Nodes[next].Log); !bytes.Contains(b, []byte("stopped by a second signal")) {
		t.Errorf("%s's log does not explain the forced exit:\n%s", next, netcluster.Tail(string(b), 10))
	}
}

var (
	toolMu   sync.Mutex
	toolBins = map[string]string{}
)

// toolBinary builds one of Pacer's tools (cmd/NAME) next to the test's crmd.
func toolBinary(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Dir(crmdBinary(t))
	toolMu.Lock()
	defer toolMu.Unlock()
	if p, ok := toolBins[name]; ok {
		return p
	}
	p := filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", p, "../"+name).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	toolBins[name] = p
	return p
}

// tool runs one of Pacer's tools against a node's crmd.
func tool(c *netcluster.Cluster, t *testing.T, node, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(toolBinary(t, name), args...)
	cmd.Env = append(os.Environ(), "PACER_SOCKET="+c.Nodes[node].Sock, "CIB_file=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// failuresOf reads, from crm_mon --output-as=xml on a node, the failed
// actions of rsc and its fail counts.
func failuresOf(c *netcluster.Cluster, t *testing.T, node, rsc string) (failures []string) {
	t.Helper()
	out, err := tool(c, t, node, "crm_mon", "--output-as=xml")
	if err != nil {
		t.Fatalf("crm_mon --output-as=xml on %s: %v\n%s", node, err, out)
	}
	x := etree.NewDocument()
	if err := x.ReadFromString(out); err != nil {
		t.Fatalf("crm_mon XML: %v\n%s", err, out)
	}
	for _, f := range x.FindElements("//failures/failure") {
		// Pacemaker's attribute is op_key; Pacer's crm_mon writes id.
		key := f.SelectAttrValue("op_key", f.SelectAttrValue("id", ""))
		if strings.HasPrefix(key, rsc+"_") {
			failures = append(failures, "failed "+key+" on "+f.SelectAttrValue("node", ""))
		}
	}
	for _, h := range x.FindElements("//node_history/node/resource_history[@id='" + rsc + "']") {
		if fc := h.SelectAttrValue("fail-count", "0"); fc != "0" {
			failures = append(failures, "fail-count "+fc+" on "+h.Parent().SelectAttrValue("name", ""))
		}
	}
	return failures
}

// failMonitor removes d's state file on node and waits until the monitor
// failure is counted and d is recovered in place.
func failMonitor(c *netcluster.Cluster, t *testing.T, node, rsc string) {
	t.Helper()
	if err := os.Remove(stateFile(c, node, rsc)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, doc, err := netcluster.Status(c.Nodes[node].Sock)
		if err != nil {
			t.Fatal(err)
		}
		v, ok, _ := cibmodel.Attribute(doc, c.IDs(), node, "fail-count-"+rsc+"#monitor_2000")
		on, idle, err := runningOn(doc, rsc)
		if err != nil {
			t.Fatal(err)
		}
		if ok && v != "" && idle && slices.Equal(on, []string{node}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitor failure of %s on %s not counted and recovered: fail-count %q, on %v, idle %v", rsc, node, v, on, idle)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCleanupSticks: a failure cleaned up with crm_resource (--cleanup
// with --node/--operation, --cleanup alone, --refresh) stays gone when
// the DC's crmd is killed and the next DC rebuilds the status from the
// nodes' executors.
func TestCleanupSticks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three crmds with real agents")
	}
	// Built first: a build next to running crmds can starve them into
	// false failure detections on a small machine.
	for _, tl := range []string{"crm_resource", "crm_mon", "crm_failcount"} {
		toolBinary(t, tl)
	}
	names := []string{"n1", "n2", "n3"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.Start(n)
	}
	dc := c.WaitAgree(names, 15*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := configureDummy(ctx, c.Nodes[dc].Sock, "d"); err != nil {
		t.Fatal(err)
	}
	for round, args := range [][]string{
		{"--cleanup", "-r", "d", "--node", "NODE", "--operation", "monitor", "--interval", "2s"},
		{"--cleanup", "-r", "d"},
		{"--refresh"},
	} {
		st, _, err := netcluster.Status(c.Nodes[names[0]].Sock)
		if err != nil {
			t.Fatal(err)
		}
		// d runs on a node that is not the DC (killing the DC must not
		// take the node's executor history with it).
		x := others(names, st.DC)[round%2]
		b, err := ipc.DialBackend(ctx, c.Nodes[st.DC].Sock)
		if err != nil {
			t.Fatal(err)
		}
		err = b.Update(ctx, func(cb *cib.CIB) error { return cb.DeleteXPath("//rsc_location[@rsc='d']", true) })
		b.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := preferNode(ctx, c.Nodes[st.DC].Sock, "d", x); err != nil {
			t.Fatal(err)
		}
		if _, err := waitRunning(c, names, "d", []string{x}, true, 15*time.Second); err != nil {
			t.Fatal(err)
		}
		failMonitor(c, t, x, "d")
		if f := failuresOf(c, t, x, "d"); len(f) == 0 {
			t.Fatalf("round %d: crm_mon shows no failure of d after the monitor failed", round)
		}
		for i := range args {
			if args[i] == "NODE" {
				args[i] = x
			}
		}
		// Through a node that is neither the DC nor x.
		via := others(others(names, st.DC), x)[0]
		if out, err := tool(c, t, via, "crm_resource", args...); err != nil {
			t.Fatalf("round %d: crm_resource %v: %v\n%s", round, args, err, out)
		}
		if f := failuresOf(c, t, x, "d"); len(f) > 0 {
			t.Fatalf("round %d: after crm_resource %v: %v", round, args, f)
		}
		// A cleanup that deletes d's history on x makes the scheduler probe
		// it there (it finds d running) and run its monitor again; then the
		// cluster is idle (issue #5: the DC asked for the monitor forever).
		if _, err := waitRunning(c, []string{st.DC}, "d", []string{x}, true, 15*time.Second); err != nil {
			t.Fatalf("round %d: after crm_resource %v: %v", round, args, err)
		}
		_, doc, err := netcluster.Status(c.Nodes[st.DC].Sock)
		if err != nil {
			t.Fatal(err)
		}
		if last, mon := callID(doc, x, "d_last_0"), callID(doc, x, "d_monitor_2000"); last < 0 || mon <= last {
			t.Errorf("round %d: after crm_resource %v, d's monitor on %s is not recorded after its last operation:%s", round, args, x, history(doc, "d"))
		}
		if b, _ := os.ReadFile(c.Nodes[st.DC].Log); bytes.Contains(b, []byte("repeats the transition")) {
			t.Errorf("round %d: DC %s repeated a transition", round, st.DC)
		}
		// The DC changes: every node's status is rebuilt from its executor.
		c.Kill(st.DC)
		rest := others(names, st.DC)
		c.WaitAgree(rest, 10*time.Second)
		if _, err := waitRunning(c, rest, "d", []string{x}, true, 15*time.Second); err != nil {
			t.Fatalf("round %d: after killing DC %s: %v", round, st.DC, err)
		}
		waitRefreshed(c, t, rest, x)
		for _, n := range rest {
			if f := failuresOf(c, t, n, "d"); len(f) > 0 {
				t.Errorf("round %d: crm_resource %v, then DC %s killed: %s shows %v", round, args, st.DC, n, f)
			}
		}
		out, err := tool(c, t, rest[0], "crm_failcount", "--query", "-r", "d", "-N", x)
		_, doc, _ = netcluster.Status(c.Nodes[rest[0]].Sock)
		t.Logf("round %d: crm_resource %v; DC %s killed; crm_failcount: %s; d's history:%s", round, args, st.DC, strings.TrimSpace(out), history(doc, "d"))
		if err != nil || !strings.Contains(out, "value=0") {
			t.Errorf("round %d: crm_failcount after the DC change: %v %s", round, err, out)
		}
		c.Start(st.DC)
		c.WaitAgree(names, 15*time.Second)
	}
}

// callID is the call-id of node's operation record id in doc, -1 if none.
func callID(doc []byte, node, id string) int {
	x := etree.NewDocument()
	if err := x.ReadFromBytes(doc); err != nil {
		return -1
	}
	op := x.FindElement("//node_state[@uname='" + node + "']//lrm_rsc_op[@id='" + id + "']")
	if op == nil {
		return -1
	}
	n, err := strconv.Atoi(op.SelectAttrValue("call-id", ""))
	if err != nil {
		return -1
	}
	return n
}

// waitRefreshed waits until the DC among nodes has rebuilt node x's status
// from x's executor (its log says so after it became DC).
func waitRefreshed(c *netcluster.Cluster, t *testing.T, nodes []string, x string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, _, err := netcluster.Status(c.Nodes[nodes[0]].Sock)
		if err == nil && st.DC != "" {
			b, _ := os.ReadFile(c.Nodes[st.DC].Log)
			i := bytes.LastIndex(b, []byte(`msg="DC elected" node=`+st.DC+` dc=`+st.DC))
			if i >= 0 && (x == st.DC || bytes.Contains(b[i:], []byte(`msg="operation history refreshed from the node's executor" node=`+st.DC+` peer=`+x))) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the DC did not refresh %s's history", x)
}

func TestRemovedAndForgottenHistory(t *testing.T) {
	before := []byte(`<cib><status>
<node_state id="1"><lrm id="1"><lrm_resources>
  <lrm_resource id="d"><lrm_rsc_op id="d_last_0" call-id="8"/><lrm_rsc_op id="d_last_failure_0" call-id="5"/><lrm_rsc_op id="d_monitor_2000" call-id="9"/></lrm_resource>
  <lrm_resource id="e"><lrm_rsc_op id="e_last_0" call-id="3"/></lrm_resource>
</lrm_resources></lrm></node_state>
<node_state id="2"><lrm id="2"><lrm_resources>
  <lrm_resource id="d"><lrm_rsc_op id="d_last_0" call-id="2"/></lrm_resource>
</lrm_resources></lrm></node_state>
</status></cib>`)
	after := []byte(`<cib><status>
<node_state id="1"><lrm id="1"><lrm_resources>
  <lrm_resource id="d"><lrm_rsc_op id="d_last_0" call-id="8"/><lrm_rsc_op id="d_monitor_2000" call-id="9"/></lrm_resource>
</lrm_resources></lrm></node_state>
<node_state id="2"><lrm id="2"><lrm_resources>
  <lrm_resource id="d"><lrm_rsc_op id="d_last_0" call-id="2"/></lrm_resource>
</lrm_resources></lrm></node_state>
</status></cib>`)
	dels, err := removedHistory(before, after, map[string]string{"1": "a", "2": "b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(dels) != 1 || dels["a"] == nil {
		t.Fatalf("deletions %v, want node a only", dels)
	}
	// Node a's executor history meanwhile recorded a newer e_last_0.
	hist := etree.NewDocument()
	if err := hist.ReadFromString(`<lrm_resources>
  <lrm_resource id="d"><lrm_rsc_op id="d_last_0" call-id="8"/><lrm_rsc_op id="d_last_failure_0" call-id="5"/><lrm_rsc_op id="d_monitor_2000" call-id="9"/></lrm_resource>
  <lrm_resource id="e"><lrm_rsc_op id="e_last_0" call-id="11"/></lrm_resource>
</lrm_resources>`); err != nil {
		t.Fatal(err)
	}
	n, err := forgetHistory(hist.Root(), dels["a"])
	if err != nil || n != 1 {
		t.Fatalf("forgot %d (%v), want 1 (e_last_0 is newer than the cleaned one)", n, err)
	}
	var left []string
	for _, op := range hist.FindElements("//lrm_rsc_op") {
		left = append(left, op.SelectAttrValue("id", ""))
	}
	if want := []string{"d_last_0", "d_monitor_2000", "e_last_0"}; !slices.Equal(left, want) {
		t.Errorf("history keeps %v, want %v", left, want)
	}
	// The same deletion with the old call-id: the resource goes entirely.
	hist.FindElement("//lrm_rsc_op[@id='e_last_0']").CreateAttr("call-id", "3")
	if n, _ := forgetHistory(hist.Root(), dels["a"]); n != 1 || hist.FindElement("//lrm_resource[@id='e']") != nil {
		t.Errorf("e not forgotten: %d", n)
	}
}

// TestFailureTimeoutRecheck: with failure-timeout=5s and
// migration-threshold=1 a monitor failure moves d away from x and bans it
// there; about 5 s later, with nothing else happening, the DC schedules
// again (the scheduler's recheck-by; cluster-recheck-interval is 15 min):
// d goes back to x, which it prefers, and the fail count is cleared
// (clear_failcount).
func TestFailureTimeoutRecheck(t *testing.T) {
	c, names, dc := startThree(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := configure(ctx, c.Nodes[dc].Sock, "", `<primitive id="d" class="ocf" provider="pacer" type="Dummy">
  <meta_attributes id="d-meta"><nvpair id="d-ft" name="failure-timeout" value="5s"/><nvpair id="d-mt" name="migration-threshold" value="1"/></meta_attributes>
  <operations><op id="d-mon" name="monitor" interval="2s" timeout="10s"/></operations></primitive>`); err != nil {
		t.Fatal(err)
	}
	x, err := waitRunning(c, names, "d", names, true, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(stateFile(c, x, "d")); err != nil {
		t.Fatal(err)
	}
	y, err := waitRunning(c, names, "d", others(names, x), true, 15*time.Second)
	if err != nil {
		t.Fatalf("after the monitor failure on %s: %v", x, err)
	}
	_, doc, err := netcluster.Status(c.Nodes[dc].Sock)
	if err != nil {
		t.Fatal(err)
	}
	lf, ok, _ := cibmodel.Attribute(doc, c.IDs(), x, "last-failure-d#monitor_2000")
	fc, _, _ := cibmodel.Attribute(doc, c.IDs(), x, "fail-count-d#monitor_2000")
	if !ok || fc != "1" {
		t.Fatalf("fail-count %q, last-failure %q on %s", fc, lf, x)
	}
	failedAt, err := strconv.ParseInt(lf, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	// d prefers x from now on, but x is banned until the failure expires.
	if err := preferNode(ctx, c.Nodes[dc].Sock, "d", x); err != nil {
		t.Fatal(err)
	}
	if _, err := waitRunning(c, names, "d", []string{y}, true, 5*time.Second); err != nil {
		t.Fatalf("d left %s before its failure expired: %v", y, err)
	}
	if _, err := waitRunning(c, names, "d", []string{x}, true, 20*time.Second); err != nil {
		t.Fatalf("d did not return to %s after failure-timeout: %v", x, err)
	}
	back := time.Since(time.Unix(failedAt, 0))
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, doc, err := netcluster.Status(c.Nodes[x].Sock)
		if err != nil {
			t.Fatal(err)
		}
		_, fcSet, _ := cibmodel.Attribute(doc, c.IDs(), x, "fail-count-d#monitor_2000")
		_, lfSet, _ := cibmodel.Attribute(doc, c.IDs(), x, "last-failure-d#monitor_2000")
		if !fcSet && !lfSet {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fail-count/last-failure of d on %s not cleared (%v %v)", x, fcSet, lfSet)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("monitor failure on %s at %s; d moved to %s; back on %s and fail count cleared %v after the failure (failure-timeout 5s)",
		x, time.Unix(failedAt, 0).UTC().Format("15:04:05"), y, x, back.Round(100*time.Millisecond))
	if back < 5*time.Second || back > 12*time.Second {
		t.Errorf("d came back %v after the failure, want about 5-7 s", back)
	}
	if b, _ := os.ReadFile(c.Nodes[dcOf(t, c, names)].Log); !bytes.Contains(b, []byte("cleared the fail count")) {
		t.Errorf("the DC's log has no clear_failcount")
	}
}

// dcOf is the current DC.
func dcOf(t *testing.T, c *netcluster.Cluster, names []string) string {
	t.Helper()
	st, _, err := netcluster.Status(c.Nodes[names[0]].Sock)
	if err != nil {
		t.Fatal(err)
	}
	return st.DC
}

func TestHoldShutdowns(t *testing.T) {
	doc, err := os.ReadFile("../../pengine/testdata/shutdown.xml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := scheduleGraph(doc)
	if err != nil {
		t.Fatal(err)
	}
	var sd *transition.Action
	for _, a := range g.Actions {
		if a.Operation == "do_shutdown" {
			sd = a
		}
	}
	if sd == nil {
		t.Fatal("no do_shutdown in the graph")
	}
	var waits []string
	for _, id := range sd.Synapse.Inputs {
		waits = append(waits, g.Actions[id].Key+"@"+g.Actions[id].Node)
	}
	slices.Sort(waits)
	// The scheduler orders it after the stop; crmd adds the start (and its
	// monitor) elsewhere.
	if want := []string{"d_monitor_2000@n2", "d_start_0@n2", "d_stop_0@n1"}; !slices.Equal(waits, want) {
		t.Errorf("do_shutdown waits for %v, want %v", waits, want)
	}
}
