package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cib/store"
	"github.com/pacer-ha/pacer/clusterconf"
	"github.com/pacer-ha/pacer/controller"
	"github.com/pacer-ha/pacer/controller/cibmodel"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/lrmd"
	"github.com/pacer-ha/pacer/membership"
	"github.com/pacer-ha/pacer/transition"
)

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, crmexit.New(crmexit.CantCreate, "PACER_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, crmexit.New(crmexit.Software, "PACER_CPUPROFILE: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// hardStateFile keeps the controller's terms next to the CIB store.
const hardStateFile = "controller.json"

type hardState struct {
	QTerm controller.Term `json:"qterm"`
	Term  uint64          `json:"term"`
}

// call is an ipc request handed to the event loop.
type call struct {
	q     ipc.Request
	reply chan ipc.Response
}

type daemon struct {
	cfg   *clusterconf.Config
	self  clusterconf.Node
	log   *slog.Logger
	ids   map[string]int
	names []string
	ticks func(time.Duration) int

	ml    *membership.Membership
	node  *controller.Node
	store *store.Store
	// onDisk is the hardState in hardStateFile (nil: none yet). A persist
	// that leaves the terms as they are skips rewriting it: that file's
	// fsyncs doubled the cost of every replicated batch, and a follower
	// whose persist outlasts ack_timeout is dropped by the DC.
	onDisk *hardState

	calls   chan call
	pending map[uint64]chan ipc.Response
	nextID  uint64

	sendMu  sync.Mutex
	senders map[string]chan []byte
	meta    chan membership.Meta
	ctx     context.Context // the daemon's: senders live as long as it

	sd      shutdownState
	started time.Time
	// cleanups: client writes (by request id) that delete operation
	// history, per node; histDeletes: those waiting for the nodes.
	cleanups    map[uint64]map[string][]byte
	histDeletes map[uint64]*histDelete
	sending     outstanding

	version        string             // dc-version
	bootstrapTried controller.Version // the CIB epoch writeBootstrap last looked at
	bootstrapTerm  uint64

	execState
}

// runDaemon runs the node until ctx ends (an immediate stop) or, after
// graceful is closed (the first SIGTERM/SIGINT), until the DC has moved
// this node's resources away.
func runDaemon(ctx context.Context, graceful <-chan struct{}, o runOptions, stderr io.Writer, getenv func(string) string) error {
	cfg, err := clusterconf.Load(o.config)
	if err != nil {
		return err
	}
	self, err := cfg.Local(o.name)
	if err != nil {
		return err
	}
	lg := newLogger(stderr, o.verbose, self.Name)
	if path := getenv("PACER_CPUPROFILE"); path != "" {
		// For finding hot spots (docs/crmd.md): a CPU profile of this run,
		// written when crmd stops.
		stop, err := startCPUProfile(path + "." + self.Name)
		if err != nil {
			return err
		}
		defer stop()
	}
	var agentNice *int
	if want, ok, err := priorityFromEnv(getenv("PACER_NICE")); err != nil {
		return crmexit.New(crmexit.Usage, "%w", err)
	} else if ok {
		orig, raised, err := raisePriority(want)
		switch {
		case err != nil:
			lg.Info("running at the normal priority: membership may miss probes on a busy host", "err", err)
		case raised:
			agentNice = &orig
		}
	}
	key, err := membership.ReadKeyFile(cfg.KeyFile)
	if err != nil {
		return err
	}
	sock := o.socket
	if sock == "" {
		sock = getenv("PACER_SOCKET")
	}
	if sock == "" {
		sock = filepath.Join(cfg.RunDir, "crmd.sock")
	}
	d := &daemon{cfg: cfg, self: self, log: lg, ids: map[string]int{}, calls: make(chan call),
		pending: map[uint64]chan ipc.Response{}, senders: map[string]chan []byte{}, meta: make(chan membership.Meta, 1),
		version: pacerVersion(), started: time.Now()}
	d.do = make(chan func())
	d.kickCh = make(chan struct{}, 1)
	d.fresh = map[string]bool{}
	d.refreshing = map[string]uint64{}
	d.hist = etree.NewElement("lrm_resources")
	d.cleanups = map[uint64]map[string][]byte{}
	d.histDeletes = map[uint64]*histDelete{}
	for _, n := range cfg.Nodes {
		d.ids[n.Name] = n.ID
		d.names = append(d.names, n.Name)
	}
	tick := cfg.Timing.Tick
	d.ticks = func(x time.Duration) int { return max(1, int((x+tick-1)/tick)) }

	st, err := store.Open(cfg.StateDir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	d.store = st
	doc, err := d.loadCIB()
	if err != nil {
		return err
	}
	hs, err := d.loadHardState()
	if err != nil {
		return err
	}
	model := cibmodel.New(d.ids)
	d.node, err = controller.New(controller.Config{
		Self: self.Name, Nodes: d.names, Model: model,
		TwoNode: cfg.TwoNode, WaitForAll: cfg.WaitForAll, ForceStart: o.forceStart,
		ElectionTicks: d.ticks(cfg.Timing.Election), AckTicks: d.ticks(cfg.Timing.AckTimeout),
		RequestTicks: d.ticks(30 * time.Second),
	}, controller.HardState{Doc: doc, QTerm: hs.QTerm, Term: hs.Term})
	if err != nil {
		return crmexit.Wrap(crmexit.Software, err)
	}

	host, port := cfg.Bind(self)
	v, _ := model.Version(doc)
	d.ml, err = membership.Create(membership.Config{
		ClusterName: cfg.ClusterName, NodeName: self.Name, BindAddr: host, BindPort: port,
		Key: key, Timing: cfg.Timing, Meta: membership.Meta{ID: self.ID, CIB: [3]int{v.AdminEpoch, v.Epoch, v.NumUpdates}}, Logger: lg,
	})
	if err != nil {
		return crmexit.Wrap(crmexit.OSErr, err)
	}
	defer d.ml.Shutdown()

	srv, err := ipc.Listen(sock, lg)
	if err != nil {
		return err
	}
	lg.Info("crmd started", "cluster", cfg.ClusterName, "addr", d.ml.LocalAddr(), "socket", sock, "cib", v.String())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.ctx = ctx
	// This node's executor: agents in Pacer's lib/ocf and /usr/lib/ocf; they
	// inherit crmd's environment (HA_RSCTMP included). The tools agents call
	// (crm_attribute --promotion, attrd_updater) must reach this crmd, wherever
	// its socket is.
	agentSock := sock
	if abs, err := filepath.Abs(sock); err == nil {
		agentSock = abs
	}
	d.ex = lrmd.New(lrmd.Options{NodeName: self.Name, Env: []string{"PACER_SOCKET=" + agentSock, "CIB_file=", "CIB_shadow="}, AgentNice: agentNice})
	defer d.ex.Close()
	d.local = &trackedLocal{Local: &transition.Local{Exec: d.ex, OnRecurring: d.onRecurring(ctx)}}
	d.remote = newRemote(self.Name, d.sendRaw, func(node string) bool {
		for _, m := range d.ml.Members() {
			if m.Name == node {
				return true
			}
		}
		return false
	})
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); d.scheduler(ctx) }()
	go func() {
		defer wg.Done()
		if err := srv.Serve(ctx, ipc.HandlerFunc(d.handle)); err != nil {
			lg.Error("local API stopped", "err", err)
			cancel()
		}
	}()
	go func() { defer wg.Done(); d.rejoin(ctx) }()
	// Not waited for at exit: a metadata update in flight blocks for up to
	// its 1 s timeout and only touches membership, which shuts down last.
	go d.publishMeta(ctx)

	err = d.loop(ctx, graceful)
	if d.sd.acked {
		// The last answers (do_shutdown's result, a DC's replication)
		// must reach the peers before the senders stop.
		d.flush(2 * time.Second)
	}
	cancel()
	// Announce a graceful departure so peers do not wait for failure detection.
	if lerr := d.ml.Leave(time.Second); lerr != nil {
		lg.Warn("leaving the cluster", "err", lerr)
	}
	wg.Wait()
	// Agents still running were told to stop with the context: wait for
	// them, so none outlives crmd.
	if !d.local.wait(5 * time.Second) {
		lg.Warn("resource agents still running at exit")
	}
	lg.Info("crmd stopped")
	return err
}

