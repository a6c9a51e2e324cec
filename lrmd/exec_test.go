package lrmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// mdPrelude gives test agents minimal meta-data, as every OCF agent must.
const mdPrelude = `[ "$1" = meta-data ] && { echo '<resource-agent name="t"><parameters/><actions/></resource-agent>'; exit 0; }
`

// testRoot makes an OCF root with provider "test" holding the given agents
// (name -> shell script body after the shebang).
func testRoot(t testing.TB, agents map[string]string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range agents {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+mdPrelude+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func newTestExecutor(t testing.TB, root string, mod func(*Options)) *Executor {
	opts := Options{OCFRoots: []string{root}, ToolDir: "/nonexistent-pacer-tools", KillGrace: 200 * time.Millisecond}
	if mod != nil {
		mod(&opts)
	}
	e := New(opts)
	t.Cleanup(func() { e.Close() })
	return e
}

func ocfReq(typ, action string) Request {
	return Request{RscID: "r1", Class: "ocf", Provider: "test", Type: typ, Action: action, TimeoutMS: 10000}
}

func TestEnvironment(t *testing.T) {
	out := filepath.Join(t.TempDir(), "env")
	root := testRoot(t, map[string]string{"envdump": "env > " + out + "\nexit 0\n"})
	t.Setenv("PACER_TEST_INHERITED", "yes")
	t.Setenv("OCF_RESKEY_stale", "leaked")
	e := newTestExecutor(t, root, func(o *Options) { o.NodeName = "n1" })
	req := ocfReq("envdump", "notify")
	req.RscID = "clone:2"
	req.IntervalMS = 0
	req.TimeoutMS = 33000
	req.Params = map[string]string{"ip": "10.0.0.1", "OCF_CHECK_LEVEL": "10", "bad name": "x"}
	req.Meta = map[string]string{"clone-max": "3", "notify_type": "pre", "notify_operation": "start", "notify_start_uname": "n1 n2"}
	res := e.Exec(context.Background(), req)
	if !res.OK() {
		t.Fatalf("envdump: %+v", res)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = v
		}
	}
	want := map[string]string{
		"OCF_ROOT": root, "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
		"OCF_RESOURCE_INSTANCE": "clone:2", "OCF_RESOURCE_TYPE": "envdump", "OCF_RESOURCE_PROVIDER": "test",
		"OCF_RESKEY_ip": "10.0.0.1", "OCF_CHECK_LEVEL": "10", "OCF_RESKEY_OCF_CHECK_LEVEL": "10",
		"OCF_RESKEY_CRM_meta_timeout":   "33000",
		"OCF_RESKEY_CRM_meta_clone_max": "3", "OCF_RESKEY_CRM_meta_notify_type": "pre",
		"OCF_RESKEY_CRM_meta_notify_operation": "start", "OCF_RESKEY_CRM_meta_notify_start_uname": "n1 n2",
		"OCF_RESKEY_CRM_meta_on_node": "n1", "PACER_TEST_INHERITED": "yes",
		"OCF_RESKEY_crm_feature_set": FeatureSet, "HA_SBIN_DIR": "/nonexistent-pacer-tools",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if !strings.HasPrefix(env["PATH"], "/nonexistent-pacer-tools:") {
		t.Errorf("PATH %q does not start with the tool dir", env["PATH"])
	}
	for _, k := range []string{"OCF_RESKEY_CRM_meta_interval", "OCF_RESKEY_stale"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q set", k, v)
		}
	}
	for k := range env {
		if strings.Contains(k, "bad") {
			t.Errorf("invalid parameter name leaked into the environment: %s", k)
		}
	}
}

func TestResultCodesAndExitReason(t *testing.T) {
	root := testRoot(t, map[string]string{
		"rc":     `echo "ocf-exit-reason:first" >&2; echo "ocf-exit-reason:Disk /dev/x is gone" >&2; exit ${OCF_RESKEY_rc:-0}` + "\n",
		"noexec": "exit 0\n",
		"killed": "kill -KILL $$\n",
	})
	if err := os.Chmod(filepath.Join(root, "resource.d", "test", "noexec"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newTestExecutor(t, root, nil)
	for _, rc := range []int{0, 1, 2, 5, 7, 8, 190, 42} {
		req := ocfReq("rc", "start")
		req.Params = map[string]string{"rc": fmt.Sprint(rc)}
		res := e.Exec(context.Background(), req)
		want := rc
		if rc == 42 {
			want = OCFUnknownError // not an OCF code
		}
		if res.RC != want || res.Status != StatusDone {
			t.Errorf("exit %d: rc %d status %v, want rc %d", rc, res.RC, res.Status, want)
		}
		if res.ExitReason != "Disk /dev/x is gone" {
			t.Errorf("exit reason %q", res.ExitReason)
		}
	}
	missing := e.Exec(context.Background(), ocfReq("nosuch", "start"))
	if missing.RC != OCFNotInstalled || missing.Status != StatusNotInstalled || missing.ExitReason != "nosuch: No such file or directory" {
		t.Errorf("missing agent: rc %d status %v reason %q", missing.RC, missing.Status, missing.ExitReason)
	}
	noexec := e.Exec(context.Background(), ocfReq("noexec", "start"))
	if noexec.RC != OCFNotInstalled || !strings.Contains(noexec.ExitReason, "not executable") {
		t.Errorf("non-executable agent: rc %d reason %q", noexec.RC, noexec.ExitReason)
	}
	escape := e.Exec(context.Background(), Request{RscID: "r", Class: "ocf", Provider: "..", Type: "test", Action: "start"})
	if escape.RC != OCFNotInstalled {
		t.Errorf("provider '..' must not resolve: rc %d", escape.RC)
	}
	killed := e.Exec(context.Background(), ocfReq("killed", "monitor"))
	if killed.RC == OCFSuccess || killed.Status != StatusError || killed.ExitReason != "Resource agent interrupted by Killed signal" {
		t.Errorf("agent killed by a signal: rc %d status %v reason %q", killed.RC, killed.Status, killed.ExitReason)
	}
	class := e.Exec(context.Background(), Request{RscID: "r", Class: "upstart", Type: "x", Action: "start"})
	if class.Status != StatusNotSupported {
		t.Errorf("unknown class: status %v", class.Status)
	}
}

func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie is dead for our purpose.
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(data))
	return len(f) > 2 && f[2] != "Z"
}

func TestTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	root := testRoot(t, map[string]string{
		// A child in the background plus a foreground sleep; both must die.
		"sleeper": "sleep 300 & echo $! > " + dir + "/child\nsleep 300\n",
		// Ignores TERM: only KILL ends it.
		"stubborn": "trap '' TERM\nwhile :; do sleep 0.05; done\n",
	})
	e := newTestExecutor(t, root, nil)
	for _, agent := range []string{"sleeper", "stubborn"} {
		req := ocfReq(agent, "start")
		req.TimeoutMS = 1000
		start := time.Now()
		res := e.Exec(context.Background(), req)
		took := time.Since(start)
		if res.Status != StatusTimeout || res.RC == OCFSuccess {
			t.Errorf("%s: status %v rc %d, want a timeout", agent, res.Status, res.RC)
		}
		if took > 2*time.Second {
			t.Errorf("%s: took %v, more than timeout + 1s", agent, took)
		}
		t.Logf("%s: timed out after %v", agent, took)
	}
	data, err := os.ReadFile(filepath.Join(dir, "child"))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscan(string(data), &pid)
	deadline := time.Now().Add(time.Second)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if processAlive(pid) {
		t.Errorf("background child %d of the timed-out agent survived", pid)
	}
}

