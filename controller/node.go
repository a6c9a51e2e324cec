package controller

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/pacer-ha/pacer/crmexit"
)

// Config configures one node's controller.
type Config struct {
	Self  string
	Nodes []string // every configured node, Self included
	Model Model
	// TwoNode gives one node of a two-node cluster quorum alone.
	TwoNode bool
	// WaitForAll withholds quorum until every configured node has been seen at once.
	WaitForAll bool
	// ForceStart declares the other nodes dead: this node has quorum (and skips
	// wait_for_all) until it first sees another configured node.
	ForceStart bool
	// Timeouts, in ticks.
	ElectionTicks int // wait for votes before deciding; twice this before restarting
	AckTicks      int // a member that does not confirm a sync or write in time is dropped
	RequestTicks  int // a client request not answered in time fails with Timeout
}

type pendingWrite struct {
	seq    uint64
	origin string // "" for the DC's own internal ops
	req    uint64
	kind   OpKind
}

type clientReq struct {
	op        Op
	forwarded string // the DC it was forwarded to ("" = not yet)
	deadline  int64
}

type queuedOp struct {
	origin string
	req    uint64
	op     Op
}

type dampened struct {
	op       Op
	deadline int64
}

// Node is one node's controller state machine. It is not safe for concurrent use.
type Node struct {
	cfg   Config
	model Model
	now   int64

	doc []byte
	ver Version
	// qterm is the term of the last write made by a DC that had quorum: it
	// ranks documents before their version does (see better).
	qterm Term

	members map[string]bool // alive configured nodes (self included)
	term    uint64          // highest term number seen
	cur     Term            // the term of the DC this node follows or is
	dc      string

	// Election.
	electing   bool
	electStart int64
	heard      map[string]rank

	// DC state.
	ready       bool
	partition   map[string]bool // synced members, self included
	pendingSync map[string]int64
	lastSync    map[string]int64 // members outside the partition: when a sync was last tried
	seq         uint64
	acked       map[string]uint64
	sentAt      map[uint64]int64
	waiting     []pendingWrite
	// queue holds accepted writes not applied yet: while the partition is
	// being synced, or while a batch is in flight (group commit: they are
	// applied together and replicated once, when the batch in flight is
	// confirmed).
	queue    []queuedOp
	fullSent map[string]uint64 // member -> seq of the last whole copy sent after a diff failed there
	damp     map[[2]string]*dampened

	// Origin side.
	reqs map[uint64]*clientReq

	// Quorum.
	seenAll, seenOther, quorate bool

	// Outputs.
	persist   bool
	changed   bool // the document changed by more than Quiet ops since the last Ready
	savedTerm uint64
	msgs      []Message
	events    []Event
}

// New creates a node holding doc (its persisted CIB). The node starts alone and at
// once elects itself DC of a one-node partition; MemberUp grows it.
func New(cfg Config, hs HardState) (*Node, error) {
	doc, qterm := hs.Doc, hs.QTerm
	if cfg.Model == nil {
		return nil, errors.New("controller: no model")
	}
	if !slices.Contains(cfg.Nodes, cfg.Self) {
		return nil, fmt.Errorf("controller: %s is not in the node list", cfg.Self)
	}
	if cfg.ElectionTicks <= 0 || cfg.AckTicks <= 0 || cfg.RequestTicks <= 0 {
		return nil, errors.New("controller: timeouts must be positive")
	}
	ver, err := cfg.Model.Version(doc)
	if err != nil {
		return nil, fmt.Errorf("controller: reading the stored CIB's version: %w", err)
	}
	n := &Node{
		cfg: cfg, model: cfg.Model, doc: doc, ver: ver, qterm: qterm,
		term: max(hs.Term, qterm.N), savedTerm: max(hs.Term, qterm.N),
		members: map[string]bool{cfg.Self: true},
		reqs:    map[uint64]*clientReq{},
		damp:    map[[2]string]*dampened{},
	}
	n.updateSeen()
	n.quorate = n.computeQuorum(1)
	n.startElection()
	return n, nil
}

// Doc returns the node's current document and version (reads are served locally:
// every acknowledged write is on every member).
func (n *Node) Doc() ([]byte, Version) { return n.doc, n.ver }

// Status reports what the node knows.
func (n *Node) Status() Status {
	s := Status{Self: n.cfg.Self, DC: n.dc, Term: n.cur.N, Quorate: n.quorate, Version: n.ver,
		Ready: n.dc == n.cfg.Self && n.ready, Members: sortedKeys(n.members)}
	if n.dc == n.cfg.Self {
		s.Partition = sortedKeys(n.partition)
		s.Unapplied = len(n.queue)
	}
	return s
}