func (d *daemon) loadCIB() ([]byte, error) {
	c, _, err := d.store.Current()
	if errors.Is(err, store.ErrNoCIB) {
		// A new node starts from the empty CIB; the cluster's newest copy wins
		// as soon as it joins.
		c = cib.Empty()
		if _, err := d.store.Commit(c); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return c.Bytes()
}

func (d *daemon) loadHardState() (hardState, error) {
	var hs hardState
	b, err := os.ReadFile(filepath.Join(d.cfg.StateDir, hardStateFile))
	if errors.Is(err, os.ErrNotExist) {
		return hs, nil
	}
	if err != nil {
		return hs, crmexit.New(crmexit.IOErr, "reading controller state: %w", err)
	}
	if err := json.Unmarshal(b, &hs); err != nil {
		return hs, crmexit.New(crmexit.DataErr, "controller state %s is damaged: %w", filepath.Join(d.cfg.StateDir, hardStateFile), err)
	}
	d.onDisk = &hardState{QTerm: hs.QTerm, Term: hs.Term}
	return hs, nil
}

// persist stores the document first and the terms second: a crash in between
// leaves a lower quorum term, which can only make this copy rank lower.
func (d *daemon) persist(p *controller.HardState, v controller.Version) error {
	// The controller only holds documents its model parsed (and checked the
	// version of): store the bytes as they are.
	began := time.Now()
	defer func() {
		// The DC drops a member whose confirmation takes longer than
		// ack_timeout, and a persist (fsync) is most of a follower's part:
		// say so when the disk is what makes it slow.
		if took := time.Since(began); took > d.cfg.Timing.AckTimeout/2 {
			d.log.Warn("slow CIB persist (fsync): ack_timeout is "+d.cfg.Timing.AckTimeout.String(), "took", took.Round(time.Millisecond), "bytes", len(p.Doc))
		}
	}()
	if _, err := d.store.CommitBytes(p.Doc, cib.Version{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates}); err != nil {
		return err
	}
	hs := hardState{QTerm: p.QTerm, Term: p.Term}
	if d.onDisk != nil && *d.onDisk == hs {
		return nil
	}
	b, _ := json.Marshal(hs)
	if err := cib.WriteFileAtomic(filepath.Join(d.cfg.StateDir, hardStateFile), b); err != nil {
		return fmt.Errorf("persisting controller state: %w", err)
	}
	d.onDisk = &hs
	return nil
}

func (d *daemon) loop(ctx context.Context, graceful <-chan struct{}) error {
	t := time.NewTicker(d.cfg.Timing.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if d.sd.requested && !d.sd.acked {
				return d.forcedExit(crmexit.Err, "stopped by a second signal")
			}
			return nil
		case <-graceful:
			graceful = nil
			d.beginShutdown()
		case <-d.sd.escalate:
			return d.forcedExit(crmexit.Timeout, fmt.Sprintf("shutdown-escalation (%v) passed", d.sd.limit))
		case <-t.C:
			d.node.Tick()
		case ev := <-d.ml.Events():
			d.membershipEvent(ev)
		case f := <-d.do:
			f()
		case b := <-d.ml.Messages():
			if err := splitBatch(b, func(m []byte) { d.onMessage(ctx, m) }); err != nil {
				d.log.Warn("dropping malformed message batch", "err", err)
			}
		case c := <-d.calls:
			d.serve(c)
		}
		if err := d.ready(ctx); err != nil {
			return err
		}
		d.afterStep()
		d.writeBootstrap()
		if d.sd.acked {
			return nil
		}
		d.shutdownStep()
	}
}

