package clusterconf

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pacer-ha/pacer/crmexit"
)

// DefaultPort is the gossip/cluster port used when a node or bind address has none.
const DefaultPort = 7946

// Node is one configured cluster member.
type Node struct {
	Name string
	ID   int
	// Addr is host:port where the node's crmd listens.
	Addr string
}

// Timing is failure detection and replication timing. The defaults detect a dead
// node on a quiet LAN in roughly 0.4-0.7 s; they assume crmd gets a CPU and
// an fsync within ~100 ms (not so on an oversubscribed host: docs/crmd.md,
// "Failure detection" and "Scale", for the trade-off and the measurements).
type Timing struct {
	ProbeInterval  time.Duration // how often each node probes one random peer
	ProbeTimeout   time.Duration // how long a probe waits for its ack (before indirect probes)
	SuspicionMult  int           // suspicion lasts SuspicionMult * max(1, log10(n)) * ProbeInterval
	GossipInterval time.Duration // how often state changes are gossiped
	PushPull       time.Duration // full state sync interval (also how fast partitions heal)
	Tick           time.Duration // the controller's clock tick
	AckTimeout     time.Duration // a member that does not confirm a CIB write in time is dropped
	Election       time.Duration // how long an election waits for every member's vote
	Rejoin         time.Duration // how often configured nodes that are not members are contacted
}

// DefaultTiming returns the LAN defaults.
func DefaultTiming() Timing {
	return Timing{
		ProbeInterval:  200 * time.Millisecond,
		ProbeTimeout:   100 * time.Millisecond,
		SuspicionMult:  2,
		GossipInterval: 50 * time.Millisecond,
		PushPull:       5 * time.Second,
		Tick:           20 * time.Millisecond,
		AckTimeout:     600 * time.Millisecond,
		Election:       400 * time.Millisecond,
		Rejoin:         time.Second,
	}
}

// Config is a parsed, checked configuration file.
type Config struct {
	ClusterName string
	Nodes       []Node
	// BindAddr/BindPort are where memberlist listens; when empty the local node's
	// configured address is used.
	BindAddr string
	BindPort int
	KeyFile  string
	StateDir string
	RunDir   string
	Timing   Timing
	// TwoNode lets one node of a two-node cluster have quorum alone.
	TwoNode bool
	// WaitForAll withholds quorum at first start until every configured node has
	// been seen at once.
	WaitForAll bool
	// Source is the file the config came from (for messages).
	Source string
}

// Defaults that do not depend on the file.
const (
	DefaultKeyFile  = "/etc/pacer/authkey"
	DefaultStateDir = "/var/lib/pacer"
	DefaultRunDir   = "/run/pacer"
)

// Load reads and parses a configuration file. A missing file is crmexit.NoInput;
// a malformed one crmexit.Config.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, crmexit.New(crmexit.NoInput, "reading cluster configuration: %w", err)
		}
		return nil, crmexit.New(crmexit.IOErr, "reading cluster configuration: %w", err)
	}
	return Parse(bytes.NewReader(data), path)
}