func TestOutputBounded(t *testing.T) {
	root := testRoot(t, map[string]string{
		"chatty": "head -c 50000000 /dev/zero | tr '\\0' x\nhead -c 50000000 /dev/zero | tr '\\0' y >&2\nexit 0\n",
	})
	e := newTestExecutor(t, root, func(o *Options) { o.OutputLimit = 64 << 10 })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := e.Exec(context.Background(), ocfReq("chatty", "start"))
	runtime.ReadMemStats(&after)
	if !res.OK() {
		t.Fatalf("chatty: %+v", res.Status)
	}
	if len(res.Stdout) != 64<<10 || len(res.Stderr) != 64<<10 || !res.Truncated {
		t.Errorf("kept %d/%d bytes, truncated %v; want 65536 each and truncated", len(res.Stdout), len(res.Stderr), res.Truncated)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("100 MB of agent output cost %d KiB of allocations", alloc>>10)
	if alloc > 8<<20 {
		t.Errorf("allocated %d bytes for 100 MB of output; the bound does not hold", alloc)
	}
}

func TestPerResourceSerial(t *testing.T) {
	dir := t.TempDir()
	// Each run logs when it starts and ends; the intervals show whether runs
	// of one resource overlapped (they must not) and whether runs of
	// different resources did (they should, the node limit being 4).
	root := testRoot(t, map[string]string{
		"busy": `echo "$OCF_RESOURCE_INSTANCE start $(date +%s%N)" >> ` + dir + `/log
sleep 0.3
echo "$OCF_RESOURCE_INSTANCE end $(date +%s%N)" >> ` + dir + `/log
exit 0
`,
	})
	e := newTestExecutor(t, root, func(o *Options) { o.MaxConcurrent = 4 })
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req := ocfReq("busy", "monitor")
			req.RscID = fmt.Sprintf("rsc%d", i%2)
			if res := e.Exec(context.Background(), req); !res.OK() {
				t.Errorf("run %d: %+v", i, res)
			}
		}(i)
	}
	wg.Wait()
	data, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	type span struct {
		rsc      string
		from, to int64
	}
	var spans []span
	open := map[string]int64{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rsc, what string
		var ns int64
		if _, err := fmt.Sscan(l, &rsc, &what, &ns); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if what == "start" {
			open[rsc] = ns
		} else {
			spans = append(spans, span{rsc, open[rsc], ns})
		}
	}
	if len(spans) != 6 {
		t.Fatalf("%d runs logged, want 6:\n%s", len(spans), data)
	}
	across := false
	for i := range spans {
		for j := i + 1; j < len(spans); j++ {
			a, b := spans[i], spans[j]
			overlap := a.from < b.to && b.from < a.to
			if overlap && a.rsc == b.rsc {
				t.Errorf("two runs of %s overlapped", a.rsc)
			}
			across = across || (overlap && a.rsc != b.rsc)
		}
	}
	if !across {
		t.Error("runs of different resources never overlapped: they were serialised")
	}
}