// onMessage handles one message from a peer (event loop only).
func (d *daemon) onMessage(ctx context.Context, b []byte) {
	if len(b) > 0 && b[0] == execPrefix {
		d.onExecMessage(ctx, b)
		return
	}
	m, err := controller.DecodeMessage(b)
	if err != nil {
		d.log.Warn("dropping malformed cluster message", "err", err)
		return
	}
	if m.To != d.self.Name {
		d.log.Warn("dropping cluster message for another node", "to", m.To, "from", m.From)
		return
	}
	if err := d.node.Step(m); err != nil {
		d.log.Debug("ignored cluster message", "type", m.Type, "from", m.From, "err", err)
	}
}

func (d *daemon) membershipEvent(ev membership.Event) {
	if _, ok := d.ids[ev.Node]; !ok {
		d.log.Warn("a node that is not in the node list has the cluster key", "node", ev.Node, "addr", ev.Addr)
		return
	}
	if ev.Node == d.self.Name {
		return
	}
	switch ev.Kind {
	case membership.Join:
		d.log.Info("node joined", "peer", ev.Node, "addr", ev.Addr)
		d.node.MemberUp(ev.Node)
		return
	case membership.Leave:
		d.log.Info("node left", "peer", ev.Node)
		d.node.MemberDown(ev.Node)
	case membership.Fail:
		d.log.Warn("node failed", "peer", ev.Node)
		d.node.MemberDown(ev.Node)
	default:
		return
	}
	// Actions in flight there will not report; its history is refreshed
	// when it comes back.
	d.remote.nodeDown(ev.Node)
	delete(d.fresh, ev.Node)
	if _, ok := d.refreshing[ev.Node]; ok {
		delete(d.refreshing, ev.Node)
		d.kick("node " + ev.Node + " left while refreshing")
	}
}

