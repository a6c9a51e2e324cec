package transition

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/crmmon"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/pengine"
)

// installAgents copies Pacer's OCF agents into a temporary OCF root the way
// `make agents` installs them (resource.d/pacer, mode 0755).
func installAgents(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "agents", "ocf", "pacer"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dst := filepath.Join(root, "resource.d", "pacer")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Skipf("agents not available: %v", err)
	}
	for _, e := range ents {
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(filepath.Join(dst, e.Name()), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// cluster is the test's DC: a CIB, a local executor and the
// schedule -> execute loop.
type testDC struct {
	t     *testing.T
	node  string
	mu    sync.Mutex // guards cib (recurring results arrive concurrently)
	cib   *etree.Element
	local *Local
	round int
	// changes carries recurring monitor results after their first.
	changes chan lrmd.Result
	// sums are the summaries of the transitions run.
	sums []Summary
	// pendingSeen is crm_mon's view while d1's start was in flight.
	pendingSeen map[string]string
}

func (dc *testDC) record(job Job, o Outcome) {
	dc.recordWithOffsets(job, o, "INFINITY", "INFINITY")
}

// recordWithOffsets records a result and, as the attribute manager would
// on the controller's request, its fail-count update.
func (dc *testDC) recordWithOffsets(job Job, o Outcome, startOffset, stopOffset string) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if err := RecordJob(dc.cib, job, o); err != nil {
		dc.t.Errorf("recording %s: %v", job.Action, err)
	}
	if o.Result == nil {
		return
	}
	if u, ok := FailCount(o.Result, job.Action.TargetRC, startOffset, stopOffset, time.Now()); ok {
		dc.setAttr(u.Name, u.Value)
		dc.setAttr(u.LastFailureName, u.LastFailure)
	}
}

// setAttr sets a transient node attribute as the attribute manager
// writes it ("value++" increments).
func (dc *testDC) setAttr(name, value string) {
	ns := dc.cib.FindElement("status/node_state[@id='1']")
	ta := ns.SelectElement("transient_attributes")
	if ta == nil {
		ta = ns.CreateElement("transient_attributes")
		ta.CreateAttr("id", "1")
	}
	ia := ta.SelectElement("instance_attributes")
	if ia == nil {
		ia = ta.CreateElement("instance_attributes")
		ia.CreateAttr("id", "status-1")
	}
	nv := ia.FindElement(fmt.Sprintf("nvpair[@name='%s']", name))
	if nv == nil {
		nv = ia.CreateElement("nvpair")
		nv.CreateAttr("id", "status-1-"+name)
		nv.CreateAttr("name", name)
		nv.CreateAttr("value", "0")
	}
	if value == "value++" {
		old := nv.SelectAttrValue("value", "0")
		if old == "INFINITY" {
			return
		}
		n, _ := strconv.Atoi(old)
		value = strconv.Itoa(n + 1)
	}
	nv.CreateAttr("value", value)
}

func (dc *testDC) attr(name string) string {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	nv := dc.cib.FindElement(fmt.Sprintf("//transient_attributes/instance_attributes/nvpair[@name='%s']", name))
	if nv == nil {
		return ""
	}
	return nv.SelectAttrValue("value", "")
}

// converge schedules and executes until the scheduler has nothing to do,
// returning the number of transitions run and the actions executed.
func (dc *testDC) converge(ctx context.Context) (int, []string) {
	t := dc.t
	var ran []string
	for n := 0; n < 8; n++ {
		start := time.Now()
		dc.mu.Lock()
		tr, err := pengine.Schedule(dc.cib, time.Now())
		dc.mu.Unlock()
		if err != nil {
			t.Fatalf("schedule: %v", err)
		}
		g, err := FromTransition(tr)
		if err != nil {
			t.Fatal(err)
		}
		if g.Len() == 0 {
			t.Logf("round %d: empty transition (schedule %v)", dc.round, time.Since(start))
			return n, ran
		}
		g.TransitionID = dc.round
		dc.round++
		d := NewDriver(g, Config{
			Dispatcher: &Router{Nodes: map[string]Dispatcher{dc.node: dc.local}},
			UUID:       "11111111-2222-3333-4444-555555555555",
			TickEvery:  50 * time.Millisecond,
			OnResult: func(job Job, o Outcome, v Verdict) {
				dc.recordWithOffsets(job, o, g.FailedStartOffset, g.FailedStopOffset)
				ran = append(ran, fmt.Sprintf("%s=%d", job.Action.Key, o.RC))
			},
			Logf: t.Logf,
			OnDispatch: func(job Job) {
				dc.mu.Lock()
				defer dc.mu.Unlock()
				if _, err := RecordPending(dc.cib, job, time.Now()); err != nil {
					t.Error(err)
				}
				if job.Action.Key == "d1_start_0" {
					dc.pendingSeen = dc.renderLocked()
				}
			},
		})
		sum, err := d.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %d actions, schedule+execute %v: %s", g.TransitionID, g.Len(), time.Since(start), sum)
		dc.sums = append(dc.sums, sum)
		if sum.Fired != 0 || sum.Pending != 0 {
			t.Fatalf("transition ended with work left: %s", sum)
		}
	}
	t.Fatalf("no convergence after 8 transitions; last actions %v", ran)
	return 0, nil
}

// roles renders the resources the way crm_mon does and returns each
// Dummy's line.
func (dc *testDC) roles() map[string]string {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	return dc.renderLocked()
}

func (dc *testDC) renderLocked() map[string]string {
	c, err := pengine.Unpack(dc.cib, time.Now())
	if err != nil {
		dc.t.Fatal(err)
	}
	var b bytes.Buffer
	if err := crmmon.RenderStatus(&b, c, crmmon.Options{Inactive: true}); err != nil {
		dc.t.Fatal(err)
	}
	out := map[string]string{}
	re := regexp.MustCompile(`\* (d[12])\s+\(ocf:pacer:Dummy\):\s+(.*)`)
	for _, m := range re.FindAllStringSubmatch(b.String(), -1) {
		out[m[1]] = strings.TrimSpace(m[2])
	}
	if len(out) != 2 {
		dc.t.Fatalf("crm_mon status lists %d Dummies:\n%s", len(out), b.String())
	}
	return out
}

// newDC writes the test's CIB (one node named after the test, a group of
// two Dummies with 1s monitors, d1Params added to d1's parameters, props
// to the cluster options) and starts a real executor on Pacer's agents.
func newDC(t *testing.T, d1Params, props string) (dc *testDC, state func(string) string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real agents")
	}
	node := strings.ReplaceAll(t.Name(), "/", "-")
	dir := t.TempDir()
	state = func(r string) string { return filepath.Join(dir, r+".state") }
	cib := fmt.Sprintf(`<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opts-stonith" name="stonith-enabled" value="false"/>
      <nvpair id="opts-delay" name="cluster-delay" value="5s"/>%[4]s
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="%[1]s"/></nodes>
    <resources>
      <group id="g">
        <primitive id="d1" class="ocf" provider="pacer" type="Dummy">
          <instance_attributes id="d1-ia"><nvpair id="d1-state" name="state" value="%[2]s"/>%[5]s</instance_attributes>
          <operations><op id="d1-mon" name="monitor" interval="1s" timeout="10s"/></operations>
        </primitive>
        <primitive id="d2" class="ocf" provider="pacer" type="Dummy">
          <instance_attributes id="d2-ia"><nvpair id="d2-state" name="state" value="%[3]s"/></instance_attributes>
          <operations><op id="d2-mon" name="monitor" interval="1s" timeout="10s"/></operations>
        </primitive>
      </group>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="%[1]s" in_ccm="true" crmd="online" join="member" expected="member" crm-debug-origin="do_state_transition"/>
  </status>
</cib>`, node, state("d1"), state("d2"), props, d1Params)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(cib); err != nil {
		t.Fatal(err)
	}
	ex := lrmd.New(lrmd.Options{OCFRoots: []string{installAgents(t)}, NodeName: node,
		KillGrace: 100 * time.Millisecond, PipeGrace: 50 * time.Millisecond})
	t.Cleanup(func() { ex.Close() })
	dc = &testDC{t: t, node: node, cib: doc.Root(), changes: make(chan lrmd.Result, 64)}
	// As the controller does: record every later recurring result
	// (failures, and the cancellations when a stop cancels the monitor)
	// and react to the unexpected ones.
	dc.local = &Local{Exec: ex, OnRecurring: func(job Job, r lrmd.Result) {
		dc.record(job, fromResult(r))
		if r.Status != lrmd.StatusCancelled && r.RC != job.Action.TargetRC {
			dc.changes <- r
		}
	}}
	return dc, state
}

