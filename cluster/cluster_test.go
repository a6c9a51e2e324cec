package cluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/internal/testenv"
)

func TestParseInterval(t *testing.T) {
	cases := map[string]time.Duration{
		"10":      10 * time.Second,
		"10s":     10 * time.Second,
		"1min":    time.Minute,
		"1m":      time.Minute,
		"500ms":   500 * time.Millisecond,
		"2h":      2 * time.Hour,
		"PT10S":   10 * time.Second,
		"PT1H30M": 90 * time.Minute,
		"P1D":     24 * time.Hour,
		"":        0,
	}
	for in, want := range cases {
		got, err := ParseInterval(in)
		if err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"abc", "10 parsecs", "P1X"} {
		if _, err := ParseInterval(bad); err == nil {
			t.Errorf("ParseInterval(%q) succeeded, want error", bad)
		}
	}
}

func TestParseScore(t *testing.T) {
	cases := map[string]int{
		"INFINITY": Infinity, "+INFINITY": Infinity, "-INFINITY": -Infinity,
		"100": 100, "-5": -5, "99999999": Infinity, "": 0, "12abc": 12,
	}
	for in, want := range cases {
		if got := ParseScore(in); got != want {
			t.Errorf("ParseScore(%q) = %d, want %d", in, got, want)
		}
	}
}

const miniCIB = `<cib epoch="1" num_updates="2" admin_epoch="0" have-quorum="1" dc-uuid="n1">
 <configuration>
  <crm_config><cluster_property_set id="o">
   <nvpair id="o1" name="stonith-enabled" value="false"/>
  </cluster_property_set></crm_config>
  <nodes><node id="n1" uname="node1"/><node id="n2" uname="node2"/></nodes>
  <resources>
   <primitive id="A" class="ocf" provider="pacemaker" type="Dummy">
    <meta_attributes id="A-m1" score="1"><nvpair id="A-m1-t" name="target-role" value="Stopped"/></meta_attributes>
    <meta_attributes id="A-m2" score="10"><nvpair id="A-m2-t" name="target-role" value="Started"/></meta_attributes>
    <operations><op id="A-mon" name="monitor" interval="10s" on-fail="block"/></operations>
   </primitive>
   <clone id="C"><primitive id="B" class="ocf" provider="pacemaker" type="Dummy"/></clone>
  </resources>
  <constraints/>
 </configuration>
 <status>
  <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
   <transient_attributes id="n1"><instance_attributes id="n1-t">
    <nvpair id="n1-fc" name="fail-count-A#monitor_10000" value="3"/>
   </instance_attributes></transient_attributes>
   <lrm id="n1"><lrm_resources>
    <lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">
     <lrm_rsc_op id="A_start_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>
     <lrm_rsc_op id="A_monitor_10000" operation="monitor" call-id="4" rc-code="7" op-status="0" interval="10000" transition-key="1:1:0:x"/>
    </lrm_resource>
    <lrm_resource id="B" class="ocf" provider="pacemaker" type="Dummy">
     <lrm_rsc_op id="B_start_0" operation="start" call-id="5" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>
    </lrm_resource>
    <lrm_resource id="Z" class="ocf" provider="heartbeat" type="IPaddr">
     <lrm_rsc_op id="Z_start_0" operation="start" call-id="6" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>
    </lrm_resource>
   </lrm_resources></lrm>
  </node_state>
  <node_state id="n2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member">
   <lrm id="n2"><lrm_resources>
    <lrm_resource id="B" class="ocf" provider="pacemaker" type="Dummy">
     <lrm_rsc_op id="B_start_0" operation="start" call-id="5" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>
    </lrm_resource>
   </lrm_resources></lrm>
  </node_state>
 </status>
</cib>`

func TestUnpackMini(t *testing.T) {
	c, err := UnpackBytes([]byte(miniCIB), time.Unix(2000000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if c.Properties.StonithEnabled() {
		t.Error("stonith-enabled should be false")
	}
	if len(c.Nodes) != 2 || !c.Nodes[0].Online || !c.Nodes[1].Online {
		t.Fatalf("nodes not both online: %+v", c.Nodes)
	}
	a := c.ByID["A"]
	if a == nil {
		t.Fatal("A missing")
	}
	if a.TargetRole != RoleStarted {
		t.Errorf("higher-scored meta set should win: target-role %v", a.TargetRole)
	}
	st := a.StatusOn("node1")
	if st == nil || !st.Failed || st.Role != RoleStarted || !st.Blocked {
		t.Errorf("A on node1: %+v", st)
	}
	if st.FailCount != 3 {
		t.Errorf("A failcount = %d, want 3", st.FailCount)
	}
	if a.Ops[0].IntervalMS != 10000 {
		t.Errorf("op interval = %d", a.Ops[0].IntervalMS)
	}
	cl := c.ByID["C"]
	if cl == nil || len(cl.Children) != 2 {
		t.Fatalf("clone instances: %+v", cl)
	}
	if cl.Children[0].RunningOn[0].Name != "node1" || cl.Children[1].RunningOn[0].Name != "node2" {
		t.Errorf("anonymous instances mapped wrongly")
	}
	z := c.ByID["Z"]
	if z == nil || !z.Orphan || len(z.RunningOn) != 1 {
		t.Errorf("orphan Z: %+v", z)
	}
	if c.Resources[len(c.Resources)-1] != z {
		t.Error("orphan should be appended to Resources")
	}
}

func TestUnpackSharedCases(t *testing.T) {
	dir := filepath.Join(testenv.SharedDir(t), "pacemaker-scheduler", "xml")
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Skip("no cases")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := UnpackBytes(data, time.Now()); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

func FuzzUnpackBytes(f *testing.F) {
	f.Add([]byte(miniCIB))
	f.Add([]byte(`<cib><configuration/></cib>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = UnpackBytes(data, time.Unix(0, 0))
	})
}

func BenchmarkUnpack16x2000(b *testing.B) {
	gen := filepath.Join(testenv.SharedDir(b), "bench", "gen-cib")
	out, err := exec.Command("python3", gen, "16", "2000", "--state", "running").Output()
	if err != nil {
		b.Skipf("gen-cib: %v", err)
	}
	doc, err := parseDoc(out)
	if err != nil {
		b.Fatal(err)
	}
	// CPU time per unpack is reported too: on a shared, loaded machine wall
	// time mostly measures the neighbours.
	var before, after syscall.Rusage
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_THREAD, &before)
	for i := 0; i < b.N; i++ {
		if _, err := Unpack(doc, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	_ = syscall.Getrusage(syscall.RUSAGE_THREAD, &after)
	cpu := time.Duration(after.Utime.Nano()-before.Utime.Nano()) + time.Duration(after.Stime.Nano()-before.Stime.Nano())
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1e6, "cpu-ms/op")
}
