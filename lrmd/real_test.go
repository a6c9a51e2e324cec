package lrmd

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

const systemOCF = "/usr/lib/ocf"

// needAgent skips unless a system OCF agent is installed.
func needAgent(t *testing.T, provider, typ string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(systemOCF, "resource.d", provider, typ)); err != nil {
		t.Skipf("ocf:%s:%s not installed (Debian package resource-agents / drbd-utils)", provider, typ)
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// stubTools makes a tool directory whose crm_attribute, crm_master and
// attrd_updater append their arguments to a log, so tests can see that
// agents reach the tools through PATH / HA_SBIN_DIR.
func stubTools(t *testing.T) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "calls.log")
	for _, tool := range []string{"crm_attribute", "crm_master", "attrd_updater"} {
		script := fmt.Sprintf("#!/bin/sh\necho \"%s $*\" >> %s\nexit 0\n", tool, log)
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, log
}

func uniq(prefix string) string {
	return fmt.Sprintf("%s%d%04d", prefix, os.Getpid()%10000, rand.Intn(10000))
}

type step struct {
	action string
	want   int
}

func runSteps(t *testing.T, e *Executor, base Request, steps []step) {
	t.Helper()
	for _, s := range steps {
		req := base
		req.Action = s.action
		res := e.Exec(context.Background(), req)
		if res.Status != StatusDone || res.RC != s.want {
			t.Fatalf("%s %s: rc %d (%s) status %v reason %q, want rc %d\nstderr: %s",
				agentSpec(req.Class, req.Provider, req.Type), s.action, res.RC, RCString(res.RC), res.Status, res.ExitReason, s.want, res.Stderr)
		}
	}
}

func TestHeartbeatDummyLifecycle(t *testing.T) {
	needAgent(t, "heartbeat", "Dummy")
	e := New(Options{OCFRoots: []string{systemOCF}})
	t.Cleanup(func() { e.Close() })
	state := filepath.Join(t.TempDir(), "dummy.state")
	base := Request{RscID: uniq("dummy"), Class: "ocf", Provider: "heartbeat", Type: "Dummy", TimeoutMS: 20000,
		Params: map[string]string{"state": state}}
	runSteps(t, e, base, []step{{"monitor", OCFNotRunning}, {"start", 0}, {"monitor", 0}, {"reload", 0}, {"stop", 0}, {"monitor", OCFNotRunning}, {"validate-all", 0}})
	// The heartbeat Dummy supports the legacy reload, so its start records
	// op-force-restart with its unique parameter.
	start := base
	start.Action = "start"
	res := e.Exec(context.Background(), start)
	if strings.Join(res.RestartParams, " ") != "state" || res.RestartDigest == "" || res.OpDigest == "" {
		t.Errorf("start digests: restart params %q, digests %q/%q", res.RestartParams, res.OpDigest, res.RestartDigest)
	}
	stop := base
	stop.Action = "stop"
	e.Exec(context.Background(), stop)
}

func TestHeartbeatStatefulLifecycle(t *testing.T) {
	needAgent(t, "heartbeat", "Stateful")
	tools, log := stubTools(t)
	e := New(Options{OCFRoots: []string{systemOCF}, ToolDir: tools})
	t.Cleanup(func() { e.Close() })
	base := Request{RscID: uniq("stateful"), Class: "ocf", Provider: "heartbeat", Type: "Stateful", TimeoutMS: 20000,
		Params: map[string]string{"state": filepath.Join(t.TempDir(), "st.state")}}
	runSteps(t, e, base, []step{
		{"monitor", OCFNotRunning}, {"start", 0}, {"monitor", 0}, {"promote", 0}, {"monitor", OCFRunningPromoted},
		{"demote", 0}, {"monitor", 0}, {"stop", 0}, {"monitor", OCFNotRunning},
	})
	calls, _ := os.ReadFile(log)
	if !strings.Contains(string(calls), "-v 10") || !strings.Contains(string(calls), "-v 5") {
		t.Errorf("Stateful did not set promotion scores through the tool dir; calls:\n%s", calls)
	}
}

