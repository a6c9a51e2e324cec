package ipc

import (
	"bytes"
	"context"
	"strings"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

// ConflictPrefix starts the error of a replace made on a CIB that changed
// meanwhile (nothing was written); Backend.Update re-reads and retries on it.
const ConflictPrefix = "conflict:"

// maxRetries bounds Update's optimistic retries under concurrent writers.
const maxRetries = 20

// Backend is a cib.Backend on the live cluster through crmd.
type Backend struct {
	cl *Client
}

// DialBackend connects to crmd's socket and returns a cib.Backend.
func DialBackend(ctx context.Context, path string) (*Backend, error) {
	cl, err := Dial(ctx, path)
	if err != nil {
		return nil, err
	}
	return &Backend{cl: cl}, nil
}

// Client is the underlying connection (for attribute and status calls).
func (b *Backend) Client() *Client { return b.cl }

// Read returns the local node's CIB, which holds every acknowledged write.
func (b *Backend) Read(ctx context.Context) (*cib.CIB, error) {
	doc, _, err := b.cl.Query(ctx)
	if err != nil {
		return nil, err
	}
	return cib.Parse(doc)
}

// Update runs fn on a copy of the CIB and sends the result to the DC as a
// compare-and-swap on the version read; on a conflict it re-reads and runs fn again.
func (b *Backend) Update(ctx context.Context, fn func(*cib.CIB) error) error {
	for try := 0; ; try++ {
		c, err := b.Read(ctx)
		if err != nil {
			return err
		}
		before, err := c.Bytes()
		if err != nil {
			return err
		}
		w := c.Clone()
		if err := fn(w); err != nil {
			return err
		}
		after, err := w.Bytes()
		if err != nil {
			return err
		}
		if bytes.Equal(before, after) {
			return nil
		}
		if err := w.Validate(); err != nil {
			return err
		}
		if w.Version().Compare(c.Version()) <= 0 {
			// fn edited the document without moving its version (a direct edit
			// rather than a cib operation): count it as a configuration change.
			v := w.Version()
			v.Epoch++
			v.NumUpdates = 0
			w.SetVersion(v)
			if after, err = w.Bytes(); err != nil {
				return err
			}
		}
		v := c.Version()
		err = b.cl.Replace(ctx, [3]int{v.AdminEpoch, v.Epoch, v.NumUpdates}, after)
		if err == nil || !strings.HasPrefix(err.Error(), ConflictPrefix) || try >= maxRetries {
			if err != nil && strings.HasPrefix(err.Error(), ConflictPrefix) {
				return crmexit.Wrap(crmexit.TempFail, err)
			}
			return err
		}
	}
}

// Close closes the connection.
func (b *Backend) Close() error { return b.cl.Close() }

var _ cib.Backend = (*Backend)(nil)
