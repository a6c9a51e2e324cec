package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/membership"
)

// These tests run real crmd processes on loopback ports: each node has its own
// state directory, run directory and socket.

var (
	buildOnce sync.Once
	crmdBin   string
	buildErr  error
)

func crmdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "crmd-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		// dir/bin/crmd with Pacer's agents in dir/lib/ocf, where the
		// executor looks for them (as after make).
		crmdBin = filepath.Join(dir, "bin", "crmd")
		agents, err := filepath.Abs(filepath.Join("..", "..", "agents", "ocf", "pacer"))
		if err == nil {
			err = os.MkdirAll(filepath.Join(dir, "lib", "ocf", "resource.d"), 0o755)
		}
		if err == nil {
			err = os.Symlink(agents, filepath.Join(dir, "lib", "ocf", "resource.d", "pacer"))
		}
		if err != nil {
			buildErr = err
			return
		}
		args := []string{"build", "-o", crmdBin}
		if os.Getenv("CRMD_TEST_RACE") != "" {
			args = append(args, "-race") // the daemons themselves run with the race detector
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return crmdBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if crmdBin != "" {
		os.RemoveAll(filepath.Dir(filepath.Dir(crmdBin)))
	}
	os.Exit(code)
}

// freePort finds a port free for both TCP and UDP on 127.0.0.1 (memberlist uses both).
func freePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

type testNode struct {
	name, conf, sock, log string
	cmd                   *exec.Cmd
	logBuf                *bytes.Buffer
}

type testCluster struct {
	t     *testing.T
	dir   string
	nodes map[string]*testNode
	names []string
	// agentDir holds the nodes' HA_RSCTMP directories.
	agentDir string
	// wrap, when set, gives the command prefix that runs a node (e.g. ip netns exec).
	wrap func(name string) []string
}

// newCluster writes a configuration for names (keys[i] is node i's key file
// content; nil = the shared key) and extra settings, without starting anything.
func newCluster(t *testing.T, names []string, extra string, wrongKey map[string]bool) *testCluster {
	addrs := make([]string, len(names))
	for i := range names {
		addrs[i] = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	}
	return newClusterAt(t, names, addrs, extra, wrongKey)
}