// HasReady reports whether Ready has work.
func (n *Node) HasReady() bool {
	return n.persist || n.term != n.savedTerm || len(n.msgs) > 0 || len(n.events) > 0 || n.canCommit()
}

// Ready returns and clears the pending work. On the DC it first applies the
// writes accepted since the last batch, if none is in flight: everything
// proposed between two Ready calls goes out as one batch.
func (n *Node) Ready() Ready {
	n.commit()
	r := Ready{Messages: n.msgs, Events: n.events, Changed: n.changed}
	n.changed = false
	// The term is durable too: a restarted node must not reuse an old term, or
	// its partition's quorate writes could rank below older ones.
	if n.persist || n.term != n.savedTerm {
		r.Persist = &HardState{Doc: n.doc, QTerm: n.qterm, Term: n.term}
		r.Version = n.ver
		n.savedTerm = n.term
	}
	n.persist, n.msgs, n.events = false, nil, nil
	return r
}

func (n *Node) configured(name string) bool { return slices.Contains(n.cfg.Nodes, name) }

func (n *Node) send(m Message) {
	m.From = n.cfg.Self
	n.msgs = append(n.msgs, m)
}

func (n *Node) emit(e Event) { n.events = append(n.events, e) }

// MemberUp records that a configured node is alive (membership join).
func (n *Node) MemberUp(name string) {
	if !n.configured(name) || name == n.cfg.Self || n.members[name] {
		return
	}
	n.members[name] = true
	n.updateSeen()
	n.startElection()
}

// MemberDown records that a node left (graceful) or failed.
func (n *Node) MemberDown(name string) {
	if name == n.cfg.Self || !n.members[name] {
		return
	}
	delete(n.members, name)
	n.startElection()
}

func (n *Node) updateSeen() {
	if len(n.members) == len(n.cfg.Nodes) {
		n.seenAll = true
	}
	if len(n.members) > 1 {
		n.seenOther = true
	}
}

// computeQuorum applies the quorum rule to a partition with that many votes
// (one per configured node).
func (n *Node) computeQuorum(votes int) bool {
	return Quorate(QuorumInput{Votes: votes, Expected: len(n.cfg.Nodes), TwoNode: n.cfg.TwoNode,
		WaitForAll: n.cfg.WaitForAll, SeenAll: n.seenAll, ForceStart: n.cfg.ForceStart, SeenOther: n.seenOther})
}

// QuorumInput is everything the quorum rule looks at.
type QuorumInput struct {
	Votes, Expected              int
	TwoNode, WaitForAll, SeenAll bool
	ForceStart, SeenOther        bool
}

// Quorate is the quorum rule: more than half of the configured votes; with two_node,
// one of two; wait_for_all withholds quorum until all nodes were seen together once;
// force-start grants it to a lone survivor until another node shows up.
func Quorate(q QuorumInput) bool {
	if q.ForceStart && !q.SeenOther {
		return true
	}
	if q.WaitForAll && !q.SeenAll && !q.ForceStart {
		return false
	}
	if q.TwoNode && q.Expected == 2 {
		return q.Votes >= 1
	}
	return 2*q.Votes > q.Expected
}

func (n *Node) setQuorate(q bool) {
	if q != n.quorate {
		n.quorate = q
		n.emit(Event{Kind: EventQuorum, Quorate: q})
	}
}

func (n *Node) setDC(dc string) {
	if dc != n.dc {
		n.dc = dc
		n.emit(Event{Kind: EventDC, Node: dc})
	}
}

// rank is how documents are ordered when members converge.
type rank struct {
	QTerm Term
	Ver   Version
}

func (r rank) compare(o rank) int {
	if c := r.QTerm.Compare(o.QTerm); c != 0 {
		return c
	}
	return r.Ver.Compare(o.Ver)
}

func (n *Node) rank() rank { return rank{n.qterm, n.ver} }

// better orders DC candidates: the document last written with quorum in the most
// recent term first, then the newest version, ties to the smaller name. Ranking
// by quorum term first means a minority partition, which writes nothing with
// quorum, can never out-rank writes the majority acknowledged meanwhile, however
// its version counters moved.
func better(aName string, a rank, bName string, b rank) bool {
	if c := a.compare(b); c != 0 {
		return c > 0
	}
	return aName < bName
}

