package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmmon"
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
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	var doc []byte
	var cl *cluster.Cluster
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if _, doc, err = status(c.nodes["beta"].sock); err != nil {
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
	// A unique clone instance is its own.
	if got := failAttrsOf(doc, 1, &transition.Primitive{ID: "c:0"}); len(got) != 0 {
		t.Errorf("unique c:0: %v", got)
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
func (c *testCluster) sigterm(t *testing.T, name, rsc string, within time.Duration) (code int, took time.Duration, runningAtExit []string) {
	t.Helper()
	n := c.nodes[name]
	done := make(chan struct{})
	go func() { n.cmd.Wait(); close(done) }()
	start := time.Now()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(within):
		n.cmd.Process.Kill()
		<-done
		n.cmd = nil
		t.Fatalf("%s's crmd did not exit within %v of SIGTERM", name, within)
	}
	took = time.Since(start)
	for _, x := range c.names {
		if _, err := os.Stat(c.stateFile(x, rsc)); err == nil {
			runningAtExit = append(runningAtExit, x)
		}
	}
	code = n.cmd.ProcessState.ExitCode()
	n.cmd = nil
	return code, took, runningAtExit
}

// checkCleanLeave checks, on a survivor's CIB, that left is offline but
// not unclean and that rsc has no failures anywhere; and that the
// survivors' logs saw a leave, not a failure.
func (c *testCluster) checkCleanLeave(t *testing.T, survivor, left, rsc string) {
	t.Helper()
	_, doc, err := status(c.nodes[survivor].sock)
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
		for node, st := range r.Status {
			if st.Failed || len(st.Failures) > 0 || st.FailCount > 0 {
				t.Errorf("%s has failures on %s after the graceful leave: %+v", rsc, node, st)
			}
		}
	}
	for _, s := range others(c.names, left) {
		b, _ := os.ReadFile(c.nodes[s].log)
		if bytes.Contains(b, []byte(`msg="node failed" node=`+s+` peer=`+left)) {
			t.Errorf("%s saw %s fail, not leave", s, left)
		}
	}
}

// setStandby puts a node in standby as crm node standby does (the node's
// permanent standby attribute).
func setStandby(ctx context.Context, sock string, node string, id int, on bool) error {
	b, err := ipc.DialBackend(ctx, sock)
	if err != nil {
		return err
	}
	defer b.Close()
	v := "off"
	if on {
		v = "on"
	}
	return b.Update(ctx, func(c *cib.CIB) error {
		x, err := cib.ParseElement([]byte(fmt.Sprintf(`<node id="%[1]d" uname="%[2]s"><instance_attributes id="nodes-%[1]d">`+
			`<nvpair id="nodes-%[1]d-standby" name="standby" value="%[3]s"/></instance_attributes></node>`, id, node, v)))
		if err != nil {
			return err
		}
		return c.Modify("nodes", x, true)
	})
}