// Parse reads the format described in docs/crmd.md: one "key = value" per line, "#"
// comments, repeated "node = NAME id=N addr=HOST[:PORT]" lines.
func Parse(r io.Reader, source string) (*Config, error) {
	c := &Config{
		KeyFile:  DefaultKeyFile,
		StateDir: DefaultStateDir,
		RunDir:   DefaultRunDir,
		Timing:   DefaultTiming(),
		Source:   source,
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	seen := map[string]int{}
	lineNo := 0
	bad := func(format string, args ...any) error {
		return crmexit.New(crmexit.Config, "%s:%d: %s", source, lineNo, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, bad("expected \"key = value\", got %q", line)
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if key != "node" {
			if prev, dup := seen[key]; dup {
				return nil, bad("%s is already set on line %d", key, prev)
			}
			seen[key] = lineNo
		}
		if val == "" {
			return nil, bad("%s has no value", key)
		}
		var err error
		switch key {
		case "cluster_name":
			c.ClusterName = val
		case "node":
			var n Node
			n, err = parseNode(val)
			if err == nil {
				c.Nodes = append(c.Nodes, n)
			}
		case "bind":
			c.BindAddr, c.BindPort, err = splitHostPort(val)
		case "key_file":
			c.KeyFile = val
		case "state_dir":
			c.StateDir = val
		case "run_dir":
			c.RunDir = val
		case "two_node":
			c.TwoNode, err = parseBool(val)
		case "wait_for_all":
			c.WaitForAll, err = parseBool(val)
		case "probe_interval":
			c.Timing.ProbeInterval, err = parseDur(val)
		case "probe_timeout":
			c.Timing.ProbeTimeout, err = parseDur(val)
		case "suspicion_mult":
			c.Timing.SuspicionMult, err = strconv.Atoi(val)
			if err == nil && c.Timing.SuspicionMult < 1 {
				err = errors.New("must be at least 1")
			}
		case "gossip_interval":
			c.Timing.GossipInterval, err = parseDur(val)
		case "push_pull_interval":
			c.Timing.PushPull, err = parseDur(val)
		case "tick":
			c.Timing.Tick, err = parseDur(val)
		case "ack_timeout":
			c.Timing.AckTimeout, err = parseDur(val)
		case "election_timeout":
			c.Timing.Election, err = parseDur(val)
		case "rejoin_interval":
			c.Timing.Rejoin, err = parseDur(val)
		default:
			return nil, bad("unknown setting %q", key)
		}
		if err != nil {
			return nil, bad("%s: %v", key, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, crmexit.New(crmexit.IOErr, "%s: %w", source, err)
	}
	lineNo = 0
	if err := c.check(); err != nil {
		return nil, crmexit.New(crmexit.Config, "%s: %v", source, err)
	}
	return c, nil
}

func parseNode(val string) (Node, error) {
	f := strings.Fields(val)
	n := Node{Name: f[0]}
	if strings.Contains(n.Name, "=") {
		return n, errors.New("expected \"NAME id=N addr=HOST[:PORT]\", the node name comes first")
	}
	if !validName(n.Name) {
		return n, fmt.Errorf("invalid node name %q (letters, digits, '-', '_' and '.' only)", n.Name)
	}
	for _, kv := range f[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			return n, fmt.Errorf("expected key=value, got %q", kv)
		}
		switch k {
		case "id":
			id, err := strconv.Atoi(v)
			if err != nil || id <= 0 {
				return n, fmt.Errorf("id must be a positive integer, got %q", v)
			}
			n.ID = id
		case "addr":
			h, p, err := splitHostPort(v)
			if err != nil {
				return n, err
			}
			if h == "" {
				return n, fmt.Errorf("addr %q has no host", v)
			}
			if p == 0 {
				p = DefaultPort
			}
			n.Addr = net.JoinHostPort(h, strconv.Itoa(p))
		default:
			return n, fmt.Errorf("unknown node attribute %q (want id, addr)", k)
		}
	}
	if n.ID == 0 {
		return n, fmt.Errorf("node %s has no id=", n.Name)
	}
	if n.Addr == "" {
		return n, fmt.Errorf("node %s has no addr=", n.Name)
	}
	return n, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// splitHostPort accepts HOST, HOST:PORT, [V6]:PORT and :PORT; port 0 means none given.
func splitHostPort(v string) (string, int, error) {
	if h, p, err := net.SplitHostPort(v); err == nil {
		port, err := strconv.Atoi(p)
		if err != nil || port <= 0 || port > 65535 {
			return "", 0, fmt.Errorf("invalid port %q", p)
		}
		return h, port, nil
	}
	if strings.Count(v, ":") == 1 {
		return "", 0, fmt.Errorf("invalid address %q", v)
	}
	return strings.Trim(v, "[]"), 0, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "yes", "true", "on":
		return true, nil
	case "0", "no", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("expected yes/no, got %q", v)
}

func parseDur(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		if ms, err2 := strconv.Atoi(v); err2 == nil {
			return time.Duration(ms) * time.Millisecond, nil // bare numbers are milliseconds, like corosync.conf
		}
		return 0, fmt.Errorf("invalid duration %q (e.g. 200ms, 1s)", v)
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration must be positive, got %q", v)
	}
	return d, nil
}

func (c *Config) check() error {
	if c.ClusterName == "" {
		return errors.New("cluster_name is not set")
	}
	if len(c.Nodes) == 0 {
		return errors.New("no node = lines: the node list is required")
	}
	names, ids, addrs := map[string]bool{}, map[int]string{}, map[string]string{}
	for _, n := range c.Nodes {
		if names[n.Name] {
			return fmt.Errorf("node %s is listed twice", n.Name)
		}
		names[n.Name] = true
		if o, dup := ids[n.ID]; dup {
			return fmt.Errorf("nodes %s and %s have the same id %d", o, n.Name, n.ID)
		}
		ids[n.ID] = n.Name
		if o, dup := addrs[n.Addr]; dup {
			return fmt.Errorf("nodes %s and %s have the same addr %s", o, n.Name, n.Addr)
		}
		addrs[n.Addr] = n.Name
	}
	if c.TwoNode && len(c.Nodes) != 2 {
		return fmt.Errorf("two_node = yes needs exactly 2 nodes, %d are configured", len(c.Nodes))
	}
	t := c.Timing
	if t.ProbeTimeout >= t.ProbeInterval {
		return fmt.Errorf("probe_timeout (%v) must be shorter than probe_interval (%v)", t.ProbeTimeout, t.ProbeInterval)
	}
	if t.Tick > t.AckTimeout/2 || t.Tick > t.Election/2 {
		return fmt.Errorf("tick (%v) must be at most half of ack_timeout and election_timeout", t.Tick)
	}
	sort.SliceStable(c.Nodes, func(i, j int) bool { return c.Nodes[i].ID < c.Nodes[j].ID })
	return nil
}

// Node returns the configured node with that name.
func (c *Config) Node(name string) (Node, bool) {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// Local picks which configured node this process is: the explicit name when given,
// else the node named like the host, else the only node whose address is one of
// this machine's.
func (c *Config) Local(name string) (Node, error) {
	if name != "" {
		n, ok := c.Node(name)
		if !ok {
			return Node{}, crmexit.New(crmexit.Config, "%s: node %s is not in the node list", c.Source, name)
		}
		return n, nil
	}
	if h, err := os.Hostname(); err == nil {
		short, _, _ := strings.Cut(h, ".")
		for _, cand := range []string{h, short} {
			if n, ok := c.Node(cand); ok {
				return n, nil
			}
		}
	}
	local := map[string]bool{}
	if ifs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range ifs {
			if ipn, ok := a.(*net.IPNet); ok {
				local[ipn.IP.String()] = true
			}
		}
	}
	var found []Node
	for _, n := range c.Nodes {
		h, _, _ := net.SplitHostPort(n.Addr)
		if local[h] {
			found = append(found, n)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return Node{}, crmexit.New(crmexit.Config, "%s: cannot tell which node this is (no node named like the host, %d with a local address): pass --name", c.Source, len(found))
}

// Bind returns the address and port to listen on for node n.
func (c *Config) Bind(n Node) (string, int) {
	h, p, _ := net.SplitHostPort(n.Addr)
	port, _ := strconv.Atoi(p)
	if c.BindAddr != "" {
		h = c.BindAddr
	}
	if c.BindPort != 0 {
		port = c.BindPort
	}
	return h, port
}