// startElection drops any DC role and asks every member for its version.
func (n *Node) startElection() {
	wasDC := n.dc == n.cfg.Self
	n.setDC("")
	n.electing = true
	n.electStart = n.now
	n.heard = map[string]rank{n.cfg.Self: n.rank()}
	n.ready = false
	if wasDC {
		// Writes still waiting for confirmations are kept: if this node wins
		// again, its sync makes them durable everywhere and they complete then.
		n.partition, n.pendingSync = nil, nil
	}
	n.failForwarded("the DC changed while the request was in flight; its outcome is unknown")
	for _, m := range sortedKeys(n.members) {
		if m != n.cfg.Self {
			n.send(Message{Type: MsgHello, To: m, Term: n.cur, MaxTerm: n.term, Version: n.ver, QTerm: n.qterm})
		}
	}
	n.maybeDecide()
}

func (n *Node) failForwarded(why string) {
	for _, id := range sortedIDs(n.reqs) {
		if r := n.reqs[id]; r.forwarded != "" {
			delete(n.reqs, id)
			n.emit(Event{Kind: EventResult, ID: id, Code: int(crmexit.TempFail), Err: why})
		}
	}
}

func (n *Node) failWaiting(why string) {
	for _, w := range n.waiting {
		n.answer(w.origin, w.req, int(crmexit.TempFail), why)
	}
	n.waiting = nil
	for _, q := range n.queue {
		n.answer(q.origin, q.req, int(crmexit.TempFail), why)
	}
	n.queue = nil
}

func (n *Node) maybeDecide() {
	if !n.electing {
		return
	}
	all := true
	for m := range n.members {
		if _, ok := n.heard[m]; !ok {
			all = false
		}
	}
	if !all && n.now-n.electStart < int64(n.cfg.ElectionTicks) {
		return
	}
	best, bestVer := n.cfg.Self, n.rank()
	for m, v := range n.heard {
		if n.members[m] && better(m, v, best, bestVer) {
			best, bestVer = m, v
		}
	}
	if best == n.cfg.Self {
		n.becomeDC()
	}
	// Otherwise wait for best's sync; Tick restarts the election if none comes.
}

func (n *Node) becomeDC() {
	n.electing = false
	n.term++
	n.cur = Term{N: n.term, DC: n.cfg.Self}
	n.setDC(n.cfg.Self)
	n.partition = map[string]bool{n.cfg.Self: true}
	n.pendingSync = map[string]int64{}
	n.lastSync = map[string]int64{}
	n.acked = map[string]uint64{}
	n.sentAt = map[uint64]int64{}
	n.fullSent = map[string]uint64{}
	for _, m := range sortedKeys(n.members) {
		if m != n.cfg.Self {
			n.sendSync(m)
		}
	}
	// Requests made here while electing are now this DC's to apply.
	for _, id := range sortedIDs(n.reqs) {
		if r := n.reqs[id]; r.forwarded == "" {
			delete(n.reqs, id)
			n.queue = append(n.queue, queuedOp{n.cfg.Self, id, r.op})
		}
	}
	n.checkSynced()
}

func (n *Node) sendSync(to string) { n.sendSyncCopy(to, false) }

// sendSyncCopy offers this DC's term and document to a member. A member whose
// last hello reported this very rank (typically: every node after an
// election that changed nothing) gets the version and digest only and
// confirms its own copy; full sends the document, as does a digest mismatch
// there (it answers sync-ack with Full).
func (n *Node) sendSyncCopy(to string, full bool) {
	n.pendingSync[to] = n.now
	n.lastSync[to] = n.now
	m := Message{Type: MsgSync, To: to, Term: n.cur, MaxTerm: n.term, Version: n.ver, QTerm: n.qterm}
	if r, ok := n.heard[to]; ok && r == n.rank() && !full {
		sum := sha256.Sum256(n.doc)
		m.Digest = sum[:]
	} else {
		m.Doc = n.doc
	}
	n.send(m)
}

// checkSynced makes the DC ready once every member confirmed the sync.
func (n *Node) checkSynced() {
	if n.dc != n.cfg.Self || n.ready || len(n.pendingSync) > 0 {
		return
	}
	n.ready = true
	// Writes left from an earlier term are in the synced document; they are
	// acknowledged once the partition confirmed this term's stamp, like any write.
	old := n.waiting
	n.waiting = nil
	// The partition's node states and the writes queued while electing go
	// out as the first batch, which carries the stamp; the stamp alone if
	// they change nothing.
	n.onPartitionChange()
	n.commit()
	n.stampTerm()
	for i := range old {
		old[i].seq = n.seq
	}
	n.waiting = append(old, n.waiting...)
	// The status of every node comes from its own executor, not from whatever
	// copy of the status section won the election.
	for _, m := range sortedKeys(n.partition) {
		n.emit(Event{Kind: EventRefreshStatus, Node: m})
	}
	n.completeWrites()
}