// TestGracefulLeave: SIGTERM to the crmd of the node running a resource
// moves the resource away first (it runs elsewhere when crmd exits, with
// exit code 0), for a node that is not the DC and for the DC; the others
// see a clean leave. A node in standby stops at once.
func TestGracefulLeave(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three crmds with real agents")
	}
	names := []string{"n1", "n2", "n3"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := configureDummy(ctx, c.nodes[dc].sock, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.waitRunning(names, "d", names, true, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, leaveDC := range []bool{false, true} {
		st, _, err := status(c.nodes[names[0]].sock)
		if err != nil {
			t.Fatal(err)
		}
		x := others(names, st.DC)[0]
		if leaveDC {
			x = st.DC
		}
		if err := preferNode(ctx, c.nodes[st.DC].sock, "d", x); err != nil {
			t.Fatal(err)
		}
		if _, err := c.waitRunning(names, "d", []string{x}, true, 15*time.Second); err != nil {
			t.Fatalf("moving d to %s: %v", x, err)
		}
		code, took, at := c.sigterm(t, x, "d", 30*time.Second)
		t.Logf("SIGTERM to %s (DC: %v): exit %d after %v; d's agent running on %v at that moment", x, leaveDC, code, took.Round(time.Millisecond), at)
		if os.Getenv("CRMD_TEST_TIMELINE") != "" {
			b, _ := os.ReadFile(c.nodes[x].log)
			t.Logf("--- %s ---\n%s", x, tail(string(b), 15))
		}
		if code != 0 {
			t.Errorf("%s's crmd exit code %d, want 0", x, code)
		}
		if len(at) != 1 || at[0] == x {
			t.Errorf("when %s's crmd exited d ran on %v, want exactly one other node", x, at)
		}
		rest := others(names, x)
		if _, err := c.waitRunning(rest, "d", rest, true, 15*time.Second); err != nil {
			t.Fatalf("after %s left: %v", x, err)
		}
		c.waitAgree(rest, 10*time.Second)
		c.checkCleanLeave(t, rest[0], x, "d")
		if b, _ := os.ReadFile(c.nodes[x].log); !bytes.Contains(b, []byte("the DC let this node go")) {
			t.Errorf("%s's log does not show the DC's do_shutdown", x)
		}
		// The location constraint goes: the node comes back, d stays.
		b, err := ipc.DialBackend(ctx, c.nodes[rest[0]].sock)
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
		c.start(x)
		c.waitAgree(names, 15*time.Second)
	}

	// crm node standby, then stop: the node runs nothing, so it goes at once.
	st, _, err := status(c.nodes[names[0]].sock)
	if err != nil {
		t.Fatal(err)
	}
	on, err := c.waitRunning(names, "d", names, true, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := setStandby(ctx, c.nodes[st.DC].sock, on, c.ids()[on], true); err != nil {
		t.Fatal(err)
	}
	rest := others(names, on)
	if _, err := c.waitRunning(names, "d", rest, true, 15*time.Second); err != nil {
		t.Fatalf("standby %s: %v", on, err)
	}
	code, took, at := c.sigterm(t, on, "d", 30*time.Second)
	t.Logf("SIGTERM to %s in standby: exit %d after %v", on, code, took.Round(time.Millisecond))
	if code != 0 || len(at) != 1 || at[0] == on {
		t.Errorf("standby %s stopped with exit %d, d running on %v", on, code, at)
	}
	c.waitAgree(rest, 10*time.Second)
	c.checkCleanLeave(t, rest[0], on, "d")
}

// TestForcedShutdown: when the node's resources cannot be moved away in
// time, shutdown-escalation ends crmd anyway (exit 124, Timeout), naming
// what may still run there; so does a second SIGTERM (exit 1).
func TestForcedShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three crmds with real agents")
	}
	names := []string{"n1", "n2", "n3"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := ipc.DialBackend(ctx, c.nodes[dc].sock)
	if err != nil {
		t.Fatal(err)
	}
	// Every action of "slow" takes 3 s: its stop outlasts the 1 s escalation.
	err = b.Update(ctx, func(cb *cib.CIB) error {
		props, err := cib.ParseElement([]byte(`<cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/>` +
			`<nvpair id="opts-esc" name="shutdown-escalation" value="1s"/></cluster_property_set>`))
		if err != nil {
			return err
		}
		if err := cb.Create("crm_config", props); err != nil {
			return err
		}
		x, err := cib.ParseElement([]byte(`<primitive id="slow" class="ocf" provider="pacer" type="Dummy">` +
			`<instance_attributes id="slow-ia"><nvpair id="slow-sleep" name="op_sleep" value="3"/></instance_attributes></primitive>`))
		if err != nil {
			return err
		}
		return cb.Create("resources", x)
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	on, err := c.waitRunning(names, "slow", names, true, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	code, took, _ := c.sigterm(t, on, "slow", 20*time.Second)
	t.Logf("SIGTERM to %s with a 3 s stop and shutdown-escalation=1s: exit %d after %v", on, code, took.Round(time.Millisecond))
	if code != 124 {
		t.Errorf("exit code %d, want 124 (Timeout)", code)
	}
	if b, _ := os.ReadFile(c.nodes[on].log); !bytes.Contains(b, []byte("shutdown-escalation (1s) passed")) || !bytes.Contains(b, []byte("active=slow")) {
		t.Errorf("%s's log does not explain the forced exit:\n%s", on, tail(string(b), 10))
	}
	rest := others(names, on)
	next, err := c.waitRunning(rest, "slow", rest, true, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.start(on)
	c.waitAgree(names, 15*time.Second)
	if _, err := c.waitRunning(names, "slow", []string{next}, true, 30*time.Second); err != nil {
		t.Fatal(err)
	}

	// A second signal does not wait for the escalation.
	n := c.nodes[next]
	done := make(chan struct{})
	go func() { n.cmd.Wait(); close(done) }()
	start := time.Now()
	n.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("no exit after a second SIGTERM")
	}
	code = n.cmd.ProcessState.ExitCode()
	n.cmd = nil
	t.Logf("two SIGTERMs to %s: exit %d after %v", next, code, time.Since(start).Round(time.Millisecond))
	if code != 1 {
		t.Errorf("exit code %d after a second SIGTERM, want 1", code)
	}
	if b, _ := os.ReadFile(c.nodes[next].log); !bytes.Contains(b, []byte("stopped by a second signal")) {
		t.Errorf("%s's log does not explain the forced exit:\n%s", next, tail(string(b), 10))
	}
}
