package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/resourcecmd"
)

// usageErr is a wrongly used level command (crmsh exits 1 for these).
func usageErr(format string, args ...any) error {
	return crmexit.Wrap(crmexit.Err, fmt.Errorf(format, args...))
}

// readCIB opens the store and reads the CIB once.
func (a *app) readCIB(ctx context.Context) (*cib.CIB, error) {
	st, err := a.open(ctx)
	if err != nil {
		return nil, crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot open the CIB: %w", err))
	}
	defer st.Close()
	c, err := st.Read(ctx)
	if err != nil {
		return nil, crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot read the CIB: %w", err))
	}
	return c, nil
}

// edit changes the CIB in one update; the epoch goes up when the
// configuration changed, num_updates when only the status did.
func (a *app) edit(ctx context.Context, fn func(c *cib.CIB, cl *cluster.Cluster) error) error {
	st, err := a.open(ctx)
	if err != nil {
		return crmexit.Wrap(crmexit.Err, fmt.Errorf("cannot open the CIB: %w", err))
	}
	defer st.Close()
	return st.Update(ctx, func(c *cib.CIB) error {
		before := configText(c)
		status := statusText(c)
		version := c.Version()
		cl, err := resourcecmd.View(c, a.now())
		if err != nil {
			return crmexit.Wrap(crmexit.Err, err)
		}
		if err := fn(c, cl); err != nil {
			return err
		}
		v := c.Version()
		if v != version {
			return nil // the edit counted itself (cib operations do)
		}
		switch {
		case configText(c) != before:
			v.Epoch++
			v.NumUpdates = 0
		case statusText(c) != status:
			v.NumUpdates++
		default:
			return nil
		}
		c.SetVersion(v)
		return nil
	})
}

func statusText(c *cib.CIB) string {
	st := c.Root().SelectElement("status")
	if st == nil {
		return ""
	}
	s, _ := newDoc(st.Copy()).WriteToString()
	return s
}

func (a *app) now() time.Time {
	if a.clock != nil {
		return a.clock()
	}
	return time.Now()
}

// info prints crmsh's INFO lines (on standard output, as crmsh does).
func (a *app) info(format string, args ...any) {
	fmt.Fprintf(a.stdout, "INFO: "+format+"\n", args...)
}

// level runs the non-configure levels; ok is false for a word that is not
// one of them.
func (a *app) level(ctx context.Context, args []string) (err error, ok bool) {
	switch args[0] {
	case "status":
		return a.status(ctx, args[1:]), true
	case "ra":
		return a.ra(ctx, args[1:]), true
	case "resource":
		return a.resource(ctx, args[1:]), true
	case "node":
		return a.node(ctx, args[1:]), true
	}
	return nil, false
}

// localNode is the node crmsh acts on when none is named: this node (the
// local crmd's node name on a live cluster, else the host's name).
func localNode(ctx context.Context) string {
	if n, ok := cibclient.LocalNode(ctx, os.Getenv); ok {
		return n
	}
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	short, _, _ := strings.Cut(h, ".")
	return short
}

// memStore serves the level commands of a script from the CIB the script is
// editing: reads see earlier lines' changes, updates apply at once (each
// command checks its arguments before changing anything).
type memStore struct {
	c    *cib.CIB
	file bool // the CIB comes from a file, not the cluster
}

func (m memStore) Read(context.Context) (*cib.CIB, error) { return m.c, nil }

func (m memStore) Update(_ context.Context, fn func(*cib.CIB) error) error { return fn(m.c) }

func (m memStore) Close() error { return nil }