// stampTerm marks the document as confirmed in this term once the confirmed
// partition has quorum, even if nothing changed: raft's no-op entry. Without it a
// document synced in a new term would still carry an older quorum term and could
// be outranked by a rival's copy from a term in between.
func (n *Node) stampTerm() {
	if n.qterm == n.cur || !n.computeQuorum(len(n.partition)) {
		return
	}
	n.qterm = n.cur
	n.persist = true
	n.replicate(n.ver, nil)
}

// replicate sends the write batch ops, which turned base into the current
// document, to every partition member as a diff: the ops, the resulting
// version and the document's digest. A member not at base, or whose result
// differs, asks for the whole document (MsgAck with Full).
func (n *Node) replicate(base Version, ops []Op) {
	n.seq++
	n.sentAt[n.seq] = n.now
	sum := sha256.Sum256(n.doc)
	for _, m := range sortedKeys(n.partition) {
		if m != n.cfg.Self {
			n.send(Message{Type: MsgReplicate, To: m, Term: n.cur, Seq: n.seq, Version: n.ver, QTerm: n.qterm,
				Base: base, Ops: ops, Digest: sum[:]})
		}
	}
}

// onPartitionChange recomputes quorum and records node states for the DC's
// partition: members up (and their status to refresh), the rest down.
func (n *Node) onPartitionChange() {
	votes := len(n.partition) + len(n.pendingSync)
	n.setQuorate(n.computeQuorum(votes))
	n.dcApply("", 0, Op{Kind: OpQuorum, Quorate: n.quorate, Node: n.cfg.Self})
	for _, node := range n.cfg.Nodes {
		if n.partition[node] {
			n.dcApply("", 0, Op{Kind: OpNodeUp, Node: node})
		} else if _, syncing := n.pendingSync[node]; !syncing {
			n.dcApply("", 0, Op{Kind: OpNodeDown, Node: node})
			for k := range n.damp {
				if k[0] == node {
					delete(n.damp, k)
				}
			}
		}
	}
}

// Tick advances the node's clock by one tick.
func (n *Node) Tick() {
	n.now++
	if n.electing {
		if n.now-n.electStart >= 2*int64(n.cfg.ElectionTicks) {
			n.startElection() // nobody synced us: ask again
		} else {
			n.maybeDecide()
		}
	}
	for _, id := range sortedIDs(n.reqs) {
		if n.now >= n.reqs[id].deadline {
			delete(n.reqs, id)
			n.emit(Event{Kind: EventResult, ID: id, Code: int(crmexit.Timeout), Err: "no answer from the DC in time"})
		}
	}
	if n.dc != n.cfg.Self {
		return
	}
	// Members that do not confirm in time are dropped from the partition.
	var late []string
	for m, t := range n.pendingSync {
		if n.now-t > int64(n.cfg.AckTicks) {
			late = append(late, m)
		}
	}
	for m := range n.partition {
		if m == n.cfg.Self {
			continue
		}
		for s := n.acked[m] + 1; s <= n.seq; s++ {
			if t, ok := n.sentAt[s]; ok && n.now-t > int64(n.cfg.AckTicks) {
				late = append(late, m)
				break
			}
		}
	}
	sort.Strings(late)
	for _, m := range late {
		n.evict(m)
	}
	// Members outside the partition are offered a sync again and again: the only
	// way a lost message or a rival DC (which would never hear of this one
	// otherwise) can be resolved while membership says both are alive.
	for _, m := range sortedKeys(n.members) {
		_, syncing := n.pendingSync[m]
		if m != n.cfg.Self && !n.partition[m] && !syncing && n.now-n.lastSync[m] > int64(n.cfg.AckTicks) {
			n.sendSync(m)
		}
	}
	if n.ready {
		var due [][2]string
		for k, d := range n.damp {
			if n.now >= d.deadline {
				due = append(due, k)
			}
		}
		slices.SortFunc(due, func(a, b [2]string) int { return cmpPair(a, b) })
		for _, k := range due {
			d := n.damp[k]
			delete(n.damp, k)
			op := d.op
			op.Dampen = 0
			n.dcApply("", 0, op)
		}
	}
}