// newClusterAt is newCluster with the nodes' addresses given.
func newClusterAt(t *testing.T, names, addrs []string, extra string, wrongKey map[string]bool) *testCluster {
	dir := t.TempDir()
	key := filepath.Join(dir, "authkey")
	if err := membership.WriteKeyFile(key, false); err != nil {
		t.Fatal(err)
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, "cluster_name = test\n")
	for i, n := range names {
		fmt.Fprintf(&conf, "node = %s id=%d addr=%s\n", n, i+1, addrs[i])
	}
	conf.WriteString(testTiming)
	conf.WriteString(extra)
	agentDir, err := os.MkdirTemp("", "crmd-test-rsctmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Retried: see rsctmp.
		for range 20 {
			if os.RemoveAll(agentDir) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	c := &testCluster{t: t, dir: dir, agentDir: agentDir, nodes: map[string]*testNode{}, names: names}
	for _, n := range names {
		nd := filepath.Join(dir, n)
		os.MkdirAll(nd, 0o755)
		k := key
		if wrongKey[n] {
			k = filepath.Join(nd, "wrongkey")
			if err := membership.WriteKeyFile(k, false); err != nil {
				t.Fatal(err)
			}
		}
		cf := filepath.Join(nd, "crmd.conf")
		body := conf.String() + fmt.Sprintf("key_file = %s\nstate_dir = %s\nrun_dir = %s\n", k, filepath.Join(nd, "state"), filepath.Join(nd, "run"))
		if err := os.WriteFile(cf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		c.nodes[n] = &testNode{name: n, conf: cf, sock: filepath.Join(nd, "run", "crmd.sock"), log: filepath.Join(nd, "log")}
	}
	t.Cleanup(c.stopAll)
	return c
}

// Timing for tests on a busy 2-core machine: still sub-second detection.
const testTiming = `probe_interval = 200ms
probe_timeout = 100ms
suspicion_mult = 2
gossip_interval = 50ms
tick = 20ms
ack_timeout = 800ms
election_timeout = 400ms
rejoin_interval = 300ms
`

func (c *testCluster) start(name string, args ...string) {
	c.t.Helper()
	n := c.nodes[name]
	n.logBuf = &bytes.Buffer{}
	argv := append([]string{crmdBinary(c.t), "run", "--config", n.conf, "--name", name}, args...)
	if c.wrap != nil {
		argv = append(c.wrap(name), argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	lf, err := os.OpenFile(n.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	// Each node's agents keep their state files in the node's directory.
	rsctmp := c.rsctmp(name)
	if err := os.MkdirAll(rsctmp, 0o755); err != nil {
		c.t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "PACER_SOCKET=", "HA_RSCTMP="+rsctmp)
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	lf.Close()
	n.cmd = cmd
}

// rsctmp is the node's HA_RSCTMP (Dummy's state files). It lives outside
// the test's TempDir: an agent of a SIGKILLed crmd may still write there
// while the test cleans up, which TempDir reports as a failure.
func (c *testCluster) rsctmp(name string) string { return filepath.Join(c.agentDir, name) }

func (c *testCluster) kill(name string) {
	n := c.nodes[name]
	if n.cmd != nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
		n.cmd = nil
	}
}

func (c *testCluster) stopAll() {
	for _, n := range c.nodes {
		if n.cmd != nil {
			n.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, n := range c.nodes {
		if n.cmd != nil {
			done := make(chan struct{})
			go func() { n.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				n.cmd.Process.Kill()
				<-done
			}
			n.cmd = nil
		}
	}
	for _, name := range c.names {
		if b, _ := os.ReadFile(c.nodes[name].log); bytes.Contains(b, []byte("WARNING: DATA RACE")) {
			c.t.Errorf("%s's crmd reported a data race:\n%s", name, b)
		}
	}
	if c.t.Failed() {
		for _, name := range c.names {
			b, _ := os.ReadFile(c.nodes[name].log)
			c.t.Logf("--- log of %s ---\n%s", name, tail(string(b), 40))
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *testCluster) client(name string) *ipc.Client {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cl, err := ipc.Dial(ctx, c.nodes[name].sock)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

func status(sock string) (ipc.Status, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	cl, err := ipc.Dial(ctx, sock)
	if err != nil {
		return ipc.Status{}, nil, err
	}
	defer cl.Close()
	st, err := cl.Status(ctx)
	if err != nil {
		return st, nil, err
	}
	doc, _, err := cl.Query(ctx)
	return st, doc, err
}

// waitAgree waits until the named nodes all see the same DC (one of them), have
// exactly them as members, and hold byte-identical CIBs. It returns the DC.
func (c *testCluster) waitAgree(names []string, within time.Duration) string {
	c.t.Helper()
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		dc, ok := "", true
		var doc0 []byte
		for i, n := range names {
			st, doc, err := status(c.nodes[n].sock)
			if err != nil {
				ok, last = false, fmt.Sprintf("%s: %v", n, err)
				break
			}
			if i == 0 {
				dc, doc0 = st.DC, doc
			}
			if st.DC == "" || st.DC != dc || !slices.Contains(names, dc) || !slices.Equal(st.Members, sorted(names)) || !bytes.Equal(doc, doc0) {
				ok, last = false, fmt.Sprintf("%s sees DC %q members %v (first node: DC %q); CIB equal=%v", n, st.DC, st.Members, dc, bytes.Equal(doc, doc0))
				break
			}
			if n == dc && !slices.Equal(st.Partition, sorted(names)) {
				ok, last = false, fmt.Sprintf("DC %s has synced only %v", n, st.Partition)
				break
			}
		}
		if ok {
			return dc
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("nodes %v did not agree within %v: %s", names, within, last)
	return ""
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func createPrimitive(ctx context.Context, sock, id string) error {
	b, err := ipc.DialBackend(ctx, sock)
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Update(ctx, func(c *cib.CIB) error {
		x, err := cib.ParseElement([]byte(fmt.Sprintf(`<primitive id="%s" class="ocf" provider="pacer" type="Dummy"/>`, id)))
		if err != nil {
			return err
		}
		return c.Create("resources", x)
	})
}

func hasPrimitive(t *testing.T, sock, id string) bool {
	t.Helper()
	_, doc, err := status(sock)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(doc, []byte(`id="`+id+`"`))
}

func TestThreeNodesAgreeAndSurviveDCKill(t *testing.T) {
	names := []string{"alpha", "beta", "gamma"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	t.Logf("formed with DC %s", dc)
	var other string
	for _, n := range names {
		if n != dc {
			other = n
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := createPrimitive(ctx, c.nodes[other].sock, "written-via-"+other); err != nil {
		t.Fatalf("write through non-DC %s: %v", other, err)
	}
	t.Logf("write through %s acknowledged in %v", other, time.Since(start).Round(time.Millisecond))
	// The acknowledgement means every member has it on disk: kill the DC at once.
	killed := time.Now()
	c.kill(dc)
	var rest []string
	for _, n := range names {
		if n != dc {
			rest = append(rest, n)
		}
	}
	newDC := c.waitAgree(rest, 10*time.Second)
	t.Logf("DC %s killed; %s is DC after %v", dc, newDC, time.Since(killed).Round(time.Millisecond))
	for _, n := range rest {
		if !hasPrimitive(t, c.nodes[n].sock, "written-via-"+other) {
			t.Errorf("%s lost the acknowledged write", n)
		}
	}
	// Two of three keep quorum and accept writes.
	if err := createPrimitive(ctx, c.nodes[rest[0]].sock, "after-failover"); err != nil {
		t.Fatalf("write after failover: %v", err)
	}
	// The old DC restarts with its stored CIB and converges on the newer one.
	c.start(dc)
	c.waitAgree(names, 15*time.Second)
	if !hasPrimitive(t, c.nodes[dc].sock, "after-failover") {
		t.Errorf("restarted %s did not get the write made while it was down", dc)
	}
}

func TestWrongKeyCannotJoin(t *testing.T) {
	names := []string{"alpha", "beta", "intruder"}
	c := newCluster(t, names, "", map[string]bool{"intruder": true})
	for _, n := range names {
		c.start(n)
	}
	c.waitAgree([]string{"alpha", "beta"}, 15*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := createPrimitive(ctx, c.nodes["alpha"].sock, "secret"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // several rejoin attempts in both directions
	st, doc, err := status(c.nodes["intruder"].sock)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Members, []string{"intruder"}) {
		t.Errorf("intruder sees members %v", st.Members)
	}
	if bytes.Contains(doc, []byte("secret")) {
		t.Error("intruder received the cluster's CIB")
	}
	for _, n := range []string{"alpha", "beta"} {
		st, _, err := status(c.nodes[n].sock)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(st.Members, "intruder") {
			t.Errorf("%s lists the intruder as a member: %v", n, st.Members)
		}
	}
}

func TestTwoNodeKeepsWritingWithOneDown(t *testing.T) {
	names := []string{"alpha", "beta"}
	c := newCluster(t, names, "two_node = yes\nwait_for_all = yes\n", nil)
	for _, n := range names {
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	var survivor string
	for _, n := range names {
		if n != dc {
			survivor = n
		}
	}
	c.kill(dc)
	c.waitAgree([]string{survivor}, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := createPrimitive(ctx, c.nodes[survivor].sock, "alone"); err != nil {
		t.Fatalf("write with one of two nodes down: %v", err)
	}
	st, doc, _ := status(c.nodes[survivor].sock)
	if !st.Quorate || !bytes.Contains(doc, []byte(`have-quorum="1"`)) {
		t.Errorf("survivor quorate=%v; CIB root: %s", st.Quorate, firstLine(doc))
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}

func TestAttributesAcrossNodes(t *testing.T) {
	names := []string{"alpha", "beta", "gamma"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	var other string
	for _, n := range names {
		if n != dc {
			other = n
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Set on a non-DC node for itself (node "" = local), read from every node.
	if err := c.client(other).AttrSet(ctx, "", "pingd", "100", 0); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		v, ok, err := c.client(n).AttrGet(ctx, other, "pingd")
		if err != nil || !ok || v != "100" {
			t.Errorf("%s reads %s's pingd = %q %v %v", n, other, v, ok, err)
		}
	}
	// A dampened update shows up only after the window.
	if err := c.client(dc).AttrSet(ctx, other, "pingd", "200", 500); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := c.client(dc).AttrGet(ctx, other, "pingd"); v != "100" {
		t.Errorf("dampened value visible at once: %q", v)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, _, _ := c.client(dc).AttrGet(ctx, other, "pingd"); v == "200" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("dampened value never written")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The node fails: its transient attributes go with it.
	c.kill(other)
	var rest []string
	for _, n := range names {
		if n != other {
			rest = append(rest, n)
		}
	}
	c.waitAgree(rest, 10*time.Second)
	// The new partition's DC clears them right after it is ready: allow for
	// that write to reach everyone.
	deadline = time.Now().Add(5 * time.Second)
	for _, n := range rest {
		for {
			_, ok, err := c.client(n).AttrGet(ctx, other, "pingd")
			if err == nil && !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s still has the failed node's attribute (%v)", n, err)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := c.client(rest[0]).AttrSet(ctx, "nobody", "x", "1", 0); err == nil {
		t.Error("attribute on an unknown node accepted")
	}
}

func TestStatusCommand(t *testing.T) {
	names := []string{"alpha", "beta"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	out, err := exec.Command(crmdBinary(t), "status", "--socket", c.nodes["beta"].sock).CombinedOutput()
	if err != nil {
		t.Fatalf("crmd status: %v\n%s", err, out)
	}
	for _, want := range []string{"Node:     beta", "DC:       " + dc, "Quorum:   yes", "Members:  alpha beta (of alpha beta)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("crmd status lacks %q:\n%s", want, out)
		}
	}
	cmd := exec.Command(crmdBinary(t), "status", "--socket", filepath.Join(t.TempDir(), "none.sock"))
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 102 {
		t.Errorf("crmd status without a daemon: %v, exit %d, want 102", err, cmd.ProcessState.ExitCode())
	}
}

// TestGracefulStopHandsOver: a DC stopped with SIGTERM announces its departure,
// so the others re-elect at once instead of waiting for failure detection.
func TestGracefulStopHandsOver(t *testing.T) {
	names := []string{"alpha", "beta", "gamma"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.start(n)
	}
	dc := c.waitAgree(names, 15*time.Second)
	stopped := time.Now()
	n := c.nodes[dc]
	n.cmd.Process.Signal(syscall.SIGTERM)
	var rest []string
	for _, x := range names {
		if x != dc {
			rest = append(rest, x)
		}
	}
	newDC := c.waitAgree(rest, 10*time.Second)
	took := time.Since(stopped)
	if err := n.cmd.Wait(); err != nil {
		t.Errorf("crmd exit after SIGTERM: %v", err)
	}
	n.cmd = nil
	t.Logf("DC %s stopped; %s took over after %v", dc, newDC, took.Round(time.Millisecond))
	if b, _ := os.ReadFile(c.nodes[rest[0]].log); !bytes.Contains(b, []byte(`msg="node left" node=`+rest[0]+` peer=`+dc)) {
		t.Errorf("%s did not see %s leave gracefully", rest[0], dc)
	}
	if _, err := os.Stat(n.sock); !os.IsNotExist(err) {
		t.Errorf("socket %s left behind: %v", n.sock, err)
	}
}