// ready does the controller's work in the required order: persist, send, events.
func (d *daemon) ready(ctx context.Context) error {
	for d.node.HasReady() {
		rd := d.node.Ready()
		if rd.Persist != nil {
			if err := d.persist(rd.Persist, rd.Version); err != nil {
				// Acknowledging what is not on disk would break the durability
				// promise: stop instead.
				return crmexit.Wrap(crmexit.IOErr, err)
			}
			select {
			case <-d.meta:
			default:
			}
			v := rd.Version
			d.meta <- membership.Meta{ID: d.self.ID, CIB: [3]int{v.AdminEpoch, v.Epoch, v.NumUpdates}}
		}
		for _, m := range rd.Messages {
			d.send(ctx, m)
		}
		for _, e := range rd.Events {
			d.event(e)
		}
		// Any CIB change not made by crmd's own bookkeeping is a new event
		// for the scheduler.
		if rd.Changed {
			d.kick("CIB changed")
		}
	}
	return nil
}

func (d *daemon) event(e controller.Event) {
	d.statusEvent(e)
	switch e.Kind {
	case controller.EventResult:
		d.countDone(e.ID)
		if d.lrm.done(e.ID) {
			d.flushLRM(e)
			return
		}
		if ch, ok := d.pending[e.ID]; ok {
			delete(d.pending, e.ID)
			resp := ipc.Response{Code: e.Code, Err: e.Err, Version: [3]int{e.Version.AdminEpoch, e.Version.Epoch, e.Version.NumUpdates}}
			if !d.finishCleanup(e.ID, ch, resp) {
				ch <- resp
			}
		} else if e.Code != 0 {
			d.log.Warn("controller operation failed", "code", e.Code, "err", e.Err)
		}
	case controller.EventDC:
		if e.Node == "" {
			d.log.Info("electing a DC")
		} else {
			d.log.Info("DC elected", "dc", e.Node, "self", e.Node == d.self.Name)
		}
	case controller.EventQuorum:
		d.log.Info("quorum changed", "quorate", e.Quorate)
	case controller.EventEvicted:
		d.log.Warn("dropped a member that did not confirm in time", "peer", e.Node)
	}
}