func TestNodeLimit(t *testing.T) {
	root := testRoot(t, map[string]string{"nap": "sleep 0.2\nexit 0\n"})
	e := newTestExecutor(t, root, func(o *Options) { o.MaxConcurrent = 2 })
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req := ocfReq("nap", "start")
			req.RscID = fmt.Sprintf("n%d", i)
			if res := e.Exec(context.Background(), req); !res.OK() {
				t.Errorf("run %d failed", i)
			}
		}(i)
	}
	wg.Wait()
	if took := time.Since(start); took < 390*time.Millisecond {
		t.Errorf("4 runs of 200ms with a limit of 2 took %v: the limit was not applied", took)
	}
}

func TestRecurring(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "running")
	root := testRoot(t, map[string]string{
		"mon": `echo x >> ` + dir + `/runs
[ -e ` + state + ` ] && exit 0
exit 7
`,
	})
	e := newTestExecutor(t, root, nil)
	if err := os.WriteFile(state, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	results := make(chan Result, 100)
	req := ocfReq("mon", "monitor")
	req.IntervalMS = 50
	req.StartDelayMS = 300
	begin := time.Now()
	key, err := e.StartRecurring(req, func(r Result) { results <- r })
	if err != nil {
		t.Fatal(err)
	}
	if key != "r1_monitor_50" {
		t.Errorf("key %q", key)
	}
	first := <-results
	if d := time.Since(begin); d < 290*time.Millisecond {
		t.Errorf("first run after %v, before the 300ms start-delay", d)
	}
	if first.RC != 0 || first.Status != StatusDone {
		t.Errorf("first result rc %d status %v", first.RC, first.Status)
	}
	// Unchanged results are not reported; the change to "not running" is.
	os.Remove(state)
	changed := <-results
	if changed.RC != OCFNotRunning {
		t.Errorf("after the state file went: rc %d, want 7", changed.RC)
	}
	// The monitor keeps running (three more runs), but unchanged results
	// are not reported.
	countRuns := func() int {
		runs, _ := os.ReadFile(filepath.Join(dir, "runs"))
		return strings.Count(string(runs), "x")
	}
	n0 := countRuns()
	deadline := time.Now().Add(10 * time.Second)
	for countRuns() < n0+3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if countRuns() < n0+3 {
		t.Errorf("the monitor stopped recurring: %d runs after the change", countRuns()-n0)
	}
	select {
	case r := <-results:
		t.Errorf("unchanged result reported: rc %d", r.RC)
	default:
	}
	if !e.CancelRecurring("r1", "monitor", 50) {
		t.Fatal("CancelRecurring found no operation")
	}
	last := <-results
	if last.Status != StatusCancelled {
		t.Errorf("final notification status %v, want cancelled", last.Status)
	}
	n := countRuns()
	time.Sleep(150 * time.Millisecond)
	if countRuns() != n {
		t.Error("the monitor kept running after cancellation")
	}
	if len(e.Recurring()) != 0 {
		t.Errorf("recurring ops left: %v", e.Recurring())
	}
}

