package controller

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Version is a CIB version (admin_epoch, epoch, num_updates), compared in that order.
type Version struct {
	AdminEpoch int `json:"a"`
	Epoch      int `json:"e"`
	NumUpdates int `json:"n"`
}

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than o.
func (v Version) Compare(o Version) int {
	for _, p := range [][2]int{{v.AdminEpoch, o.AdminEpoch}, {v.Epoch, o.Epoch}, {v.NumUpdates, o.NumUpdates}} {
		switch {
		case p[0] < p[1]:
			return -1
		case p[0] > p[1]:
			return 1
		}
	}
	return 0
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.AdminEpoch, v.Epoch, v.NumUpdates) }

// Model interprets the replicated document. Both methods must be pure and
// deterministic: Apply runs on the DC only and its output is what every member stores.
type Model interface {
	// Version reads the document's version.
	Version(doc []byte) (Version, error)
	// Apply returns the document after op. It must either return the input
	// unchanged (a no-op) or a document with a strictly newer version. Errors carry
	// the crmexit code the client gets.
	Apply(doc []byte, op Op) ([]byte, error)
	// ApplyAll applies ops in order, as Apply would one after the other, and
	// returns the final document and one error per op (nil: applied or a
	// no-op). An op that fails changes nothing; the later ops still apply.
	// The DC applies a batch of writes with one call (group commit), and a
	// follower replays the same batch from a diff replicate: the result must
	// depend only on doc and ops.
	ApplyAll(doc []byte, ops []Op) ([]byte, []error)
}

// OpKind names an operation on the document.
type OpKind string

// Operations. Replace comes from clients; the attribute operations from attrd
// clients; the lrm operations from the nodes' executors (through crmd);
// NodeUp, NodeDown and Quorum are issued by the DC itself.
const (
	OpReplace  OpKind = "replace"     // Doc replaces the document if it is still at Base
	OpAttrSet  OpKind = "attr-set"    // transient attribute Name=Value on Node
	OpAttrDel  OpKind = "attr-delete" // remove transient attribute Name from Node
	OpNodeUp   OpKind = "node-up"     // Node is in the DC's partition (hook: refresh its status)
	OpNodeDown OpKind = "node-down"   // Node left: clear its transient attributes, mark it offline
	OpQuorum   OpKind = "quorum"      // the partition's quorum is Quorate
	// OpLRMUpdate records executor results in Node's operation history
	// (node_state/lrm): Doc is an <lrm_resources> patch whose lrm_resource
	// children carry lrm_rsc_op entries to put (replacing the entry with the
	// same id) and <delete id="..."/> entries to remove (with a
	// transition-key attribute: only if the entry carries that key); an
	// lrm_resource with remove="true" removes that resource's history.
	OpLRMUpdate OpKind = "lrm-update"
	// OpLRMClear replaces Node's operation history (its node_state/lrm)
	// with Doc, an <lrm_resources> patch as for OpLRMUpdate (empty: forget
	// it). The DC does it when a node joins or the DC changes, with the
	// history the node's own executor reports (or none: the scheduler then
	// probes), instead of trusting a stale copy.
	OpLRMClear OpKind = "lrm-clear"
)

// Op is one operation on the document.
type Op struct {
	Kind OpKind `json:"kind"`
	// Base is the version a Replace was computed from (compare-and-swap).
	Base  Version `json:"base,omitzero"`
	Doc   []byte  `json:"doc,omitempty"`
	Node  string  `json:"node,omitempty"`
	Name  string  `json:"name,omitempty"`
	Value string  `json:"value,omitempty"`
	// Dampen (ticks) delays an attribute write; later values within the window
	// replace the pending one without restarting it.
	Dampen  int  `json:"dampen,omitempty"`
	Quorate bool `json:"quorate,omitempty"`
	// Origin, Client and When describe a client's write for the record
	// (Pacemaker's update-origin, update-client, cib-last-written). The core
	// has no clock: the caller stamps When.
	Origin string `json:"origin,omitempty"`
	Client string `json:"client,omitempty"`
	When   string `json:"when,omitempty"`
	// Quiet marks the proposer's own bookkeeping (crmd recording executor
	// results): its change does not set Ready.Changed.
	Quiet bool `json:"quiet,omitempty"`
}

func (o Op) check() error {
	switch o.Kind {
	case OpReplace:
		if len(o.Doc) == 0 {
			return errors.New("replace without a document")
		}
	case OpAttrSet, OpAttrDel:
		if o.Node == "" || o.Name == "" {
			return fmt.Errorf("%s needs a node and a name", o.Kind)
		}
		if o.Dampen < 0 {
			return errors.New("negative dampen")
		}
	case OpLRMUpdate:
		if o.Node == "" || len(o.Doc) == 0 {
			return errors.New("lrm-update needs a node and a patch")
		}
	case OpNodeUp, OpNodeDown, OpLRMClear:
		if o.Node == "" {
			return fmt.Errorf("%s needs a node", o.Kind)
		}
	case OpQuorum:
	default:
		return fmt.Errorf("unknown operation %q", o.Kind)
	}
	return nil
}

// MsgType names a message between controllers.
type MsgType string

// Message types.
const (
	MsgHello      MsgType = "hello"     // my CIB version (Reply: an answer, do not answer it)
	MsgSync       MsgType = "sync"      // DC -> member: I am DC for Term, here is the CIB (Doc), or its Digest if the member holds it
	MsgSyncAck    MsgType = "sync-ack"  // member -> DC: CIB at Version persisted (Full: my copy is not the digest's, send it)
	MsgReplicate  MsgType = "replicate" // DC -> member: CIB after write Seq (Doc), or the batch of Ops that turns Base into it (Digest)
	MsgAck        MsgType = "ack"       // member -> DC: Seq persisted (Full: a diff did not apply, send the whole CIB)
	MsgForward    MsgType = "forward"   // origin -> DC: please apply Op, answer Req
	MsgResult     MsgType = "result"    // DC -> origin: outcome of Req
	MsgEvict      MsgType = "evict"     // DC -> member: you were dropped from the partition
	maxNameLength         = 253
)

