package e2e

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
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/internal/netcluster"
	"github.com/pacer-ha/pacer/internal/testenv"
)

// The tools are built once per test process into a temporary directory (the
// layout make gives: bin/ with lib/ocf beside it), so the tests never run a
// stale bin/. E2E_BIN names a directory of already-built tools instead.
var built netcluster.Tools

func tools(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("E2E_BIN"); dir != "" {
		return dir
	}
	return built.Bin(t, testenv.RepoRoot(t))
}

func TestMain(m *testing.M) {
	code := m.Run()
	built.Remove()
	os.Exit(code)
}

// live is a running cluster and the tools to drive it.
type live struct {
	t   *testing.T
	bin string
	net *netcluster.Net
	c   *netcluster.Cluster
	dc  string
}

// start forms a cluster of names, each node in its namespace.
func start(t *testing.T, names ...string) *live {
	t.Helper()
	netcluster.Available(t)
	bin := tools(t)
	n := netcluster.NewNet(t, names)
	c := netcluster.New(t, netcluster.Config{Crmd: filepath.Join(bin, "crmd"), Names: names, Net: n})
	c.StartAll()
	l := &live{t: t, bin: bin, net: n, c: c}
	l.dc = c.WaitAgree(names, 30*time.Second)
	return l
}

// result is what a tool did.
type result struct {
	argv           []string
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.argv, " "), r.code, r.stdout, r.stderr)
}

