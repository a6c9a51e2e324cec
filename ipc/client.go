package ipc

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/pacer-ha/pacer/crmexit"
)

// Client is a connection to crmd's socket. It is safe for concurrent use; calls
// are serialised.
type Client struct {
	mu   sync.Mutex
	c    net.Conn
	next uint64
	path string
}

// Dial connects to the socket at path. A missing or refusing socket is
// crmexit.Disconnect (102), the code tools give when the cluster is not running.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, crmexit.New(crmexit.Disconnect, "cannot connect to the cluster: crmd is not running at %s (PACER_SOCKET): %w", path, err)
	}
	return &Client{c: c, path: path}, nil
}

// Close closes the connection.
func (cl *Client) Close() error { return cl.c.Close() }

// Do sends a request and waits for its response (ctx bounds the wait). A response
// with a non-zero code becomes an error carrying that code.
func (cl *Client) Do(ctx context.Context, q Request) (Response, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.next++
	q.ID = cl.next
	if dl, ok := ctx.Deadline(); ok {
		cl.c.SetDeadline(dl)
	} else {
		cl.c.SetDeadline(timeZero)
	}
	stop := context.AfterFunc(ctx, func() { cl.c.SetDeadline(past) })
	defer stop()
	if err := WriteFrame(cl.c, q); err != nil {
		return Response{}, cl.wrap(ctx, err)
	}
	b, err := ReadFrame(cl.c)
	if err != nil {
		return Response{}, cl.wrap(ctx, err)
	}
	var r Response
	if err := jsonUnmarshal(b, &r); err != nil {
		return Response{}, crmexit.New(crmexit.Protocol, "ipc: malformed response from crmd: %v", err)
	}
	if r.ID != q.ID {
		return Response{}, crmexit.New(crmexit.Protocol, "ipc: response %d to request %d", r.ID, q.ID)
	}
	if r.Code != 0 {
		return r, crmexit.New(crmexit.Code(r.Code), "%s", r.Err)
	}
	return r, nil
}

func (cl *Client) wrap(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return crmexit.New(crmexit.Timeout, "crmd at %s did not answer in time", cl.path)
		}
		return ctx.Err()
	}
	return crmexit.New(crmexit.Disconnect, "connection to crmd at %s: %w", cl.path, err)
}

// Query returns the node's CIB.
func (cl *Client) Query(ctx context.Context) ([]byte, [3]int, error) {
	r, err := cl.Do(ctx, Request{Op: OpQuery})
	return r.Doc, r.Version, err
}

// Replace replaces the CIB with doc if it is still at base; it returns once the
// write is durable on every member of the DC's partition.
func (cl *Client) Replace(ctx context.Context, base [3]int, doc []byte) error {
	_, err := cl.Do(ctx, Request{Op: OpReplace, Base: base, Doc: doc, Client: clientName()})
	return err
}

// clientName is this program's name, as Pacemaker records update-client.
func clientName() string {
	if len(os.Args) == 0 {
		return ""
	}
	return filepath.Base(os.Args[0])
}

// AttrSet sets a transient attribute (node "" = the local node).
func (cl *Client) AttrSet(ctx context.Context, node, name, value string, dampenMS int) error {
	_, err := cl.Do(ctx, Request{Op: OpAttrSet, Node: node, Name: name, Value: value, DampenMS: dampenMS})
	return err
}

// AttrGet reads a transient attribute.
func (cl *Client) AttrGet(ctx context.Context, node, name string) (string, bool, error) {
	r, err := cl.Do(ctx, Request{Op: OpAttrGet, Node: node, Name: name})
	return r.Value, r.Found, err
}

// AttrDelete removes a transient attribute.
func (cl *Client) AttrDelete(ctx context.Context, node, name string) error {
	_, err := cl.Do(ctx, Request{Op: OpAttrDelete, Node: node, Name: name})
	return err
}

// Status returns the node's view of the cluster.
func (cl *Client) Status(ctx context.Context) (Status, error) {
	r, err := cl.Do(ctx, Request{Op: OpStatus})
	if err != nil {
		return Status{}, err
	}
	if r.Status == nil {
		return Status{}, crmexit.New(crmexit.Protocol, "ipc: status response without a status")
	}
	return *r.Status, nil
}

// Fail asks the crmd of node to record a simulated failure of rsc there, as
// if its agent had failed (crm_resource --fail); the scheduler then counts
// and recovers it. It returns once the request is handed on.
func (cl *Client) Fail(ctx context.Context, node string, rsc Resource) error {
	_, err := cl.Do(ctx, Request{Op: OpFail, Node: node, Rsc: &rsc, Client: clientName()})
	return err
}