func TestStopCancelsRecurring(t *testing.T) {
	root := testRoot(t, map[string]string{"ok": "exit 0\n"})
	e := newTestExecutor(t, root, nil)
	req := ocfReq("ok", "monitor")
	req.IntervalMS = 1000
	got := make(chan Result, 10)
	if _, err := e.StartRecurring(req, func(r Result) { got <- r }); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.Status != StatusDone {
		t.Fatalf("first monitor %v", r.Status)
	}
	stop := e.Exec(context.Background(), ocfReq("ok", "stop"))
	if !stop.OK() {
		t.Fatal("stop failed")
	}
	if r := <-got; r.Status != StatusCancelled {
		t.Errorf("monitor after stop: status %v, want cancelled", r.Status)
	}
	if len(e.Recurring()) != 0 {
		t.Errorf("recurring left after stop: %v", e.Recurring())
	}
}

func TestContextCancelKills(t *testing.T) {
	root := testRoot(t, map[string]string{"long": "sleep 300\n"})
	e := newTestExecutor(t, root, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := e.Exec(ctx, ocfReq("long", "start"))
	if res.Status != StatusCancelled || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("status %v after %v", res.Status, time.Since(start))
	}
}

func TestDaemonHoldingPipe(t *testing.T) {
	// An agent that leaves a daemon behind with stdout still open must not
	// hold up its result.
	root := testRoot(t, map[string]string{"daemon": "(sleep 5 &)\necho started\nexit 0\n"})
	e := newTestExecutor(t, root, nil)
	start := time.Now()
	res := e.Exec(context.Background(), ocfReq("daemon", "start"))
	if !res.OK() || !strings.Contains(res.Stdout, "started") {
		t.Errorf("daemon agent: %+v", res)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("result took %v: waited for the daemon's pipe", d)
	}
}

func TestRequestFromGraph(t *testing.T) {
	// Attributes as crm_simulate writes them into a transition graph.
	attrs := map[string]string{"CRM_meta_interval": "10000", "CRM_meta_name": "monitor", "CRM_meta_on_node": "n1",
		"CRM_meta_start_delay": "5000", "CRM_meta_timeout": "33000", "a": "1", "crm_feature_set": "3.16.1", "CRM_meta_clone_max": "2"}
	req := RequestFromGraph("r1:0", "ocf", "heartbeat", "Dummy", "monitor", attrs)
	if req.IntervalMS != 10000 || req.TimeoutMS != 33000 || req.StartDelayMS != 5000 {
		t.Errorf("timing %d/%d/%d", req.IntervalMS, req.TimeoutMS, req.StartDelayMS)
	}
	if len(req.Params) != 1 || req.Params["a"] != "1" {
		t.Errorf("params %v", req.Params)
	}
	if req.Meta["name"] != "monitor" || req.Meta["clone_max"] != "2" || req.Meta["on_node"] != "n1" || len(req.Meta) != 3 {
		t.Errorf("meta %v", req.Meta)
	}
}