func cmpPair(a, b [2]string) int {
	if a[0] != b[0] {
		if a[0] < b[0] {
			return -1
		}
		return 1
	}
	if a[1] < b[1] {
		return -1
	} else if a[1] > b[1] {
		return 1
	}
	return 0
}

func (n *Node) evict(m string) {
	delete(n.pendingSync, m)
	delete(n.acked, m)
	if n.partition[m] {
		delete(n.partition, m)
		n.send(Message{Type: MsgEvict, To: m, Term: n.cur})
		n.emit(Event{Kind: EventEvicted, Node: m})
	}
	if !n.ready {
		n.checkSynced()
		return
	}
	// Quorum first: a write only this shrunken partition confirms is not
	// acknowledged if the partition no longer has quorum.
	n.onPartitionChange()
	n.completeWrites()
}

// Propose submits a client request with a caller-chosen ID unique on this node; the
// outcome arrives as an EventResult with that ID.
func (n *Node) Propose(id uint64, op Op) {
	if err := op.check(); err != nil {
		n.emit(Event{Kind: EventResult, ID: id, Code: int(crmexit.InvalidParam), Err: err.Error()})
		return
	}
	switch op.Kind {
	case OpReplace, OpAttrSet, OpAttrDel, OpLRMUpdate, OpLRMClear:
	default:
		n.emit(Event{Kind: EventResult, ID: id, Code: int(crmexit.InvalidParam), Err: fmt.Sprintf("%s is internal to the DC", op.Kind)})
		return
	}
	if _, dup := n.reqs[id]; dup {
		n.emit(Event{Kind: EventResult, ID: id, Code: int(crmexit.InvalidParam), Err: "duplicate request id"})
		return
	}
	if n.dc == n.cfg.Self {
		n.dcSubmit(n.cfg.Self, id, op)
		return
	}
	r := &clientReq{op: op, deadline: n.now + int64(n.cfg.RequestTicks)}
	n.reqs[id] = r
	if n.dc != "" {
		r.forwarded = n.dc
		n.send(Message{Type: MsgForward, To: n.dc, Req: id, Op: &op, Term: n.cur})
	}
}

// dcSubmit takes a request at the DC: it joins the next batch, applied once
// the partition is synced and no batch is in flight.
func (n *Node) dcSubmit(origin string, req uint64, op Op) {
	n.queue = append(n.queue, queuedOp{origin, req, op})
}

// answer reports a request's outcome to its origin.
func (n *Node) answer(origin string, req uint64, code int, errText string) {
	switch origin {
	case "":
		if code != 0 {
			// Internal ops failing means the model rejects its own bookkeeping.
			n.emit(Event{Kind: EventResult, Code: code, Err: "internal " + errText})
		}
	case n.cfg.Self:
		delete(n.reqs, req)
		n.emit(Event{Kind: EventResult, ID: req, Code: code, Err: errText, Version: n.ver})
	default:
		n.send(Message{Type: MsgResult, To: origin, Req: req, Code: code, Err: errText, Version: n.ver, Term: n.cur})
	}
}

// dcApply queues one of the DC's own operations for the next batch.
func (n *Node) dcApply(origin string, req uint64, op Op) {
	n.queue = append(n.queue, queuedOp{origin, req, op})
}

// inflight reports whether a batch awaits a partition member's confirmation.
func (n *Node) inflight() bool {
	for m := range n.partition {
		if m != n.cfg.Self && n.acked[m] < n.seq {
			return true
		}
	}
	return false
}

func (n *Node) canCommit() bool {
	return n.dc == n.cfg.Self && n.ready && len(n.queue) > 0 && !n.inflight()
}