// Message is what controllers send each other.
type Message struct {
	Type    MsgType `json:"type"`
	From    string  `json:"from"`
	To      string  `json:"to"`
	Term    Term    `json:"term,omitzero"` // the sender's current DC term
	MaxTerm uint64  `json:"max,omitempty"` // the highest term number the sender has seen
	Version Version `json:"ver,omitzero"`
	QTerm   Term    `json:"qterm,omitzero"`
	Reply   bool    `json:"reply,omitempty"`
	Doc     []byte  `json:"doc,omitempty"`
	Seq     uint64  `json:"seq,omitempty"`
	Req     uint64  `json:"req,omitempty"`
	Op      *Op     `json:"op,omitempty"`
	Code    int     `json:"code,omitempty"`
	Err     string  `json:"err,omitempty"`
	// A diff replicate: the follower at Base applies Ops and must get
	// Version and a document whose SHA-256 is Digest.
	Base   Version `json:"base,omitzero"`
	Ops    []Op    `json:"ops,omitempty"`
	Digest []byte  `json:"digest,omitempty"`
	Full   bool    `json:"full,omitempty"`
}

// Encode serialises a message for the wire.
func (m Message) Encode() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding %s message: %w", m.Type, err)
	}
	return b, nil
}

// DecodeMessage parses and checks a message from the wire; anything malformed is an
// error (the caller logs and drops it).
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return Message{}, fmt.Errorf("malformed controller message: %w", err)
	}
	if m.From == "" || len(m.From) > maxNameLength || m.To == "" || len(m.To) > maxNameLength {
		return Message{}, errors.New("malformed controller message: bad from/to")
	}
	switch m.Type {
	case MsgHello, MsgSyncAck, MsgAck, MsgEvict, MsgResult:
	case MsgSync:
		if len(m.Doc) == 0 && len(m.Digest) == 0 {
			return Message{}, fmt.Errorf("malformed controller message: %s without a document or a digest", m.Type)
		}
	case MsgReplicate:
		if len(m.Doc) == 0 && len(m.Digest) == 0 {
			return Message{}, fmt.Errorf("malformed controller message: %s without a document or a digest", m.Type)
		}
		for _, op := range m.Ops {
			if err := op.check(); err != nil {
				return Message{}, fmt.Errorf("malformed controller message: replicated %w", err)
			}
		}
	case MsgForward:
		if m.Op == nil {
			return Message{}, errors.New("malformed controller message: forward without an operation")
		}
		if err := m.Op.check(); err != nil {
			return Message{}, fmt.Errorf("malformed controller message: %w", err)
		}
	default:
		return Message{}, fmt.Errorf("malformed controller message: unknown type %q", m.Type)
	}
	return m, nil
}

// EventKind names something the node reports to its caller.
type EventKind string

// Event kinds.
const (
	EventResult        EventKind = "result"         // a Propose finished (ID, Code, Err, Version)
	EventDC            EventKind = "dc"             // the DC changed (Node, "" while electing)
	EventQuorum        EventKind = "quorum"         // quorum changed (Quorate)
	EventRefreshStatus EventKind = "refresh-status" // DC: rebuild Node's status from its executor
	EventEvicted       EventKind = "evicted"        // DC: Node was dropped for not confirming
)

// Event is reported through Ready.
type Event struct {
	Kind    EventKind
	ID      uint64
	Code    int
	Err     string
	Version Version
	Node    string
	Quorate bool
}

// HardState is what a node persists and gives back to New on restart.
type HardState struct {
	Doc   []byte
	QTerm Term   // term of the last write confirmed by a quorate partition (ranks documents)
	Term  uint64 // highest term number seen
}

// Term identifies one DC's reign: a number and the DC that chose it. Two nodes
// may pick the same number concurrently; the name keeps terms unique and totally
// ordered, so a member never serves two DCs of "the same" term.
type Term struct {
	N  uint64 `json:"n"`
	DC string `json:"dc,omitempty"`
}

// Compare orders terms by number, then DC name.
func (t Term) Compare(o Term) int {
	switch {
	case t.N < o.N:
		return -1
	case t.N > o.N:
		return 1
	case t.DC < o.DC:
		return -1
	case t.DC > o.DC:
		return 1
	}
	return 0
}

func (t Term) String() string { return fmt.Sprintf("%d/%s", t.N, t.DC) }

// Ready is the work the caller must do, in order: persist, send, deliver events.
type Ready struct {
	// Persist, when non-nil, is the document to store durably before any message
	// in this Ready is sent or any event delivered.
	Persist  *HardState
	Version  Version // of Persist.Doc
	Messages []Message
	Events   []Event
	// Changed reports that the document changed since the last Ready by
	// anything other than Quiet operations proposed on this node.
	Changed bool
}

// Status is a snapshot of what the node knows.
type Status struct {
	Self      string
	DC        string
	Term      uint64
	Ready     bool // the DC has synced its partition and accepts writes
	Quorate   bool
	Members   []string // alive configured nodes, as membership reports them
	Partition []string // DC only: members synced and confirming writes
	Version   Version
	// Unapplied counts the writes the DC accepted but has not applied yet
	// (waiting for the partition's sync or for the batch in flight).
	Unapplied int
}
