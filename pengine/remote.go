package pengine

import (
	"github.com/pacer-ha/pacer/cluster"
)

// Remote and guest nodes run resources through a connection resource (and, for a
// guest, the container it lives in). They can host resources in this transition
// exactly when their connection is placed; connection resources and fencing devices
// only run on cluster nodes.

func isRemoteNode(n *node) bool {
	return n.cn.Type == cluster.NodeRemote || n.cn.Type == cluster.NodeGuest
}

// connOf is a remote or guest node's connection resource in the working set.
func (w *ws) connOf(n *node) *rsc {
	if n.cn.RemoteRsc == nil {
		return nil
	}
	return w.byID[n.cn.RemoteRsc.ID]
}

// staticOK is what can be said about a node before placement: it is not unclean,
// in standby or maintenance, and (for a cluster node) is online and not leaving.
func (n *node) staticOK() bool {
	cn := n.cn
	if n.unclean || cn.Standby || cn.Maintenance {
		return false
	}
	if isRemoteNode(n) {
		return true
	}
	return cn.Online && !cn.Shutdown && !cn.Pending
}

// usable reports whether resources may be placed on n now: a remote or guest node
// needs its connection placed.
func (w *ws) usable(n *node) bool {
	if !n.staticOK() {
		return false
	}
	if !isRemoteNode(n) {
		return true
	}
	conn := w.connOf(n)
	if conn == nil {
		return n.cn.Online
	}
	return conn.assigned != nil && conn.managed || (!conn.managed && n.cn.Online)
}

// remoteSetup adds what remote and guest nodes imply: connections and fencing
// devices stay off them, a guest's connection (and any resource with a container)
// runs with its container and starts after it, and connections are placed first.
func (w *ws) remoteSetup() {
	conns := map[*rsc]bool{}
	for _, n := range w.nodes {
		if c := w.connOf(n); c != nil {
			conns[c] = true
		}
	}
	for _, r := range w.all {
		if r.cr.Kind != cluster.Primitive {
			continue
		}
		if conns[r] || r.cr.Class == "stonith" {
			for _, n := range w.nodes {
				if isRemoteNode(n) {
					r.scores[n.idx] = -inf
				}
			}
		}
		// A container that hosts a guest node only binds that node's connection;
		// other resources naming it run inside the guest.
		if r.cr.Container != nil && (r.cr.Container.RemoteNode == "" || conns[r]) {
			if c := w.byID[r.cr.Container.ID]; c != nil && c != r {
				w.addColocation(&colocation{id: r.id + "-with-container", dep: r, prim: c, score: inf, influence: true})
				w.ords = append(w.ords, &ordering{id: r.id + "-after-container", first: c, then: r,
					firstAction: "start", thenAction: "start", kind: orderMandatory, symmetrical: true})
			}
		}
	}
	for _, r := range w.all {
		if conns[r] {
			w.connFirst = append(w.connFirst, r)
		}
	}
}

// remoteOrdering makes resources on a remote node start after its connection and
// stop before it.
func (w *ws) remoteOrdering() {
	for _, n := range w.nodes {
		conn := w.connOf(n)
		if conn == nil || conn.start == nil {
			continue
		}
		for _, r := range w.all {
			if r.cr.Kind != cluster.Primitive || r == conn {
				continue
			}
			if r.start != nil && r.start.Node == n {
				w.order(conn.start, r.start, fRunnableLeft)
				if n.cn.Container != nil {
					// Restarting a guest's container restarts what runs inside.
					if c := w.byID[n.cn.Container.ID]; c != nil && c.start != nil {
						w.order(c.start, r.start, fImpliesThen|fRunnableLeft)
					}
				}
			}
			for _, s := range r.stops {
				if s.Node == n && conn.stop != nil {
					w.order(s, conn.stop, fOptionalOnly)
				}
			}
		}
	}
}

// containerRecovery restarts the container of a failed resource that lives in one:
// recovering the resource means recovering its container.
func (w *ws) containerRecovery() {
	for _, r := range w.all {
		if !r.failed || r.cr.Container == nil || r.cr.Container.RemoteNode != "" {
			continue
		}
		c := w.byID[r.cr.Container.ID]
		if c == nil || c == r || !c.managed {
			continue
		}
		for _, s := range c.stops {
			s.Optional = false
		}
	}
}
