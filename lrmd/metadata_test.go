package lrmd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/opdigest"
)

const sampleMD = `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Sample" version="2.1">
<version>1.1</version>
<longdesc lang="de">Beispiel</longdesc>
<longdesc lang="en">Long text</longdesc>
<shortdesc lang="en">Short text</shortdesc>
<parameters>
<parameter name="state" unique-group="state" required="1">
<shortdesc lang="en">State file</shortdesc>
<content type="string" default="/run/x" />
</parameter>
<parameter name="passwd" reloadable="1" private="1">
<content type="string"/>
</parameter>
<parameter name="legacy" unique="1">
<deprecated/>
<content type="integer" default="3"/>
</parameter>
</parameters>
<actions>
<action name="start" timeout="20s" />
<action name="monitor" timeout="30s" interval="10s" depth="0" role="Promoted"/>
<action name="monitor" timeout="40" interval="11s" depth="0"/>
<action name="reload-agent" timeout="1m" />
<action name="meta-data" timeout="PT5S" />
</actions>
</resource-agent>
`

func TestParseMetadata(t *testing.T) {
	md, err := ParseMetadata([]byte(sampleMD))
	if err != nil {
		t.Fatal(err)
	}
	if md.Name != "Sample" || md.AgentVersion != "2.1" || md.OCFVersion != "1.1" || md.LongDesc != "Long text" || md.ShortDesc != "Short text" {
		t.Errorf("header: %+v", md)
	}
	if len(md.Parameters) != 3 {
		t.Fatalf("parameters: %+v", md.Parameters)
	}
	st, pw, lg := md.Parameters[0], md.Parameters[1], md.Parameters[2]
	if !st.Required || st.UniqueGroup != "state" || st.Default != "/run/x" || !st.HasDefault || st.Reloadable {
		t.Errorf("state: %+v", st)
	}
	if !pw.Private || !pw.Reloadable || pw.HasDefault {
		t.Errorf("passwd: %+v", pw)
	}
	if !lg.Unique || !lg.Deprecated || lg.Type != "integer" {
		t.Errorf("legacy: %+v", lg)
	}
	if got := md.ActionTimeout("monitor", 11000); got != 40000 {
		t.Errorf("monitor 11s timeout %d", got)
	}
	if got := md.ActionTimeout("monitor", 10000); got != 30000 {
		t.Errorf("monitor 10s timeout %d", got)
	}
	if got := md.ActionTimeout("reload-agent", 0); got != 60000 {
		t.Errorf("reload-agent timeout %d", got)
	}
	if got := md.ActionTimeout("meta-data", 0); got != 5000 {
		t.Errorf("meta-data timeout %d", got)
	}
	// reload-agent: everything not reloadable forces a restart.
	if got := strings.Join(md.RestartParams(), " "); got != "state legacy" {
		t.Errorf("restart params %q", got)
	}
	if got := strings.Join(md.SecureParams(), " "); got != "passwd" {
		t.Errorf("secure params %q", got)
	}
	if probs := md.Validate(map[string]string{}); len(probs) != 1 || !strings.Contains(probs[0], "state") {
		t.Errorf("validate: %v", probs)
	}
	if d := md.Defaults(); d["state"] != "/run/x" || d["legacy"] != "3" || len(d) != 2 {
		t.Errorf("defaults %v", d)
	}
	for _, bad := range []string{"", "<resource-agent", "<other/>", "not xml"} {
		if _, err := ParseMetadata([]byte(bad)); err == nil {
			t.Errorf("ParseMetadata(%q) accepted", bad)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]uint64{"20s": 20000, "20": 20000, "500ms": 500, "1m": 60000, "2min": 120000, "1h": 3600000, " 5 s ": 5000, "PT1M30S": 90000, "P1D": 86400000, "1500us": 1} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "1y", "-5", "PT", "P"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(sampleMD))
	f.Add([]byte(`<resource-agent name="x"><parameters><parameter/></parameters><actions><action name="a" timeout="PT"/></actions></resource-agent>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := ParseMetadata(data)
		if err != nil {
			return
		}
		// Whatever parsed must be usable without panics.
		md.RestartParams()
		md.SecureParams()
		md.Defaults()
		md.Validate(nil)
		for _, a := range md.Actions {
			md.ActionTimeout(a.Name, a.IntervalMS)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"20s", "PT1M", "1h", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseDuration(s)
	})
}

func TestHistoryEntry(t *testing.T) {
	root := testRoot(t, map[string]string{"ok": "exit 0\n"})
	e := newTestExecutor(t, root, nil)
	req := ocfReq("ok", "monitor")
	req.IntervalMS = 10000
	req.TimeoutMS = 30000
	req.Params = map[string]string{"a": "1"}
	req.TransitionKey = "3:5:0:8a2b"
	res := e.Exec(context.Background(), req)
	el := res.HistoryEntry(HistoryID("r1", "monitor", 10000, false), "node1")
	want := opdigest.Compute(opdigest.Input{Params: []opdigest.Param{{Name: "a", Value: "1"}},
		Op: opdigest.Op{Name: "monitor", IntervalMS: 10000, TimeoutMS: 30000}}).All
	checks := map[string]string{
		"id": "r1_monitor_10000", "operation_key": "r1_monitor_10000", "operation": "monitor",
		"transition-key": "3:5:0:8a2b", "transition-magic": "0:0;3:5:0:8a2b", "on_node": "node1",
		"rc-code": "0", "op-status": "0", "interval": "10000", "op-digest": want, "crm_feature_set": FeatureSet,
	}
	for k, v := range checks {
		if got := el.SelectAttrValue(k, "<missing>"); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if el.SelectAttr("op-force-restart") != nil {
		t.Error("recurring op recorded op-force-restart")
	}
	if HistoryID("r1", "start", 0, true) != "r1_last_failure_0" || HistoryID("r1", "start", 0, false) != "r1_last_0" {
		t.Error("HistoryID")
	}
	// The attributes come in Pacemaker's order.
	var names []string
	for _, a := range el.Attr {
		names = append(names, a.Key)
	}
	if strings.Join(names[:6], ",") != "id,operation_key,operation,crm-debug-origin,crm_feature_set,transition-key" {
		t.Errorf("attribute order %v", names)
	}
}

// BenchmarkExecOverhead measures what the executor adds around an agent
// run: from the request to the agent's exec, and from its exit to the
// recorded result (digests included, meta-data cached).
func BenchmarkExecOverhead(b *testing.B) {
	root := testRoot(b, map[string]string{"ok": "exit 0\n"})
	e := newTestExecutor(b, root, nil)
	req := ocfReq("ok", "monitor")
	req.Params = map[string]string{"ip": "10.0.0.1", "nic": "eth0"}
	e.Exec(context.Background(), req) // warm the meta-data cache
	var pre, post, total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := e.Exec(context.Background(), req)
		if !res.OK() {
			b.Fatalf("run failed: %+v", res)
		}
		pre += res.Started.Sub(res.Queued)
		post += res.Finished.Sub(res.Exited)
		total += res.Finished.Sub(res.Queued)
	}
	b.ReportMetric(float64(pre.Microseconds())/float64(b.N), "us-to-exec/op")
	b.ReportMetric(float64(post.Microseconds())/float64(b.N), "us-exit-to-result/op")
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "us-total/op")
}