// send queues m for its peer; a full queue drops it (the protocol recovers lost
// messages by timeouts and re-syncs).
func (d *daemon) send(_ context.Context, m controller.Message) {
	b, err := m.Encode()
	if err != nil {
		d.log.Error("encoding cluster message", "err", err)
		return
	}
	if !d.sendRaw(m.To, b) {
		d.log.Warn("send queue full, dropping message", "to", m.To, "type", m.Type)
	}
}

// sendRaw queues an encoded message for a peer, reporting false when the
// queue is full. Safe for concurrent use.
func (d *daemon) sendRaw(to string, b []byte) bool {
	d.sendMu.Lock()
	q, ok := d.senders[to]
	if !ok {
		q = make(chan []byte, 4096)
		d.senders[to] = q
		go d.sender(d.ctx, to, q)
	}
	d.sendMu.Unlock()
	d.sending.n.Add(1)
	select {
	case q <- b:
		return true
	default:
		d.sending.n.Add(-1)
		return false
	}
}

// sender delivers one peer's messages in order. Every send is a TCP stream
// of its own, so what queued meanwhile goes out together as one batch: a
// thousand executor results or requests cost a few streams, not a thousand,
// and an ack is not stuck behind them.
func (d *daemon) sender(ctx context.Context, peer string, q chan []byte) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-q:
			msgs := [][]byte{b}
			size := len(b)
		more:
			for size < maxBatchBytes {
				select {
				case b := <-q:
					msgs = append(msgs, b)
					size += len(b)
				default:
					break more
				}
			}
			out := msgs[0]
			if len(msgs) > 1 {
				out = joinBatch(msgs)
			}
			// The timeout grows with the size: a whole CIB of a few MB must
			// not be cut off on a busy machine.
			timeout := time.Second + time.Duration(len(out)/(256<<10))*time.Second
			sctx, cancel := context.WithTimeout(ctx, timeout)
			err := d.ml.Send(sctx, peer, out)
			cancel()
			if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
				// A batch carries many executor results: one failed stream
				// (not a timeout, after which it may still arrive) is tried
				// again once rather than leave their actions to time out.
				sctx, cancel := context.WithTimeout(ctx, timeout)
				err = d.ml.Send(sctx, peer, out)
				cancel()
			}
			d.sending.n.Add(-int64(len(msgs)))
			if err != nil {
				lvl := d.log.Debug
				if len(msgs) > 1 {
					lvl = d.log.Warn
				}
				lvl("send failed", "to", peer, "err", err, "messages", len(msgs))
			}
		}
	}
}

// batchPrefix starts a frame holding several messages, each preceded by its
// length (uvarint). Controller messages start with '{', executor ones with
// execPrefix.
const batchPrefix = 'B'

// maxBatchBytes bounds a batch (a message larger than that goes alone).
const maxBatchBytes = 4 << 20

func joinBatch(msgs [][]byte) []byte {
	n := 1
	for _, m := range msgs {
		n += binary.MaxVarintLen64 + len(m)
	}
	out := make([]byte, 1, n)
	out[0] = batchPrefix
	for _, m := range msgs {
		out = binary.AppendUvarint(out, uint64(len(m)))
		out = append(out, m...)
	}
	return out
}

// splitBatch calls f with each message of a batch frame, or with b itself
// when it is a single message.
func splitBatch(b []byte, f func([]byte)) error {
	if len(b) == 0 || b[0] != batchPrefix {
		f(b)
		return nil
	}
	b = b[1:]
	for len(b) > 0 {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return errors.New("bad length in a message batch")
		}
		f(b[n : n+int(l)])
		b = b[n+int(l):]
	}
	return nil
}