// commit applies the queued writes as one batch, persists and replicates the
// result once (group commit) and answers each write when the batch is
// confirmed. A lone write goes out at once: it waits only while an earlier
// batch is in flight, and then it joins everything else that queued meanwhile.
func (n *Node) commit() {
	if !n.canCommit() {
		return
	}
	q := n.queue
	n.queue = nil
	var ops []Op
	var who []queuedOp
	for _, o := range q {
		op := o.op
		switch {
		case op.Kind == OpReplace && !n.quorate:
			n.answer(o.origin, o.req, int(crmexit.Quorum), "the cluster partition has no quorum: configuration changes are refused")
			continue
		case op.Kind == OpAttrSet && op.Dampen > 0:
			k := [2]string{op.Node, op.Name}
			if d, ok := n.damp[k]; ok {
				d.op = op
			} else {
				n.damp[k] = &dampened{op: op, deadline: n.now + int64(op.Dampen)}
			}
			n.answer(o.origin, o.req, 0, "")
			continue
		case op.Kind == OpAttrSet || op.Kind == OpAttrDel:
			delete(n.damp, [2]string{op.Node, op.Name}) // a direct write supersedes a pending one
		}
		ops = append(ops, op)
		who = append(who, o)
	}
	if len(ops) == 0 {
		return
	}
	next, errs := n.model.ApplyAll(n.doc, ops)
	if len(errs) != len(ops) {
		for _, o := range who {
			n.answer(o.origin, o.req, int(crmexit.Software), fmt.Sprintf("the model returned %d results for %d operations", len(errs), len(ops)))
		}
		return
	}
	var applied []Op
	var done []queuedOp
	loud := false
	for i, err := range errs {
		if err != nil {
			n.answer(who[i].origin, who[i].req, int(crmexit.Of(err)), err.Error())
			continue
		}
		applied = append(applied, ops[i])
		done = append(done, who[i])
		loud = loud || !ops[i].Quiet
	}
	if len(applied) == 0 {
		return
	}
	if bytes.Equal(next, n.doc) {
		for _, o := range done {
			n.answer(o.origin, o.req, 0, "")
		}
		return
	}
	v, err := n.model.Version(next)
	if err != nil || v.Compare(n.ver) <= 0 {
		for _, o := range done {
			n.answer(o.origin, o.req, int(crmexit.Software), fmt.Sprintf("the model did not advance the version (%v -> %v, %v)", n.ver, v, err))
		}
		return
	}
	base := n.ver
	n.doc, n.ver, n.persist = next, v, true
	n.changed = n.changed || loud
	// Only a partition whose confirmed members have quorum stamps its term on
	// the document (see rank).
	if n.computeQuorum(len(n.partition)) {
		n.qterm = n.cur
	}
	n.replicate(base, applied)
	for _, o := range done {
		n.waiting = append(n.waiting, pendingWrite{seq: n.seq, origin: o.origin, req: o.req, kind: o.op.Kind})
	}
	n.completeWrites()
}

// confirmWrite answers a write that is durable on every partition member. That is
// only a guarantee if the partition has quorum: a minority's copies lose to the
// majority's when partitions heal, so there the outcome is reported unknown.
func (n *Node) confirmWrite(w pendingWrite) {
	if w.origin == "" {
		return
	}
	// Attributes are accepted without quorum, as attrd does; they are only as
	// durable as the partition they were written in.
	// Only members that confirmed count here, not those still being synced.
	if w.kind == OpReplace && !n.computeQuorum(len(n.partition)) {
		n.answer(w.origin, w.req, int(crmexit.TempFail), "the partition lost quorum before the write was confirmed; its outcome is unknown")
		return
	}
	n.answer(w.origin, w.req, 0, "")
}

// completeWrites answers writes now confirmed by every partition member.
func (n *Node) completeWrites() {
	if !n.ready {
		return
	}
	min := n.seq
	for m := range n.partition {
		if m != n.cfg.Self && n.acked[m] < min {
			min = n.acked[m]
		}
	}
	i := 0
	for ; i < len(n.waiting) && n.waiting[i].seq <= min; i++ {
		n.confirmWrite(n.waiting[i])
	}
	n.waiting = n.waiting[i:]
	for s := range n.sentAt {
		if s <= min {
			delete(n.sentAt, s)
		}
	}
	n.commit()
}

