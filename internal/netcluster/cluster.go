package netcluster

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
	"syscall"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/membership"
)

// Timing is crmd.conf's timing for tests on a busy 2-core machine: still
// sub-second failure detection.
const Timing = `probe_interval = 200ms
probe_timeout = 100ms
suspicion_mult = 2
gossip_interval = 50ms
tick = 20ms
ack_timeout = 800ms
election_timeout = 400ms
rejoin_interval = 300ms
`

// Config describes a cluster to create.
type Config struct {
	// Crmd is the crmd binary (see Build); required.
	Crmd string
	// Names are the nodes, ids 1..n in this order.
	Names []string
	// Addrs are the nodes' membership addresses; nil picks free loopback
	// ports. With Net set they default to Net's addresses.
	Addrs []string
	// Net, when set, runs every node in its namespace.
	Net *Net
	// Extra is appended to crmd.conf (after Timing), e.g. "two_node = yes\n".
	Extra string
	// WrongKey names nodes that get a key of their own (they cannot join).
	WrongKey map[string]bool
	// Env is added to every crmd's environment.
	Env []string
}

// Node is one node's files and process.
type Node struct {
	Name string
	// Conf is its crmd.conf, Sock its API socket (PACER_SOCKET), Log the
	// crmd's stdout and stderr, RscTmp its agents' HA_RSCTMP.
	Conf, Sock, Log, RscTmp string
	cmd                     *exec.Cmd
}

// Running reports whether the node's crmd was started and not yet stopped.
func (n *Node) Running() bool { return n.cmd != nil }

// Cmd is the node's running crmd process (nil when not running), for tests
// that signal it and wait for it themselves; they call Forget once it exited.
func (n *Node) Cmd() *exec.Cmd { return n.cmd }

// Forget marks the node's crmd as no longer running (the caller waited for
// it).
func (n *Node) Forget() { n.cmd = nil }

// Cluster is a set of crmd nodes sharing one configuration and key.
type Cluster struct {
	t     testing.TB
	cfg   Config
	Dir   string
	Names []string
	Nodes map[string]*Node
	// agentDir holds the nodes' HA_RSCTMP directories.
	agentDir string
}

// FreePort finds a port free for both TCP and UDP on 127.0.0.1 (memberlist
// uses both).
func FreePort(t testing.TB) int {
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
	t.Fatal("netcluster: no free port")
	return 0
}