func TestEndToEndDummyGroup(t *testing.T) {
	dc, state := newDC(t, "", "")
	node := dc.node
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	start := time.Now()
	n, ran := dc.converge(ctx)
	t.Logf("start-up: %d transitions in %v: %v", n, time.Since(start), ran)
	if n < 1 {
		t.Fatal("nothing was scheduled for two stopped resources")
	}
	for _, r := range []string{"d1", "d2"} {
		if _, err := os.Stat(state(r)); err != nil {
			t.Errorf("%s not running: %v", r, err)
		}
	}
	for r, st := range dc.roles() {
		if st != "Started "+node {
			t.Errorf("crm_mon says %s is %q, want Started %s", r, st, node)
		}
	}
	if st := dc.pendingSeen["d1"]; st != "Starting "+node {
		t.Errorf("while its start was pending crm_mon said d1 is %q", st)
	}
	dc.mu.Lock()
	for _, id := range []string{"d1_last_0", "d1_monitor_1000", "d2_last_0", "d2_monitor_1000"} {
		e := dc.cib.FindElement(fmt.Sprintf("//lrm_rsc_op[@id='%s']", id))
		if e == nil {
			t.Errorf("no %s entry in the status section", id)
			continue
		}
		if e.SelectAttrValue("rc-code", "") != "0" || !strings.HasSuffix(e.SelectAttrValue("transition-key", ""), ":0:11111111-2222-3333-4444-555555555555") {
			t.Errorf("%s: rc-code %s transition-key %s", id, e.SelectAttrValue("rc-code", ""), e.SelectAttrValue("transition-key", ""))
		}
	}
	dc.mu.Unlock()

	// The monitor of d1 fails: its state file disappears.
	if err := os.Remove(state("d1")); err != nil {
		t.Fatal(err)
	}
	failAt := time.Now()
	var failed lrmd.Result
	select {
	case failed = <-dc.changes:
	case <-ctx.Done():
		t.Fatal("the recurring monitor did not report the failure")
	}
	t.Logf("monitor failure reported after %v: rc %d", time.Since(failAt), failed.RC)
	if failed.Request.RscID != "d1" || failed.RC != lrmd.OCFNotRunning {
		t.Fatalf("recurring result %s rc %d, want d1 rc 7", failed.Request.RscID, failed.RC)
	}
	dc.mu.Lock()
	lf := dc.cib.FindElement("//lrm_rsc_op[@id='d1_last_failure_0']")
	dc.mu.Unlock()
	if lf == nil || lf.SelectAttrValue("rc-code", "") != "7" || lf.SelectAttrValue("operation_key", "") != "d1_monitor_1000" {
		t.Fatalf("failure not recorded as d1_last_failure_0: %v", lf)
	}
	if got := dc.attr("fail-count-d1#monitor_1000"); got != "1" {
		t.Errorf("fail-count-d1#monitor_1000 = %q, want 1", got)
	}
	start = time.Now()
	n, ran = dc.converge(ctx)
	t.Logf("recovery: %d transitions in %v: %v", n, time.Since(start), ran)
	want := []string{"d2_stop_0=0", "d1_stop_0=0", "d1_start_0=0", "d2_start_0=0", "d1_monitor_1000=0", "d2_monitor_1000=0"}
	for _, w := range want {
		found := false
		for _, r := range ran {
			found = found || r == w
		}
		if !found {
			t.Errorf("recovery did not run %s: %v", w, ran)
		}
	}
	pos := map[string]int{}
	for i, r := range ran {
		pos[r] = i
	}
	for _, o := range [][2]string{{"d2_stop_0=0", "d1_stop_0=0"}, {"d1_stop_0=0", "d1_start_0=0"},
		{"d1_start_0=0", "d2_start_0=0"}, {"d1_start_0=0", "d1_monitor_1000=0"}, {"d2_start_0=0", "d2_monitor_1000=0"}} {
		if pos[o[0]] >= pos[o[1]] {
			t.Errorf("%s ran after %s: %v", o[0], o[1], ran)
		}
	}
	for r, st := range dc.roles() {
		if st != "Started "+node {
			t.Errorf("after recovery crm_mon says %s is %q", r, st)
		}
	}
	if _, err := os.Stat(state("d1")); err != nil {
		t.Errorf("d1 not running after recovery: %v", err)
	}
	// The monitor cancelled by the stop was deleted, the new one recorded
	// after the new start.
	dc.mu.Lock()
	defer dc.mu.Unlock()
	mons := dc.cib.FindElements("//lrm_resource[@id='d1']/lrm_rsc_op[@id='d1_monitor_1000']")
	last := dc.cib.FindElement("//lrm_resource[@id='d1']/lrm_rsc_op[@id='d1_last_0']")
	if len(mons) != 1 || last == nil || last.SelectAttrValue("operation", "") != "start" {
		t.Fatalf("d1 history after recovery: %d monitors, last %v", len(mons), last)
	}
	mc, _ := strconv.Atoi(mons[0].SelectAttrValue("call-id", ""))
	lc, _ := strconv.Atoi(last.SelectAttrValue("call-id", ""))
	if mons[0].SelectAttrValue("rc-code", "") != "0" || mc <= lc {
		t.Errorf("d1 monitor rc %s call-id %d, start call-id %d", mons[0].SelectAttrValue("rc-code", ""), mc, lc)
	}
}