// rejoin keeps contacting configured nodes that are not members, so partitions
// heal and restarted nodes are found without waiting for gossip.
func (d *daemon) rejoin(ctx context.Context) {
	t := time.NewTicker(d.cfg.Timing.Rejoin)
	defer t.Stop()
	for {
		members := map[string]bool{}
		for _, m := range d.ml.Members() {
			members[m.Name] = true
		}
		var addrs []string
		for _, n := range d.cfg.Nodes {
			if n.Name != d.self.Name && !members[n.Name] {
				addrs = append(addrs, n.Name+"/"+n.Addr)
			}
		}
		if len(addrs) > 0 {
			if _, err := d.ml.Join(ctx, addrs); err != nil {
				d.log.Debug("contacting absent nodes", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (d *daemon) publishMeta(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-d.meta:
			if err := d.ml.SetMeta(m, time.Second); err != nil {
				d.log.Debug("publishing metadata", "err", err)
			}
		}
	}
}

// handle runs in the ipc server's goroutines and hands the request to the loop.
func (d *daemon) handle(ctx context.Context, q ipc.Request) ipc.Response {
	c := call{q: q, reply: make(chan ipc.Response, 1)}
	select {
	case d.calls <- c:
	case <-ctx.Done():
		return ipc.Response{Code: int(crmexit.Disconnect), Err: "crmd is shutting down"}
	}
	select {
	case r := <-c.reply:
		return r
	case <-ctx.Done():
		return ipc.Response{Code: int(crmexit.Disconnect), Err: "crmd is shutting down"}
	}
}

func toArr(v controller.Version) [3]int { return [3]int{v.AdminEpoch, v.Epoch, v.NumUpdates} }

// serve answers reads at once from the local copy and turns writes into proposals.
func (d *daemon) serve(c call) {
	q := c.q
	if q.Op == ipc.OpFail {
		d.serveFail(c)
		return
	}
	doc, ver := d.node.Doc()
	node := q.Node
	if node == "" {
		node = d.self.Name
	}
	var op controller.Op
	switch q.Op {
	case ipc.OpQuery:
		c.reply <- ipc.Response{Doc: doc, Version: toArr(ver)}
		return
	case ipc.OpStatus:
		s := d.node.Status()
		c.reply <- ipc.Response{Status: &ipc.Status{Cluster: d.cfg.ClusterName, Node: d.self.Name, DC: s.DC, Term: s.Term,
			Quorate: s.Quorate, Members: s.Members, Nodes: slices.Clone(d.names), Version: toArr(s.Version), Partition: s.Partition}}
		return
	case ipc.OpAttrGet:
		v, ok, err := cibmodel.Attribute(doc, d.ids, node, q.Name)
		if err != nil {
			c.reply <- ipc.Response{Code: int(crmexit.Of(err)), Err: err.Error()}
			return
		}
		c.reply <- ipc.Response{Value: v, Found: ok}
		return
	case ipc.OpReplace:
		op = controller.Op{Kind: controller.OpReplace, Base: controller.Version{AdminEpoch: q.Base[0], Epoch: q.Base[1], NumUpdates: q.Base[2]}, Doc: q.Doc,
			Origin: d.self.Name, Client: q.Client, When: time.Now().Format("Mon Jan _2 15:04:05 2006")}
	case ipc.OpAttrSet:
		op = controller.Op{Kind: controller.OpAttrSet, Node: node, Name: q.Name, Value: q.Value}
		if q.DampenMS > 0 {
			op.Dampen = d.ticks(time.Duration(q.DampenMS) * time.Millisecond)
		}
	case ipc.OpAttrDelete:
		op = controller.Op{Kind: controller.OpAttrDel, Node: node, Name: q.Name}
	default:
		c.reply <- ipc.Response{Code: int(crmexit.Protocol), Err: "unknown operation " + q.Op}
		return
	}
	if _, ok := d.ids[node]; !ok {
		c.reply <- ipc.Response{Code: int(crmexit.NoHost), Err: "node " + node + " is not in the cluster"}
		return
	}
	d.nextID++
	d.pending[d.nextID] = c.reply
	if op.Kind == controller.OpReplace && op.Base == ver &&
		bytes.Count(q.Doc, []byte("<lrm_rsc_op ")) < bytes.Count(doc, []byte("<lrm_rsc_op ")) {
		// Fewer operation records: a cleanup, which the executors'
		// histories must follow (see cleanup.go).
		d.noteCleanup(d.nextID, doc, q.Doc)
	}
	d.node.Propose(d.nextID, op)
}
