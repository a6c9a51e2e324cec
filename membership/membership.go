package membership

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/pacer-ha/pacer/clusterconf"
)

// Meta is what each node publishes about itself through the gossip layer.
type Meta struct {
	ID int `json:"id"`
	// CIB is the node's CIB version (admin_epoch, epoch, num_updates).
	CIB [3]int `json:"cib"`
}

// EventKind says what happened to a node.
type EventKind int

// Event kinds. Leave is a graceful departure; Fail is a node declared dead.
const (
	Join EventKind = iota
	Leave
	Fail
	Update
)

func (k EventKind) String() string {
	switch k {
	case Join:
		return "join"
	case Leave:
		return "leave"
	case Fail:
		return "fail"
	case Update:
		return "update"
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// Event is a membership change.
type Event struct {
	Kind EventKind
	Node string
	Addr string
	Meta Meta
}

// Member is a live node.
type Member struct {
	Name string
	Addr string
	Meta Meta
}

// Config says how to run the membership layer.
type Config struct {
	ClusterName string
	NodeName    string
	BindAddr    string
	BindPort    int
	// AdvertiseAddr/Port default to the bind address when it is not a wildcard.
	AdvertiseAddr string
	AdvertisePort int
	Key           []byte
	Timing        clusterconf.Timing
	Meta          Meta
	Logger        *slog.Logger
}

// Membership is a running membership layer.
type Membership struct {
	ml     *memberlist.Memberlist
	log    *slog.Logger
	events *queue[Event]
	msgs   *queue[[]byte]

	mu      sync.Mutex
	meta    Meta
	leaving map[string]bool // nodes that announced a graceful leave
	name    string
	addr    string
	// peers is our copy of the live peers, kept from the event callbacks:
	// memberlist's own *Node values change under its lock after Members returns.
	peers map[string]peer
}

type peer struct {
	name string
	ip   net.IP
	port uint16
	meta Meta
}

func (p peer) addr() string { return net.JoinHostPort(p.ip.String(), strconv.Itoa(int(p.port))) }

// Every user message starts with one of these bytes.
const (
	frameApp   byte = 'M' // an application message for Messages()
	frameLeave byte = 'L' // "I am leaving gracefully", followed by the node name
)

// MaxMessage is the largest inter-node message accepted.
const MaxMessage = 64 << 20

// Create starts the membership layer (listening, not yet joined to anyone).
func Create(cfg Config) (*Membership, error) {
	if len(cfg.Key) != KeySize {
		return nil, fmt.Errorf("membership: cluster key is %d bytes, want %d", len(cfg.Key), KeySize)
	}
	kr, err := memberlist.NewKeyring(nil, cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("membership: keyring: %w", err)
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	m := &Membership{log: lg, events: newQueue[Event](), msgs: newQueue[[]byte](), meta: cfg.Meta, leaving: map[string]bool{}, peers: map[string]peer{},
		name: cfg.NodeName} // set before Create: memberlist announces the local node as a join
	t := cfg.Timing
	mc := memberlist.DefaultLANConfig()
	mc.Name = cfg.NodeName
	mc.Label = "pacer/" + cfg.ClusterName
	mc.BindAddr, mc.BindPort = cfg.BindAddr, cfg.BindPort
	mc.AdvertiseAddr, mc.AdvertisePort = cfg.AdvertiseAddr, cfg.AdvertisePort
	if mc.AdvertiseAddr == "" {
		if ip := net.ParseIP(cfg.BindAddr); ip != nil && !ip.IsUnspecified() {
			mc.AdvertiseAddr = cfg.BindAddr
		}
	}
	if mc.AdvertisePort == 0 {
		mc.AdvertisePort = cfg.BindPort
	}
	mc.Keyring = kr
	// Encryption is not optional: plaintext or wrongly keyed traffic is dropped.
	mc.GossipVerifyIncoming, mc.GossipVerifyOutgoing = true, true
	mc.ProbeInterval, mc.ProbeTimeout = t.ProbeInterval, t.ProbeTimeout
	mc.SuspicionMult = t.SuspicionMult
	mc.GossipInterval = t.GossipInterval
	mc.PushPullInterval = t.PushPull
	mc.GossipToTheDeadTime = 2 * t.PushPull
	mc.TCPTimeout = time.Second
	// Compression (LZW) cost about a fifth of the DC's CPU while 1000
	// resources settled; the messages are small diffs on a LAN. Peers still
	// decode compressed messages, so mixed settings interoperate.
	mc.EnableCompression = false
	mc.IndirectChecks = 2
	mc.RequireNodeNames = true
	mc.DeadNodeReclaimTime = time.Second // a restarted node may come back from a new port
	mc.Delegate = (*delegate)(m)
	mc.Events = (*events)(m)
	mc.Logger = log.New(&logWriter{lg: lg}, "", 0)
	ml, err := memberlist.Create(mc)
	if err != nil {
		return nil, fmt.Errorf("membership: starting on %s:%d: %w", cfg.BindAddr, cfg.BindPort, err)
	}
	m.ml = ml
	ln := ml.LocalNode()
	m.mu.Lock()
	m.name, m.addr = ln.Name, ln.Address()
	m.mu.Unlock()
	return m, nil
}

// Join contacts the given "name/host:port" addresses (the name is required so a
// reused address is never taken for another node); it returns how many answered.
func (m *Membership) Join(ctx context.Context, addrs []string) (int, error) {
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	// memberlist's Join takes no context; it is bounded by the TCP timeout, so
	// an abandoned attempt finishes on its own shortly after.
	go func() {
		n, err := m.ml.Join(addrs)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return r.n, fmt.Errorf("membership: join: %w", r.err)
		}
		return r.n, nil
	case <-ctx.Done():
		return 0, fmt.Errorf("membership: join: %w", ctx.Err())
	}
}

// Events delivers membership changes in order. It is never closed before Shutdown.
func (m *Membership) Events() <-chan Event { return m.events.out }

// Messages delivers messages other nodes sent with Send.
func (m *Membership) Messages() <-chan []byte { return m.msgs.out }

// Members returns the live nodes, this one included, sorted by name.
func (m *Membership) Members() []Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Member{{Name: m.name, Addr: m.addr, Meta: m.meta}}
	for _, p := range m.peers {
		out = append(out, Member{Name: p.name, Addr: p.addr(), Meta: p.meta})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LocalAddr is the address other nodes reach this one at.
func (m *Membership) LocalAddr() string { return m.addr }

// Send delivers msg to the named live node over an encrypted TCP stream. It blocks
// until the message is written or ctx ends.
func (m *Membership) Send(ctx context.Context, node string, msg []byte) error {
	m.mu.Lock()
	p, ok := m.peers[node]
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("membership: send to %s: not a live member", node)
	}
	to := &memberlist.Node{Name: p.name, Addr: p.ip, Port: p.port}
	done := make(chan error, 1)
	framed := append([]byte{frameApp}, msg...)
	go func() { done <- m.ml.SendReliable(to, framed) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("membership: send to %s: %w", node, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("membership: send to %s: %w", node, ctx.Err())
	}
}

// SetMeta publishes new metadata (gossiped to the others within timeout).
func (m *Membership) SetMeta(meta Meta, timeout time.Duration) error {
	m.mu.Lock()
	changed := m.meta != meta
	m.meta = meta
	m.mu.Unlock()
	// NodeMeta (called by UpdateNode) reads m.meta under m.mu.
	if !changed {
		return nil
	}
	if err := m.ml.UpdateNode(timeout); err != nil {
		return fmt.Errorf("membership: publishing metadata: %w", err)
	}
	return nil
}

// Leave announces a graceful departure, waiting up to timeout for it to spread.
// memberlist does not tell its listeners whether a node left or died, so the
// departure is first announced to every member directly.
func (m *Membership) Leave(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout/2)
	defer cancel()
	self := m.name
	m.mu.Lock()
	var peers []*memberlist.Node
	for _, p := range m.peers {
		peers = append(peers, &memberlist.Node{Name: p.name, Addr: p.ip, Port: p.port})
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, n := range peers {
		wg.Add(1)
		go func(n *memberlist.Node) {
			defer wg.Done()
			done := make(chan error, 1)
			go func() { done <- m.ml.SendReliable(n, append([]byte{frameLeave}, self...)) }()
			select {
			case err := <-done:
				if err != nil {
					m.log.Warn("membership: could not announce leave", "to", n.Name, "err", err)
				}
			case <-ctx.Done():
			}
		}(n)
	}
	wg.Wait()
	if err := m.ml.Leave(timeout); err != nil {
		return fmt.Errorf("membership: leave: %w", err)
	}
	return nil
}

// Shutdown stops all network activity (without announcing a departure).
func (m *Membership) Shutdown() error {
	err := m.ml.Shutdown()
	m.events.close()
	m.msgs.close()
	if err != nil {
		return fmt.Errorf("membership: shutdown: %w", err)
	}
	return nil
}

func decodeMeta(b []byte) Meta {
	var mt Meta
	if len(b) > 0 {
		// Bad metadata from a keyed peer is a bug on its side; an empty Meta is safe.
		_ = json.Unmarshal(b, &mt)
	}
	return mt
}

type delegate Membership

func (d *delegate) NodeMeta(limit int) []byte {
	d.mu.Lock()
	b, _ := json.Marshal(d.meta)
	d.mu.Unlock()
	if len(b) > limit {
		return nil
	}
	return b
}

func (d *delegate) NotifyMsg(b []byte) {
	if len(b) == 0 || len(b) > MaxMessage {
		d.log.Warn("membership: dropping message with bad size", "size", len(b))
		return
	}
	switch b[0] {
	case frameApp:
		// memberlist reuses its buffer after we return.
		d.msgs.push(bytes.Clone(b[1:]))
	case frameLeave:
		d.mu.Lock()
		d.leaving[string(b[1:])] = true
		d.mu.Unlock()
	default:
		d.log.Warn("membership: dropping message with unknown frame type", "type", b[0])
	}
}

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *delegate) LocalState(join bool) []byte                { return nil }
func (d *delegate) MergeRemoteState(buf []byte, join bool)     {}

type events Membership

// The callbacks run under memberlist's node lock: copy what we need here.
func (e *events) NotifyJoin(n *memberlist.Node) {
	p := peer{name: n.Name, ip: slices.Clone(n.Addr), port: n.Port, meta: decodeMeta(n.Meta)}
	e.mu.Lock()
	delete(e.leaving, n.Name)
	if n.Name != e.name {
		e.peers[n.Name] = p
	}
	e.mu.Unlock()
	e.events.push(Event{Kind: Join, Node: n.Name, Addr: p.addr(), Meta: p.meta})
}

func (e *events) NotifyLeave(n *memberlist.Node) {
	k := Fail
	e.mu.Lock()
	if e.leaving[n.Name] {
		k = Leave
		delete(e.leaving, n.Name)
	}
	delete(e.peers, n.Name)
	e.mu.Unlock()
	e.events.push(Event{Kind: k, Node: n.Name, Addr: n.Address(), Meta: decodeMeta(n.Meta)})
}

func (e *events) NotifyUpdate(n *memberlist.Node) {
	p := peer{name: n.Name, ip: slices.Clone(n.Addr), port: n.Port, meta: decodeMeta(n.Meta)}
	e.mu.Lock()
	if _, live := e.peers[n.Name]; live {
		e.peers[n.Name] = p
	}
	e.mu.Unlock()
	e.events.push(Event{Kind: Update, Node: n.Name, Addr: p.addr(), Meta: p.meta})
}

// logWriter routes memberlist's log lines to slog, dropping its chatty DEBUG lines.
type logWriter struct{ lg *slog.Logger }

func (w *logWriter) Write(p []byte) (int, error) {
	s := string(bytes.TrimSpace(p))
	switch {
	case bytes.Contains(p, []byte("[DEBUG]")):
		w.lg.Debug(s)
	case bytes.Contains(p, []byte("[ERR]")):
		w.lg.Error(s)
	case bytes.Contains(p, []byte("[WARN]")):
		w.lg.Warn(s)
	default:
		w.lg.Info(s)
	}
	return len(p), nil
}

// queue is an unbounded FIFO feeding a channel, so memberlist's callbacks never
// block on a slow consumer and no event is dropped.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	wake   chan struct{}
	out    chan T
	done   chan struct{}
	closed bool
}

func newQueue[T any]() *queue[T] {
	q := &queue[T]{wake: make(chan struct{}, 1), out: make(chan T), done: make(chan struct{})}
	go q.pump()
	return q
}

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, v)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue[T]) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
	q.mu.Unlock()
}

func (q *queue[T]) pump() {
	for {
		q.mu.Lock()
		if len(q.items) == 0 {
			q.mu.Unlock()
			select {
			case <-q.wake:
				continue
			case <-q.done:
				return
			}
		}
		v := q.items[0]
		var zero T
		q.items[0] = zero
		q.items = q.items[1:]
		q.mu.Unlock()
		select {
		case q.out <- v:
		case <-q.done:
			return
		}
	}
}

var _ io.Writer = (*logWriter)(nil)
