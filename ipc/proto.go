package ipc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxFrame bounds one request or response (a CIB travels in one frame).
const MaxFrame = 64 << 20

// Request operations.
const (
	OpQuery      = "query"       // the node's CIB
	OpReplace    = "replace"     // Doc replaces the CIB if it is still at Base
	OpAttrSet    = "attr-set"    // transient attribute Name=Value on Node
	OpAttrGet    = "attr-get"    // read a transient attribute
	OpAttrDelete = "attr-delete" // remove a transient attribute
	OpStatus     = "status"      // the node's view of the cluster
	OpFail       = "fail"        // record a simulated failure of Rsc on Node
)

// Resource names a primitive as the executor knows it (fail).
type Resource struct {
	ID       string `json:"id"`
	Class    string `json:"class"`
	Provider string `json:"provider,omitempty"`
	Type     string `json:"type"`
}

// Request is one call.
type Request struct {
	ID   uint64 `json:"id"`
	Op   string `json:"op"`
	Base [3]int `json:"base,omitzero"` // replace: admin_epoch, epoch, num_updates read
	Doc  []byte `json:"doc,omitempty"`
	Node string `json:"node,omitempty"`
	Name string `json:"name,omitempty"`
	// Value of attr-set.
	Value string `json:"value,omitempty"`
	// DampenMS delays an attr-set (attrd's dampening), in milliseconds.
	DampenMS int `json:"dampen_ms,omitempty"`
	// Client names the tool (recorded as the CIB's update-client).
	Client string `json:"client,omitempty"`
	// Rsc is the resource of a fail request.
	Rsc *Resource `json:"rsc,omitempty"`
}

// Status is a node's view of the cluster.
type Status struct {
	Cluster   string   `json:"cluster"`
	Node      string   `json:"node"`
	DC        string   `json:"dc"`
	Term      uint64   `json:"term"`
	Quorate   bool     `json:"quorate"`
	Members   []string `json:"members"`
	Nodes     []string `json:"nodes"` // configured
	Version   [3]int   `json:"version"`
	Partition []string `json:"partition,omitempty"` // on the DC: members confirming writes
}

// Response answers the Request with the same ID. Code is a crmexit code (0 = OK).
type Response struct {
	ID      uint64  `json:"id"`
	Code    int     `json:"code,omitempty"`
	Err     string  `json:"err,omitempty"`
	Doc     []byte  `json:"doc,omitempty"`
	Version [3]int  `json:"version,omitzero"`
	Value   string  `json:"value,omitempty"`
	Found   bool    `json:"found,omitempty"`
	Status  *Status `json:"status,omitempty"`
}

// WriteFrame writes v as one length-prefixed JSON frame.
func WriteFrame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("ipc: encoding frame: %w", err)
	}
	if len(b) > MaxFrame {
		return fmt.Errorf("ipc: frame of %d bytes exceeds the %d limit", len(b), MaxFrame)
	}
	buf := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(buf, uint32(len(b)))
	copy(buf[4:], b)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("ipc: writing frame: %w", err)
	}
	return nil
}

// ErrFrame marks a malformed frame (as opposed to a closed or failing connection).
var ErrFrame = errors.New("ipc: malformed frame")

// ReadFrame reads one frame's JSON bytes.
func ReadFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > MaxFrame {
		return nil, fmt.Errorf("%w: length %d", ErrFrame, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("ipc: reading frame body: %w", err)
	}
	return b, nil
}

// DecodeRequest parses and checks a request frame.
func DecodeRequest(b []byte) (Request, error) {
	var q Request
	if err := json.Unmarshal(b, &q); err != nil {
		return Request{}, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	switch q.Op {
	case OpQuery, OpStatus:
	case OpReplace:
		if len(q.Doc) == 0 {
			return Request{}, fmt.Errorf("%w: replace without a document", ErrFrame)
		}
	case OpAttrSet, OpAttrGet, OpAttrDelete:
		if q.Name == "" {
			return Request{}, fmt.Errorf("%w: %s without an attribute name", ErrFrame, q.Op)
		}
		if q.DampenMS < 0 {
			return Request{}, fmt.Errorf("%w: negative dampen", ErrFrame)
		}
	case OpFail:
		if q.Node == "" || q.Rsc == nil || q.Rsc.ID == "" || q.Rsc.Class == "" || q.Rsc.Type == "" {
			return Request{}, fmt.Errorf("%w: fail without a node or a resource's id, class and type", ErrFrame)
		}
	default:
		return Request{}, fmt.Errorf("%w: unknown operation %q", ErrFrame, q.Op)
	}
	return q, nil
}