// Step processes a message from another node. Messages from unknown nodes, for
// another node, or from a stale term are dropped (the error says why, for logs).
func (n *Node) Step(m Message) error {
	if m.To != n.cfg.Self {
		return fmt.Errorf("message for %s delivered to %s", m.To, n.cfg.Self)
	}
	if !n.configured(m.From) || m.From == n.cfg.Self {
		return fmt.Errorf("message from unknown node %q", m.From)
	}
	if !n.members[m.From] {
		return fmt.Errorf("%s message from %s, which is not a member here", m.Type, m.From)
	}
	if seen := max(m.MaxTerm, m.Term.N); seen > n.term {
		// Term numbers only grow; the next DC picks a higher one. A DC that
		// learns of a higher number has a rival: it steps down and re-elects.
		n.term = seen
		if n.dc == n.cfg.Self && seen > n.cur.N {
			n.startElection()
		}
	} else if n.dc == n.cfg.Self && m.Type != MsgSync && m.Term.Compare(n.cur) > 0 {
		// A rival term with this DC's number but a later name (a node that
		// was DC of a minority, or followed one, chose the same number). Its
		// members reject this DC's syncs as older and the number alone says
		// nothing new, so without stepping down here the DC re-offers the
		// same sync forever and they never rejoin. The re-election picks a
		// higher number. (A sync from the rival is simply followed below.)
		n.startElection()
	}
	switch m.Type {
	case MsgHello:
		n.onHello(m)
	case MsgSync:
		n.onSync(m)
	case MsgSyncAck:
		n.onSyncAck(m)
	case MsgReplicate:
		n.onReplicate(m)
	case MsgAck:
		if m.Full {
			// A diff did not apply there: send the whole document, once per
			// batch that failed (later diffs may fail too until it arrives).
			if n.dc == n.cfg.Self && m.Term == n.cur && n.partition[m.From] && m.Seq > n.fullSent[m.From] {
				n.fullSent[m.From] = n.seq
				n.send(Message{Type: MsgReplicate, To: m.From, Term: n.cur, Seq: n.seq, Version: n.ver, QTerm: n.qterm, Doc: n.doc})
			}
			return nil
		}
		if n.dc == n.cfg.Self && m.Term == n.cur && n.partition[m.From] && m.Seq > n.acked[m.From] && m.Seq <= n.seq {
			n.acked[m.From] = m.Seq
			n.completeWrites()
		}
	case MsgForward:
		if n.dc != n.cfg.Self {
			n.send(Message{Type: MsgResult, To: m.From, Req: m.Req, Code: int(crmexit.TempFail), Err: "not the DC any more; retry", Term: n.cur})
			return nil
		}
		n.dcSubmit(m.From, m.Req, *m.Op)
	case MsgResult:
		r, ok := n.reqs[m.Req]
		if !ok || r.forwarded != m.From {
			return fmt.Errorf("result for unknown request %d from %s", m.Req, m.From)
		}
		delete(n.reqs, m.Req)
		n.emit(Event{Kind: EventResult, ID: m.Req, Code: m.Code, Err: m.Err, Version: m.Version})
	case MsgEvict:
		if m.From == n.dc && m.Term == n.cur {
			n.startElection()
		}
	default:
		return fmt.Errorf("unknown message type %q", m.Type)
	}
	return nil
}

func (n *Node) onHello(m Message) {
	n.heard[m.From] = rank{m.QTerm, m.Version}
	if !m.Reply {
		n.send(Message{Type: MsgHello, To: m.From, Term: n.cur, MaxTerm: n.term, Version: n.ver, QTerm: n.qterm, Reply: true})
	}
	if n.electing {
		n.maybeDecide()
		return
	}
	if !m.Reply && m.From == n.dc && n.dc != n.cfg.Self {
		// The DC this node follows is electing (it saw a membership change
		// this node did not): join the election. Otherwise the DC may decide
		// for this node (better rank, or same rank and a smaller name) and
		// wait for a sync that a follower never sends.
		n.startElection()
		return
	}
	if n.dc == n.cfg.Self && !m.Reply {
		// The sender is electing. If it outranks this DC, let the election move
		// the role to it; otherwise bring it (back) into the partition.
		if better(m.From, rank{m.QTerm, m.Version}, n.cfg.Self, n.rank()) {
			n.startElection()
			return
		}
		delete(n.partition, m.From)
		delete(n.acked, m.From)
		n.sendSync(m.From)
	}
}

// docOK checks that a received document parses and carries the version claimed.
func (n *Node) docOK(m Message) bool {
	v, err := n.model.Version(m.Doc)
	return err == nil && v == m.Version
}