// pacerRoot is an OCF root whose provider "pacer" is the repository's
// agents/ocf/pacer, as the Makefile installs it.
func pacerRoot(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "agents", "ocf", "pacer"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); err != nil {
		t.Skipf("Pacer's agents not found at %s", src)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "resource.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(src, filepath.Join(root, "resource.d", "pacer")); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestPacerAgents(t *testing.T) {
	root := pacerRoot(t)
	tools, log := stubTools(t)
	e := New(Options{OCFRoots: []string{root}, ToolDir: tools})
	t.Cleanup(func() { e.Close() })
	dir := t.TempDir()

	for _, typ := range []string{"Dummy", "Stateful", "ping"} {
		md, err := e.Metadata(context.Background(), "ocf", "pacer", typ)
		if err != nil {
			t.Fatalf("%s meta-data: %v", typ, err)
		}
		if md.Name != typ || md.OCFVersion != "1.1" || len(md.Parameters) == 0 || !md.HasAction("monitor") {
			t.Errorf("%s meta-data incomplete: %+v", typ, md)
		}
	}

	dummy := Request{RscID: uniq("d"), Class: "ocf", Provider: "pacer", Type: "Dummy", TimeoutMS: 20000,
		Params: map[string]string{"state": filepath.Join(dir, "d.state")}}
	runSteps(t, e, dummy, []step{{"monitor", 7}, {"start", 0}, {"monitor", 0}, {"reload-agent", 0}, {"migrate_to", 0}, {"monitor", 7}, {"migrate_from", 0}, {"stop", 0}, {"monitor", 7}})

	failing := dummy
	failing.Params = map[string]string{"state": filepath.Join(dir, "f.state"), "fail_on": "start", "fail_rc": "5", "fail_once": "true"}
	failing.Action = "start"
	if r := e.Exec(context.Background(), failing); r.RC != 5 || r.ExitReason != "Simulated failure of start" {
		t.Errorf("fail_on start: rc %d reason %q", r.RC, r.ExitReason)
	}
	if r := e.Exec(context.Background(), failing); r.RC != 0 {
		t.Errorf("fail_once: second start rc %d", r.RC)
	}
	slow := dummy
	slow.Params = map[string]string{"state": filepath.Join(dir, "s.state"), "op_sleep": "3"}
	slow.Action, slow.TimeoutMS = "start", 500
	if r := e.Exec(context.Background(), slow); r.Status != StatusTimeout {
		t.Errorf("op_sleep past the timeout: status %v", r.Status)
	}

	stateful := Request{RscID: uniq("s"), Class: "ocf", Provider: "pacer", Type: "Stateful", TimeoutMS: 20000,
		Params: map[string]string{"state": filepath.Join(dir, "st.state")}}
	runSteps(t, e, stateful, []step{{"monitor", 7}, {"start", 0}, {"monitor", 0}, {"promote", 0}, {"monitor", 8}, {"demote", 0}, {"monitor", 0}, {"stop", 0}, {"monitor", 7}})

	ping := Request{RscID: uniq("p"), Class: "ocf", Provider: "pacer", Type: "ping", TimeoutMS: 20000,
		Params: map[string]string{"pidfile": filepath.Join(dir, "ping.pid"), "host_list": "127.0.0.1", "multiplier": "100", "attempts": "1", "timeout": "1", "name": "conn"}}
	runSteps(t, e, ping, []step{{"monitor", 7}, {"start", 0}, {"monitor", 0}, {"stop", 0}, {"monitor", 7}})
	noHosts := ping
	noHosts.Params = map[string]string{"pidfile": filepath.Join(dir, "ping2.pid")}
	noHosts.Action = "start"
	if r := e.Exec(context.Background(), noHosts); r.RC != OCFNotConfigured {
		t.Errorf("ping without host_list: rc %d", r.RC)
	}

	calls, _ := os.ReadFile(log)
	for _, want := range []string{"crm_attribute --promotion -v 10", "crm_attribute --promotion -v 5", "attrd_updater -n conn -U 100", "attrd_updater -D -n conn"} {
		if !strings.Contains(string(calls), want) {
			t.Errorf("no %q call; calls:\n%s", want, calls)
		}
	}
}

// netns creates a network namespace with a veth interface 10.250.x.1/24.
func netns(t *testing.T) (name, nic, prefix string) {
	t.Helper()
	needRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip (iproute2) not installed")
	}
	name = uniq("pacer-lrmd-")
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	nic = "pcr0"
	prefix = fmt.Sprintf("10.250.%d", rand.Intn(250)+1)
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		// A veth pair with both ends inside: works without the dummy module.
		{"link", "add", nic, "type", "veth", "peer", "name", "pcr1"},
		{"addr", "add", prefix + ".1/24", "dev", nic},
		{"link", "set", nic, "up"},
		{"link", "set", "pcr1", "up"},
	} {
		if out, err := exec.Command("ip", append([]string{"-n", name}, args...)...).CombinedOutput(); err != nil {
			t.Skipf("setting up namespace (%v): %v: %s", args, err, out)
		}
	}
	return name, nic, prefix
}