// A start fails inside a transition: the transition aborts (d2's start and
// the monitors never run), the failure and its fail count are recorded,
// and the next transition recovers d1 (start-failure-is-fatal=false and
// d1 fails only once).
func TestEndToEndStartFailureAborts(t *testing.T) {
	dc, state := newDC(t, `<nvpair id="d1-fo" name="fail_on" value="start"/><nvpair id="d1-f1" name="fail_once" value="true"/>`,
		`<nvpair id="opts-sfif" name="start-failure-is-fatal" value="false"/>`)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	n, ran := dc.converge(ctx)
	t.Logf("%d transitions: %v", n, ran)
	if n < 2 || len(dc.sums) < 2 {
		t.Fatalf("converged in %d transitions", n)
	}
	first := dc.sums[0]
	if !first.Aborted || !strings.Contains(first.AbortReason, "d1_start_0") || first.Failed != 1 || first.Skipped == 0 {
		t.Errorf("first transition: %s", first)
	}
	if ran[0] == "d2_start_0=0" || !contains(ran, "d1_start_0=1") {
		t.Errorf("actions: %v", ran)
	}
	if got := dc.attr("fail-count-d1#start_0"); got != "1" {
		t.Errorf("fail-count-d1#start_0 = %q, want 1 (failed-start-offset 1)", got)
	}
	dc.mu.Lock()
	lf := dc.cib.FindElement("//lrm_rsc_op[@id='d1_last_failure_0']")
	dc.mu.Unlock()
	if lf == nil || lf.SelectAttrValue("operation", "") != "start" || lf.SelectAttrValue("rc-code", "") != "1" {
		t.Errorf("start failure not recorded: %v", lf)
	}
	for r, st := range dc.roles() {
		if st != "Started "+dc.node {
			t.Errorf("crm_mon says %s is %q", r, st)
		}
	}
	for _, r := range []string{"d1", "d2"} {
		if _, err := os.Stat(state(r)); err != nil {
			t.Errorf("%s not running: %v", r, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
