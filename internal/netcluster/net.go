package netcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Prefix starts the name of every namespace this package creates; the test
// process's pid and a per-process fixture number follow (pnc<pid>-<k>-...).
const Prefix = "pnc"

// Subnet is the nodes' network inside the namespaces: node i (from 0) has
// address 10.213.0.<i+1>. Each fixture has its own bridge, so fixtures of
// concurrent processes may use the same addresses.
const Subnet = "10.213.0.0/24"

// Port is the membership port of every node in a namespace.
const Port = 7946

// Net is a set of network namespaces, one per node, whose eth0 is plugged
// into a bridge in a separate switch namespace.
type Net struct {
	t      testing.TB
	base   string            // pnc<pid>-<k>-
	sw     string            // the switch namespace
	ns     map[string]string // node -> its namespace
	ifaces map[string]string // node -> its veth end in the switch namespace
	addrs  []string
}

func sh(args ...string) error {
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Available skips t unless network namespaces can be created here (root, the
// ip command, a kernel and sandbox that allow it).
func Available(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (iproute2)")
	}
	// Some sandboxes deny namespace creation even to root.
	probe := fmt.Sprintf("%s%d-probe", Prefix, os.Getpid())
	exec.Command("ip", "netns", "del", probe).Run()
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		t.Skipf("cannot create network namespaces here: %v %s", err, out)
	}
	exec.Command("ip", "netns", "del", probe).Run()
}

// CleanLeftovers deletes namespaces that a crashed earlier test process left:
// those with Prefix whose pid no longer runs. Namespaces of live processes,
// including other concurrent test runs, are left alone.
func CleanLeftovers() {
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], Prefix) {
			continue
		}
		pidStr, _, ok := strings.Cut(strings.TrimPrefix(f[0], Prefix), "-")
		pid, err := strconv.Atoi(pidStr)
		if !ok || err != nil || pid <= 0 || alive(pid) {
			continue
		}
		exec.Command("ip", "netns", "del", f[0]).Run()
	}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// NewNet creates a namespace per name, skipping t where namespaces are not
// available; everything is deleted when the test ends (register it before the
// processes that run inside, so they are stopped first).
func NewNet(t testing.TB, names []string) *Net {
	t.Helper()
	Available(t)
	CleanLeftovers()
	n := &Net{t: t, ns: map[string]string{}, ifaces: map[string]string{}}
	// The first free fixture number: adding the switch namespace fails when
	// another fixture of this process holds the name.
	for k := 0; ; k++ {
		n.base = fmt.Sprintf("%s%d-%d-", Prefix, os.Getpid(), k)
		n.sw = n.base + "sw"
		err := sh("ip", "netns", "add", n.sw)
		if err == nil {
			break
		}
		if k >= 100 {
			t.Fatalf("netcluster: no free namespace name: %v", err)
		}
	}
	t.Cleanup(n.teardown)
	must := func(args ...string) {
		t.Helper()
		if err := sh(args...); err != nil {
			t.Fatalf("netcluster: %v", err)
		}
	}
	must("ip", "-n", n.sw, "link", "add", "br0", "type", "bridge")
	must("ip", "-n", n.sw, "link", "set", "br0", "up")
	for i, name := range names {
		ns := n.base + name
		n.ns[name] = ns
		must("ip", "netns", "add", ns)
		must("ip", "-n", ns, "link", "set", "lo", "up")
		sw := fmt.Sprintf("sw%d", i)
		n.ifaces[name] = sw
		must("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", sw, "netns", n.sw)
		must("ip", "-n", n.sw, "link", "set", sw, "master", "br0")
		must("ip", "-n", n.sw, "link", "set", sw, "up")
		ip := fmt.Sprintf("10.213.0.%d", i+1)
		must("ip", "-n", ns, "addr", "add", ip+"/24", "dev", "eth0")
		must("ip", "-n", ns, "link", "set", "eth0", "up")
		n.addrs = append(n.addrs, fmt.Sprintf("%s:%d", ip, Port))
	}
	return n
}

func (n *Net) teardown() {
	for _, ns := range n.ns {
		exec.Command("ip", "netns", "del", ns).Run()
	}
	exec.Command("ip", "netns", "del", n.sw).Run()
}

// Addrs are the nodes' membership addresses (host:port), in the order of the
// names given to NewNet.
func (n *Net) Addrs() []string { return append([]string(nil), n.addrs...) }

// Namespace is the name of the node's namespace.
func (n *Net) Namespace(name string) string { return n.ns[name] }

// Wrap is the command prefix that runs a program in the node's namespace.
func (n *Net) Wrap(name string) []string {
	ns, ok := n.ns[name]
	if !ok {
		n.t.Fatalf("netcluster: no namespace for node %q", name)
	}
	return []string{"ip", "netns", "exec", ns}
}

// Cut takes the node's link down at the switch: it can reach no other node.
func (n *Net) Cut(name string) {
	n.t.Helper()
	if err := sh("ip", "-n", n.sw, "link", "set", n.ifaces[name], "down"); err != nil {
		n.t.Fatalf("netcluster: %v", err)
	}
}

// Heal brings a cut link back up.
func (n *Net) Heal(name string) {
	n.t.Helper()
	if err := sh("ip", "-n", n.sw, "link", "set", n.ifaces[name], "up"); err != nil {
		n.t.Fatalf("netcluster: %v", err)
	}
}