// run runs a tool on node: in its namespace, talking to its crmd.
func (l *live) run(node, tool string, args ...string) result {
	l.t.Helper()
	argv := append(l.net.Wrap(node), append([]string{filepath.Join(l.bin, tool)}, args...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CIB_") && !strings.HasPrefix(e, "PACER_SOCKET=") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "PACER_SOCKET="+l.c.Nodes[node].Sock)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{argv: append([]string{tool}, args...), stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		l.t.Fatalf("running %s: %v", tool, err)
	}
	return r
}

// ok runs a tool and fails the test unless it exits 0.
func (l *live) ok(node, tool string, args ...string) result {
	l.t.Helper()
	r := l.run(node, tool, args...)
	if r.code != 0 {
		if f := os.Getenv("E2E_DUMP"); f != "" {
			os.WriteFile(f, []byte(l.run(l.dc, "cibadmin", "--query").stdout), 0o644)
		}
		l.t.Fatalf("%v", r)
	}
	return r
}

// mon is crm_mon --output-as=xml, parsed.
type mon struct {
	raw   string
	dc    string
	nodes map[string]monNode
	// rsc maps every primitive (groups flattened) to where it is active.
	rsc map[string]monRsc
	// inst lists every instance shown under an id (a clone's instances
	// share their primitive's id).
	inst map[string][]monRsc
	// group maps a primitive to its group ("" outside one).
	group map[string]string
	// failCount maps node -> resource -> fail-count in node_history.
	failCount map[string]map[string]int
	// failures are the failed operations (op_key@node).
	failures []string
}

type monNode struct {
	online, standby bool
	running         int
}

type monRsc struct {
	role   string
	failed bool
	nodes  []string
}

func parseMon(out string) (*mon, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(out); err != nil {
		return nil, fmt.Errorf("crm_mon XML: %w", err)
	}
	root := doc.SelectElement("pacemaker-result")
	if root == nil {
		return nil, fmt.Errorf("crm_mon XML without pacemaker-result")
	}
	m := &mon{raw: out, nodes: map[string]monNode{}, rsc: map[string]monRsc{}, inst: map[string][]monRsc{}, group: map[string]string{}, failCount: map[string]map[string]int{}}
	if dc := root.FindElement("summary/current_dc"); dc != nil {
		m.dc = dc.SelectAttrValue("name", "")
	}
	for _, n := range root.FindElements("nodes/node") {
		running, err := strconv.Atoi(n.SelectAttrValue("resources_running", ""))
		if err != nil {
			return nil, fmt.Errorf("node %s: resources_running: %w", n.SelectAttrValue("name", ""), err)
		}
		m.nodes[n.SelectAttrValue("name", "")] = monNode{
			online: n.SelectAttrValue("online", "") == "true", standby: n.SelectAttrValue("standby", "") == "true", running: running}
	}
	res := root.SelectElement("resources")
	if res == nil {
		return nil, fmt.Errorf("crm_mon XML without resources")
	}
	var walk func(e *etree.Element, group string)
	walk = func(e *etree.Element, group string) {
		for _, c := range e.ChildElements() {
			switch c.Tag {
			case "resource":
				r := monRsc{role: c.SelectAttrValue("role", ""), failed: c.SelectAttrValue("failed", "") == "true"}
				for _, n := range c.SelectElements("node") {
					r.nodes = append(r.nodes, n.SelectAttrValue("name", ""))
				}
				slices.Sort(r.nodes)
				m.rsc[c.SelectAttrValue("id", "")] = r
				m.inst[c.SelectAttrValue("id", "")] = append(m.inst[c.SelectAttrValue("id", "")], r)
				m.group[c.SelectAttrValue("id", "")] = group
			case "group":
				walk(c, c.SelectAttrValue("id", ""))
			default:
				walk(c, group)
			}
		}
	}
	walk(res, "")
	for _, n := range root.FindElements("node_history/node") {
		name := n.SelectAttrValue("name", "")
		for _, h := range n.SelectElements("resource_history") {
			if fc := h.SelectAttrValue("fail-count", ""); fc != "" {
				v, err := strconv.Atoi(fc)
				if fc == "INFINITY" {
					v, err = 1000000, nil
				}
				if err != nil {
					return nil, fmt.Errorf("fail-count %q: %w", fc, err)
				}
				if m.failCount[name] == nil {
					m.failCount[name] = map[string]int{}
				}
				m.failCount[name][h.SelectAttrValue("id", "")] = v
			}
		}
	}
	for _, f := range root.FindElements("failures/failure") {
		m.failures = append(m.failures, f.SelectAttrValue("op_key", "")+"@"+f.SelectAttrValue("node", ""))
	}
	return m, nil
}

// where is the one node a resource runs on ("" when not exactly one, or not
// Started).
func (m *mon) where(id string) string {
	r := m.rsc[id]
	if len(r.nodes) != 1 || r.role != "Started" {
		return ""
	}
	return r.nodes[0]
}

// mon runs crm_mon -1 --output-as=xml on node.
func (l *live) mon(node string) *mon {
	l.t.Helper()
	r := l.ok(node, "crm_mon", "-1", "--output-as=xml")
	m, err := parseMon(r.stdout)
	if err != nil {
		l.t.Fatalf("%v\n%v", err, r)
	}
	return m
}

// waitMon polls crm_mon on node until cond holds; cond returns what is still
// missing ("" when satisfied).
func (l *live) waitMon(node string, within time.Duration, cond func(m *mon) string) *mon {
	l.t.Helper()
	deadline := time.Now().Add(within)
	for {
		m := l.mon(node)
		why := cond(m)
		if why == "" {
			return m
		}
		if time.Now().After(deadline) {
			if f := os.Getenv("E2E_DUMP"); f != "" {
				os.WriteFile(f, []byte(l.run(l.dc, "cibadmin", "--query").stdout), 0o644)
			}
			l.t.Fatalf("after %v, crm_mon on %s: %s\n%s", within, node, why, m.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settled is a waitMon condition: every named resource Started on exactly one
// node, none failed.
func settled(ids ...string) func(m *mon) string {
	return func(m *mon) string {
		for _, id := range ids {
			if m.where(id) == "" || m.rsc[id].failed {
				return fmt.Sprintf("%s is %+v", id, m.rsc[id])
			}
		}
		return ""
	}
}

// settle runs crm_resource --wait on the DC's node (the DC's CIB is the one
// a write reaches first) and fails the test unless it returns 0 in time.
func (l *live) settle() {
	l.t.Helper()
	if r := l.run(l.dc, "crm_resource", "--wait", "--timeout", "15s"); r.code != 0 {
		hist := l.run(l.dc, "cibadmin", "--query", "--xpath", "//lrm_resource")
		if f := os.Getenv("E2E_DUMP"); f != "" {
			os.WriteFile(f, []byte(l.run(l.dc, "cibadmin", "--query").stdout), 0o644)
		}
		l.t.Fatalf("the cluster did not settle: %v\nresource history:\n%s", r, hist.stdout)
	}
}

// together is a waitMon condition: the named resources run on one node.
func together(ids ...string) func(m *mon) string {
	return func(m *mon) string {
		for _, id := range ids[1:] {
			if m.where(id) != m.where(ids[0]) {
				return fmt.Sprintf("%s on %q, %s on %q", ids[0], m.where(ids[0]), id, m.where(id))
			}
		}
		return ""
	}
}

// all combines waitMon conditions.
func all(conds ...func(m *mon) string) func(m *mon) string {
	return func(m *mon) string {
		for _, c := range conds {
			if why := c(m); why != "" {
				return why
			}
		}
		return ""
	}
}

// other returns a node of l other than the given ones.
func (l *live) other(not ...string) string {
	for _, n := range l.c.Names {
		if !slices.Contains(not, n) {
			return n
		}
	}
	l.t.Fatalf("no node other than %v", not)
	return ""
}