// New writes the configuration (one key, one crmd.conf per node with its own
// state and run directory) without starting anything. The nodes are stopped
// when the test ends.
func New(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	if cfg.Crmd == "" {
		t.Fatal("netcluster: Config.Crmd not set")
	}
	addrs := cfg.Addrs
	if addrs == nil && cfg.Net != nil {
		addrs = cfg.Net.Addrs()
	}
	if addrs == nil {
		for range cfg.Names {
			addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", FreePort(t)))
		}
	}
	if len(addrs) != len(cfg.Names) {
		t.Fatalf("netcluster: %d addresses for %d nodes", len(addrs), len(cfg.Names))
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "authkey")
	if err := membership.WriteKeyFile(key, false); err != nil {
		t.Fatal(err)
	}
	var conf strings.Builder
	conf.WriteString("cluster_name = test\n")
	for i, n := range cfg.Names {
		fmt.Fprintf(&conf, "node = %s id=%d addr=%s\n", n, i+1, addrs[i])
	}
	conf.WriteString(Timing)
	conf.WriteString(cfg.Extra)
	// The agents' state lives outside the test's TempDir: an agent of a
	// SIGKILLed crmd may still write there during cleanup, which TempDir
	// reports as a failure. Removal is retried for the same reason.
	agentDir, err := os.MkdirTemp("", "netcluster-rsctmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(agentDir) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	c := &Cluster{t: t, cfg: cfg, Dir: dir, agentDir: agentDir, Nodes: map[string]*Node{}, Names: slices.Clone(cfg.Names)}
	for _, n := range cfg.Names {
		nd := filepath.Join(dir, n)
		if err := os.MkdirAll(nd, 0o755); err != nil {
			t.Fatal(err)
		}
		k := key
		if cfg.WrongKey[n] {
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
		c.Nodes[n] = &Node{Name: n, Conf: cf, Sock: filepath.Join(nd, "run", "crmd.sock"), Log: filepath.Join(nd, "log"), RscTmp: filepath.Join(agentDir, n)}
	}
	t.Cleanup(c.StopAll)
	return c
}

// Wrap is the command prefix that runs a program where the node runs (its
// namespace), empty on loopback.
func (c *Cluster) Wrap(name string) []string {
	if c.cfg.Net == nil {
		return nil
	}
	return c.cfg.Net.Wrap(name)
}

// Start starts the node's crmd (crmd run --config ... --name NAME args...).
func (c *Cluster) Start(name string, args ...string) {
	c.t.Helper()
	n := c.node(name)
	argv := append(c.Wrap(name), append([]string{c.cfg.Crmd, "run", "--config", n.Conf, "--name", name}, args...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	lf, err := os.OpenFile(n.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	defer lf.Close()
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := os.MkdirAll(n.RscTmp, 0o755); err != nil {
		c.t.Fatal(err)
	}
	cmd.Env = append(append(os.Environ(), "PACER_SOCKET=", "HA_RSCTMP="+n.RscTmp), c.cfg.Env...)
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	n.cmd = cmd
}

// StartAll starts every node.
func (c *Cluster) StartAll() {
	c.t.Helper()
	for _, n := range c.Names {
		c.Start(n)
	}
}

func (c *Cluster) node(name string) *Node {
	c.t.Helper()
	n, ok := c.Nodes[name]
	if !ok {
		c.t.Fatalf("netcluster: no node %q", name)
	}
	return n
}

// Kill SIGKILLs the node's crmd and waits for it.
func (c *Cluster) Kill(name string) {
	n := c.node(name)
	if n.cmd != nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
		n.cmd = nil
	}
}

// Signal sends sig to the node's crmd, which is still considered running
// until Wait.
func (c *Cluster) Signal(name string, sig os.Signal) error {
	n := c.node(name)
	if n.cmd == nil {
		return fmt.Errorf("netcluster: %s is not running", name)
	}
	return n.cmd.Process.Signal(sig)
}

// Wait waits for the node's crmd to exit and returns its exit error.
func (c *Cluster) Wait(name string) error {
	n := c.node(name)
	if n.cmd == nil {
		return fmt.Errorf("netcluster: %s is not running", name)
	}
	err := n.cmd.Wait()
	n.cmd = nil
	return err
}

// StopAll stops every running node (SIGTERM, SIGKILL after 5s), fails the
// test if a crmd reported a data race, and logs the tail of every node's log
// when the test failed (NETCLUSTER_LOGS=DIR keeps the whole logs there).
func (c *Cluster) StopAll() {
	for _, n := range c.Nodes {
		if n.cmd != nil {
			n.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, n := range c.Nodes {
		if n.cmd == nil {
			continue
		}
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
	for _, name := range c.Names {
		if b, _ := os.ReadFile(c.Nodes[name].Log); bytes.Contains(b, []byte("WARNING: DATA RACE")) {
			c.t.Errorf("%s's crmd reported a data race:\n%s", name, b)
		}
	}
	if dir := os.Getenv("NETCLUSTER_LOGS"); dir != "" {
		// Whole logs for a post-mortem, one file per node.
		for _, name := range c.Names {
			b, _ := os.ReadFile(c.Nodes[name].Log)
			os.WriteFile(filepath.Join(dir, name+".log"), b, 0o644)
		}
	}
	if c.t.Failed() {
		for _, name := range c.Names {
			b, _ := os.ReadFile(c.Nodes[name].Log)
			c.t.Logf("--- log of %s ---\n%s", name, Tail(string(b), 40))
		}
	}
}

// Tail is the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// IDs maps node names to their ids.
func (c *Cluster) IDs() map[string]int {
	out := map[string]int{}
	for i, n := range c.Names {
		out[n] = i + 1
	}
	return out
}

// Client dials the node's API; it is closed when the test ends.
func (c *Cluster) Client(name string) *ipc.Client {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cl, err := ipc.Dial(ctx, c.node(name).Sock)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// Status asks the crmd at sock for its status and its CIB.
func Status(sock string) (ipc.Status, []byte, error) {
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

// WaitAgree waits until the named nodes all see the same DC (one of them),
// have exactly them as members, and hold byte-identical CIBs, and the DC has
// synced them all. It returns the DC and fails the test on timeout.
func (c *Cluster) WaitAgree(names []string, within time.Duration) string {
	c.t.Helper()
	dc, err := c.Agree(names, within)
	if err != nil {
		c.t.Fatal(err)
	}
	return dc
}

// Agree is WaitAgree returning the error instead of failing the test.
func (c *Cluster) Agree(names []string, within time.Duration) (string, error) {
	want := slices.Sorted(slices.Values(names))
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		dc, ok := "", true
		var doc0 []byte
		for i, n := range names {
			st, doc, err := Status(c.node(n).Sock)
			if err != nil {
				ok, last = false, fmt.Sprintf("%s: %v", n, err)
				break
			}
			if i == 0 {
				dc, doc0 = st.DC, doc
			}
			if st.DC == "" || st.DC != dc || !slices.Contains(names, dc) || !slices.Equal(st.Members, want) || !bytes.Equal(doc, doc0) {
				ok, last = false, fmt.Sprintf("%s sees DC %q members %v (first node: DC %q); CIB equal=%v", n, st.DC, st.Members, dc, bytes.Equal(doc, doc0))
				break
			}
			if n == dc && !slices.Equal(st.Partition, want) {
				ok, last = false, fmt.Sprintf("DC %s has synced only %v", n, st.Partition)
				break
			}
		}
		if ok {
			return dc, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", fmt.Errorf("netcluster: nodes %v did not agree within %v: %s", names, within, last)
}