// nsWrapper is an OCF root whose agent provider/typ runs the system agent
// inside network namespace ns, so the executor drives the real agent.
func nsWrapper(t *testing.T, ns, provider, typ string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", provider)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\nOCF_ROOT=%s; export OCF_ROOT\nexec ip netns exec %s %s \"$@\"\n",
		systemOCF, ns, filepath.Join(systemOCF, "resource.d", provider, typ))
	if err := os.WriteFile(filepath.Join(dir, typ), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestIPaddr2InNamespace(t *testing.T) {
	needAgent(t, "heartbeat", "IPaddr2")
	ns, nic, prefix := netns(t)
	e := New(Options{OCFRoots: []string{nsWrapper(t, ns, "heartbeat", "IPaddr2")}})
	t.Cleanup(func() { e.Close() })
	ip := prefix + ".10"
	base := Request{RscID: uniq("vip"), Class: "ocf", Provider: "heartbeat", Type: "IPaddr2", TimeoutMS: 20000,
		Params: map[string]string{"ip": ip, "cidr_netmask": "24", "nic": nic}}
	hasAddr := func() bool {
		out, err := exec.Command("ip", "-n", ns, "-o", "addr", "show", "dev", nic).CombinedOutput()
		if err != nil {
			t.Fatalf("ip addr: %v: %s", err, out)
		}
		return strings.Contains(string(out), " "+ip+"/24")
	}
	runSteps(t, e, base, []step{{"monitor", OCFNotRunning}, {"start", 0}, {"monitor", 0}})
	if !hasAddr() {
		t.Fatalf("%s not on %s after start", ip, nic)
	}
	runSteps(t, e, base, []step{{"stop", 0}, {"monitor", OCFNotRunning}})
	if hasAddr() {
		t.Fatalf("%s still on %s after stop", ip, nic)
	}
}

func TestFilesystemOnLoop(t *testing.T) {
	needAgent(t, "heartbeat", "Filesystem")
	needRoot(t)
	for _, tool := range []string{"losetup", "mkfs.ext4", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "fs.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 16<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		t.Skipf("mkfs.ext4: %v: %s", err, out)
	}
	out, err := exec.Command("losetup", "-f", "--show", img).CombinedOutput()
	if err != nil {
		t.Skipf("no loop device available: %v: %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	mnt := filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("umount", mnt).Run()
		exec.Command("losetup", "-d", dev).Run()
	})
	mounted := func() bool {
		data, _ := os.ReadFile("/proc/mounts")
		return strings.Contains(string(data), " "+mnt+" ")
	}
	opts := Options{OCFRoots: []string{systemOCF}}
	if _, err := exec.LookPath("modprobe"); err != nil {
		// Containers often lack kmod; the agent insists on finding modprobe
		// although ext4 is built into the running kernel. A no-op stand-in
		// first on the agent's PATH is enough.
		data, _ := os.ReadFile("/proc/filesystems")
		if !strings.Contains(string(data), "ext4") {
			t.Skip("modprobe missing and ext4 not loaded")
		}
		tools := t.TempDir()
		if err := os.WriteFile(filepath.Join(tools, "modprobe"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		opts.ToolDir = tools
	}
	e := New(opts)
	t.Cleanup(func() { e.Close() })
	base := Request{RscID: uniq("fs"), Class: "ocf", Provider: "heartbeat", Type: "Filesystem", TimeoutMS: 60000,
		Params: map[string]string{"device": dev, "directory": mnt, "fstype": "ext4"}}
	runSteps(t, e, base, []step{{"monitor", OCFNotRunning}, {"start", 0}, {"monitor", 0}})
	if !mounted() {
		t.Fatalf("%s not mounted on %s after start", dev, mnt)
	}
	deep := base
	deep.Params = map[string]string{"device": dev, "directory": mnt, "fstype": "ext4", "OCF_CHECK_LEVEL": "10"}
	runSteps(t, e, deep, []step{{"monitor", 0}})
	runSteps(t, e, base, []step{{"stop", 0}, {"monitor", OCFNotRunning}})
	if mounted() {
		t.Fatalf("%s still mounted after stop", mnt)
	}
}

func TestLSBScript(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "running")
	script := `#!/bin/sh
### BEGIN INIT INFO
# Provides:          pacertest
# Short-Description: Pacer test service
# Description:       Used by the lrmd tests.
### END INIT INFO
case "$1" in
start) : > ` + state + `; exit 0 ;;
stop) rm -f ` + state + `; exit 0 ;;
status)
	[ -e ` + dir + `/unknown ] && exit 4
	[ -e ` + state + ` ] && exit 0
	exit 3 ;;
restart|force-reload) exit 0 ;;
*) exit 3 ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "pacertest"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e := New(Options{OCFRoots: []string{systemOCF}, LSBDir: dir, SystemdRunning: func() bool { return false }})
	t.Cleanup(func() { e.Close() })
	for _, class := range []string{"lsb", "service"} {
		base := Request{RscID: uniq("lsb"), Class: class, Type: "pacertest", TimeoutMS: 20000}
		runSteps(t, e, base, []step{{"monitor", OCFNotRunning}, {"start", 0}, {"monitor", 0}, {"stop", 0}, {"monitor", OCFNotRunning}})
		os.WriteFile(filepath.Join(dir, "unknown"), nil, 0o644)
		runSteps(t, e, base, []step{{"monitor", OCFUnknownError}})
		os.Remove(filepath.Join(dir, "unknown"))
		runSteps(t, e, base, []step{{"promote", OCFUnimplemented}})
	}
	md, err := e.Metadata(context.Background(), "lsb", "", "pacertest")
	if err != nil {
		t.Fatal(err)
	}
	if md.ShortDesc != "Pacer test service" || !md.HasAction("status") {
		t.Errorf("LSB meta-data: %+v", md)
	}
	if r := e.Exec(context.Background(), Request{RscID: "x", Class: "lsb", Type: "nosuchscript", Action: "start"}); r.RC != OCFNotInstalled {
		t.Errorf("missing LSB script: rc %d", r.RC)
	}
}

func TestDRBDMetadata(t *testing.T) {
	needAgent(t, "linbit", "drbd")
	e := New(Options{OCFRoots: []string{systemOCF}})
	md, err := e.Metadata(context.Background(), "ocf", "linbit", "drbd")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range md.Parameters {
		if p.Name == "drbd_resource" {
			found = p.Required
		}
	}
	if md.Name != "drbd" || !found || !md.HasAction("promote") || md.ActionTimeout("start", 0) == 0 {
		t.Errorf("drbd meta-data: name %q, drbd_resource required %v, actions %+v", md.Name, found, md.Actions)
	}
	agents, err := e.Agents("ocf", "linbit")
	if err != nil || !contains(agents, "drbd") || contains(agents, "drbd.shellfuncs.sh") {
		t.Errorf("linbit agents %v (%v): want drbd, not the non-executable shellfuncs", agents, err)
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

func TestRecurringRealMonitor(t *testing.T) {
	needAgent(t, "heartbeat", "Dummy")
	e := New(Options{OCFRoots: []string{systemOCF}})
	t.Cleanup(func() { e.Close() })
	base := Request{RscID: uniq("rd"), Class: "ocf", Provider: "heartbeat", Type: "Dummy", TimeoutMS: 20000,
		Params: map[string]string{"state": filepath.Join(t.TempDir(), "rd.state")}}
	runSteps(t, e, base, []step{{"start", 0}})
	mon := base
	mon.Action, mon.IntervalMS = "monitor", 100
	got := make(chan Result, 10)
	if _, err := e.StartRecurring(mon, func(r Result) { got <- r }); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if !r.OK() || r.OpDigest == "" {
			t.Errorf("recurring monitor: rc %d digest %q", r.RC, r.OpDigest)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no monitor result")
	}
	os.Remove(base.Params["state"])
	select {
	case r := <-got:
		if r.RC != OCFNotRunning {
			t.Errorf("after the state file vanished: rc %d", r.RC)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the monitor did not notice the failure")
	}
	runSteps(t, e, base, []step{{"stop", 0}})
	if r := <-got; r.Status != StatusCancelled {
		t.Errorf("stop did not cancel the monitor: %v", r.Status)
	}
}

// TestSchedulerAcceptsHistory records a real start and monitor through the
// executor, writes them into a CIB's status section as lrm_rsc_op entries,
// and asks Pacemaker's scheduler (crm_simulate) what to do: nothing, if the
// entries (digests included) are what Pacemaker itself would have written;
// a restart once the configuration changes.
func TestSchedulerAcceptsHistory(t *testing.T) {
	needAgent(t, "heartbeat", "Dummy")
	sim, err := exec.LookPath("crm_simulate")
	if err != nil {
		t.Skip("crm_simulate (pacemaker-cli-utils) not installed")
	}
	e := New(Options{OCFRoots: []string{systemOCF}})
	t.Cleanup(func() { e.Close() })
	dir := t.TempDir()
	state := filepath.Join(dir, "r1.state")
	start := Request{RscID: "r1", Class: "ocf", Provider: "heartbeat", Type: "Dummy", Action: "start", TimeoutMS: 20000,
		Params: map[string]string{"state": state, "fake": "a&b"}, TransitionKey: "1:1:0:6f2b1c44-0000-4000-8000-000000000001"}
	mon := start
	mon.Action, mon.IntervalMS, mon.TimeoutMS, mon.TransitionKey = "monitor", 10000, 30000, "2:1:0:6f2b1c44-0000-4000-8000-000000000001"
	rs := e.Exec(context.Background(), start)
	rm := e.Exec(context.Background(), mon)
	if !rs.OK() || !rm.OK() {
		t.Fatalf("start %d/%v, monitor %d/%v", rs.RC, rs.Status, rm.RC, rm.Status)
	}
	if rs.RestartParams == nil {
		t.Fatal("no op-force-restart for an agent with reload")
	}
	lrm := etree.NewElement("lrm_resource")
	for k, v := range map[string]string{"id": "r1", "class": "ocf", "provider": "heartbeat", "type": "Dummy"} {
		lrm.CreateAttr(k, v)
	}
	lrm.AddChild(rs.HistoryEntry(HistoryID("r1", "start", 0, false), "n1"))
	lrm.AddChild(rm.HistoryEntry(HistoryID("r1", "monitor", 10000, false), "n1"))
	doc := etree.NewDocument()
	doc.AddChild(lrm)
	history, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	cib := func(state, fake string) string {
		return `<cib have-quorum="1" crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>` +
			`<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>` +
			`<nodes><node id="1" uname="n1"/></nodes><resources><primitive class="ocf" id="r1" provider="heartbeat" type="Dummy">` +
			`<instance_attributes id="ia"><nvpair id="ia-s" name="state" value="` + state + `"/><nvpair id="ia-f" name="fake" value="` + fake + `"/></instance_attributes>` +
			`<operations><op id="r1-mon" name="monitor" interval="10s" timeout="30s"/></operations></primitive></resources><constraints/></configuration>` +
			`<status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>` +
			history + `</lrm_resources></lrm></node_state></status></cib>`
	}
	simulate := func(c string) string {
		p := filepath.Join(dir, "cib.xml")
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(sim, "-x", p, "-S").CombinedOutput()
		if err != nil {
			t.Fatalf("crm_simulate: %v\n%s", err, out)
		}
		return string(out)
	}
	out := simulate(cib(state, "a&amp;b"))
	if strings.Contains(out, "Resource action") || !strings.Contains(out, "Started n1") {
		t.Errorf("the scheduler does not accept the executor's history:\n%s", out)
	}
	// A reloadable parameter changed: the restart digest still matches, so
	// a reload; a unique one (the legacy reload's restart list): a restart.
	if out := simulate(cib(state, "changed")); !strings.Contains(out, "* Reload") {
		t.Errorf("changing fake should reload:\n%s", out)
	}
	if out := simulate(cib(state+".new", "a&amp;b")); !strings.Contains(out, "* Restart") {
		t.Errorf("changing state should restart:\n%s", out)
	}
	runSteps(t, e, start, []step{{"stop", 0}})
}

func TestValidateAndDefaults(t *testing.T) {
	needAgent(t, "heartbeat", "IPaddr2")
	e := New(Options{OCFRoots: []string{systemOCF}})
	ctx := context.Background()
	probs, err := e.Validate(ctx, Request{Class: "ocf", Provider: "heartbeat", Type: "IPaddr2", Params: map[string]string{"nic": "eth0", "bogus": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 2 || !strings.Contains(probs[0], `"ip"`) || !strings.Contains(probs[1], `"bogus"`) {
		t.Errorf("problems %q: want the missing ip and the unknown bogus", probs)
	}
	if probs, _ := e.Validate(ctx, Request{Class: "ocf", Provider: "heartbeat", Type: "IPaddr2", Params: map[string]string{"ip": "10.0.0.1"}}); len(probs) != 0 {
		t.Errorf("valid parameters reported: %q", probs)
	}
	full, err := e.WithDefaults(ctx, "ocf", "heartbeat", "IPaddr2", map[string]string{"ip": "10.0.0.1"})
	if err != nil || full["ip"] != "10.0.0.1" || full["lvs_support"] != "false" {
		t.Errorf("defaults: %v %v", full, err)
	}
	if got := e.DefaultTimeoutMS(ctx, "ocf", "heartbeat", "IPaddr2", "start", 0); got != 20000 {
		t.Errorf("IPaddr2 start timeout %d", got)
	}
	if got := e.DefaultTimeoutMS(ctx, "ocf", "heartbeat", "Nope", "start", 0); got != e.Options().DefaultTimeoutMS {
		t.Errorf("missing agent's timeout %d", got)
	}
}