func (n *Node) onSync(m Message) {
	if m.Term.DC != m.From || len(m.Doc) > 0 && !n.docOK(m) {
		return
	}
	if m.Term.Compare(n.cur) < 0 {
		// A DC of an older term: tell it about the newer one so it steps down.
		n.send(Message{Type: MsgHello, To: m.From, Term: n.cur, MaxTerm: n.term, Version: n.ver, QTerm: n.qterm, Reply: true})
		return
	}
	if (rank{m.QTerm, m.Version}).compare(n.rank()) < 0 {
		if m.Term == n.cur && m.From == n.dc && !n.electing {
			// A late copy of the sync of the DC this node follows, which
			// has replicated newer writes since: nothing to do.
			return
		}
		// This node has newer data: the sender must not be DC. Tell it so.
		n.send(Message{Type: MsgHello, To: m.From, Term: n.cur, MaxTerm: n.term, Version: n.ver, QTerm: n.qterm})
		if !n.electing {
			n.startElection()
		}
		return
	}
	if len(m.Doc) == 0 {
		// A sync by digest: this node's copy must be the DC's.
		if sum := sha256.Sum256(n.doc); m.Version != n.ver || !bytes.Equal(sum[:], m.Digest) {
			n.send(Message{Type: MsgSyncAck, To: m.From, Term: m.Term, Version: n.ver, Full: true})
			return
		}
		m.Doc = n.doc
	}
	// Anything left from a DC role this node held is now someone else's business.
	n.failWaiting("this node lost the DC role while the request was in flight; its outcome is unknown")
	n.cur = m.Term
	n.electing = false
	n.heard[m.From] = rank{m.QTerm, m.Version}
	n.setDC(m.From)
	n.ready = false
	if !bytes.Equal(m.Doc, n.doc) || m.QTerm != n.qterm {
		n.changed = n.changed || !bytes.Equal(m.Doc, n.doc)
		n.doc, n.ver, n.qterm, n.persist = m.Doc, m.Version, m.QTerm, true
	}
	n.send(Message{Type: MsgSyncAck, To: m.From, Term: m.Term, Version: n.ver})
	// The node now follows m.From: its quorum is the DC's, learned from the CIB
	// through the model; locally it only knows its own view.
	n.setQuorate(n.computeQuorum(len(n.members)))
	for _, id := range sortedIDs(n.reqs) {
		if r := n.reqs[id]; r.forwarded == "" {
			r.forwarded = m.From
			op := r.op
			n.send(Message{Type: MsgForward, To: m.From, Req: id, Op: &op, Term: n.cur})
		}
	}
}

func (n *Node) onSyncAck(m Message) {
	if n.dc != n.cfg.Self || m.Term != n.cur {
		return
	}
	if _, ok := n.pendingSync[m.From]; !ok {
		return
	}
	if m.Full {
		n.sendSyncCopy(m.From, true) // its copy is not the DC's after all
		return
	}
	if m.Version != n.ver {
		n.sendSync(m.From) // writes happened meanwhile: send the current CIB
		return
	}
	delete(n.pendingSync, m.From)
	n.partition[m.From] = true
	n.acked[m.From] = n.seq
	if n.ready {
		n.onPartitionChange()
		n.commit()
		n.stampTerm()
		n.completeWrites()
		n.emit(Event{Kind: EventRefreshStatus, Node: m.From})
	} else {
		n.checkSynced()
	}
}

func (n *Node) onReplicate(m Message) {
	if m.From != n.dc || m.Term != n.cur {
		return // not our DC: its ack timeout will drop us and we will be re-synced
	}
	ack := Message{Type: MsgAck, To: m.From, Term: m.Term, Seq: m.Seq}
	c := m.Version.Compare(n.ver)
	if len(m.Doc) > 0 {
		if !n.docOK(m) {
			return
		}
		// Our DC's copy in our term: newer, or the same stamped with this term.
		if c > 0 || c == 0 && m.QTerm != n.qterm {
			n.changed = n.changed || !bytes.Equal(m.Doc, n.doc)
			n.doc, n.ver, n.qterm, n.persist = m.Doc, m.Version, m.QTerm, true
		}
		n.send(ack)
		return
	}
	if c < 0 || c == 0 && m.QTerm == n.qterm {
		// Everything this node holds came from this DC in this term (its sync,
		// then its batches), so a copy at least this new contains the batch
		// (a whole copy overtook it).
		n.send(ack)
		return
	}
	full := Message{Type: MsgAck, To: m.From, Term: m.Term, Seq: m.Seq, Full: true}
	if m.Base != n.ver {
		n.send(full) // a batch in between is missing (lost or reordered)
		return
	}
	next, errs := n.model.ApplyAll(n.doc, m.Ops)
	for _, err := range errs {
		if err != nil {
			n.send(full)
			return
		}
	}
	if sum := sha256.Sum256(next); len(errs) != len(m.Ops) || !bytes.Equal(sum[:], m.Digest) {
		n.send(full) // the same version with other contents: diverged
		return
	}
	if v, err := n.model.Version(next); err != nil || v != m.Version {
		n.send(full)
		return
	}
	n.changed = n.changed || !bytes.Equal(next, n.doc)
	n.doc, n.ver, n.qterm, n.persist = next, m.Version, m.QTerm, true
	n.send(ack)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedIDs(m map[uint64]*clientReq) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
