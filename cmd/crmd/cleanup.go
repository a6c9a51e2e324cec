package main

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/ipc"
)

// Cleanups reach the executors. crm_resource --cleanup/--refresh (and
// crm_failcount --delete, crm resource cleanup) delete operation history
// from the CIB's status section with an ordinary write. The status a DC
// rebuilds at election comes from each node's executor history, so that
// history must forget the same entries, or the next DC change brings a
// cleaned failure back. Pacemaker's controller asks the executor to delete
// them; here the crmd that serves the write compares the status before and
// after it and, once the write is acknowledged, tells each node's crmd
// which entries went (lrm-delete), answering the client when they have
// confirmed (lrm-deleted) or after histDeleteTimeout.

// Executor message types for history deletion.
const (
	lrmDelete  = "lrm-delete"  // -> node: Doc is an <lrm_resources> of <delete id call-id/> to forget
	lrmDeleted = "lrm-deleted" // node -> requester: done (ID as asked)
)

// histDeleteTimeout bounds how long a client waits for the nodes.
const histDeleteTimeout = 2 * time.Second

// histDelete is a client write whose history deletions are in flight.
type histDelete struct {
	reply   chan ipc.Response
	resp    ipc.Response
	waiting map[string]bool
}

// removedHistory compares the status sections of two CIBs and returns, per
// node name, an <lrm_resources> patch of the lrm_rsc_op entries the second
// lacks (each <delete id=".." call-id=".."/> under its lrm_resource).
func removedHistory(before, after []byte, names map[string]string) (map[string][]byte, error) {
	parse := func(b []byte) (*etree.Element, error) {
		x := etree.NewDocument()
		if err := x.ReadFromBytes(b); err != nil {
			return nil, err
		}
		if x.Root() == nil {
			return nil, fmt.Errorf("empty document")
		}
		return x.Root(), nil
	}
	b, err := parse(before)
	if err != nil {
		return nil, fmt.Errorf("parsing the CIB: %w", err)
	}
	a, err := parse(after)
	if err != nil {
		return nil, fmt.Errorf("parsing the new CIB: %w", err)
	}
	type key struct{ node, rsc, op string }
	kept := map[key]bool{}
	for _, ns := range a.FindElements("status/node_state") {
		for _, lr := range ns.FindElements("lrm/lrm_resources/lrm_resource") {
			for _, op := range lr.SelectElements("lrm_rsc_op") {
				kept[key{ns.SelectAttrValue("id", ""), lr.SelectAttrValue("id", ""), op.SelectAttrValue("id", "")}] = true
			}
		}
	}
	patches := map[string]*etree.Element{}
	for _, ns := range b.FindElements("status/node_state") {
		id := ns.SelectAttrValue("id", "")
		name := names[id]
		if name == "" {
			continue
		}
		for _, lr := range ns.FindElements("lrm/lrm_resources/lrm_resource") {
			rid := lr.SelectAttrValue("id", "")
			var plr *etree.Element
			for _, op := range lr.SelectElements("lrm_rsc_op") {
				oid := op.SelectAttrValue("id", "")
				if kept[key{id, rid, oid}] {
					continue
				}
				if patches[name] == nil {
					patches[name] = etree.NewElement("lrm_resources")
				}
				if plr == nil {
					plr = patches[name].CreateElement("lrm_resource")
					plr.CreateAttr("id", rid)
				}
				del := plr.CreateElement("delete")
				del.CreateAttr("id", oid)
				if c := op.SelectAttrValue("call-id", ""); c != "" {
					del.CreateAttr("call-id", c)
				}
			}
		}
	}
	out := map[string][]byte{}
	for name, p := range patches {
		x := etree.NewDocument()
		x.SetRoot(p)
		bs, err := x.WriteToBytes()
		if err != nil {
			return nil, err
		}
		out[name] = bs
	}
	return out, nil
}

// forgetHistory applies an lrm-delete patch to an executor history: an
// entry goes unless it is newer (a higher call-id) than the one deleted
// from the CIB; a resource left without entries goes too. It returns how
// many entries went.
func forgetHistory(lrs *etree.Element, patch []byte) (int, error) {
	x := etree.NewDocument()
	if err := x.ReadFromBytes(patch); err != nil {
		return 0, fmt.Errorf("malformed lrm-delete: %w", err)
	}
	p := x.Root()
	if p == nil || p.Tag != "lrm_resources" {
		return 0, fmt.Errorf("malformed lrm-delete: want <lrm_resources>")
	}
	// Indexed: a --refresh of a large cluster deletes thousands of entries.
	byID := map[string]*etree.Element{}
	for _, c := range lrs.SelectElements("lrm_resource") {
		byID[c.SelectAttrValue("id", "")] = c
	}
	n := 0
	gone := map[*etree.Element]bool{}
	for _, plr := range p.SelectElements("lrm_resource") {
		lr := byID[plr.SelectAttrValue("id", "")]
		if lr == nil {
			continue
		}
		ops := map[string]*etree.Element{}
		for _, op := range lr.SelectElements("lrm_rsc_op") {
			ops[op.SelectAttrValue("id", "")] = op
		}
		for _, del := range plr.SelectElements("delete") {
			op := ops[del.SelectAttrValue("id", "")]
			if op == nil {
				continue
			}
			if dc, err := strconv.Atoi(del.SelectAttrValue("call-id", "")); err == nil {
				if oc, err := strconv.Atoi(op.SelectAttrValue("call-id", "")); err == nil && oc > dc {
					continue // a result recorded after the cleanup
				}
			}
			lr.RemoveChild(op)
			delete(ops, del.SelectAttrValue("id", ""))
			n++
		}
		if len(ops) == 0 {
			gone[lr] = true
		}
	}
	if len(gone) > 0 {
		// One pass: RemoveChild per resource is quadratic.
		var keep []*etree.Element
		for _, c := range lrs.ChildElements() {
			if !gone[c] {
				keep = append(keep, c)
			}
		}
		for i := len(lrs.Child) - 1; i >= 0; i-- {
			lrs.RemoveChildAt(i) // from the end: no shifting
		}
		for _, c := range keep {
			lrs.AddChild(c)
		}
	}
	return n, nil
}

// forget applies an lrm-delete patch to this node's executor history.
func (d *daemon) forget(patch []byte, from string) {
	d.histMu.Lock()
	n, err := forgetHistory(d.hist, patch)
	d.histMu.Unlock()
	if err != nil {
		d.log.Warn("ignoring a history deletion", "from", from, "err", err)
		return
	}
	if n > 0 {
		d.log.Info("executor history: forgot cleaned-up entries", "entries", n, "by", from)
	}
}

// nodeNames maps node ids (as in node_state) to names.
func (d *daemon) nodeNames() map[string]string {
	out := map[string]string{}
	for name, id := range d.ids {
		out[strconv.Itoa(id)] = name
	}
	return out
}

// noteCleanup remembers, for a client write with request id, which history
// entries it deletes (event loop; doc is the CIB the write was based on).
func (d *daemon) noteCleanup(id uint64, doc, next []byte) {
	dels, err := removedHistory(doc, next, d.nodeNames())
	if err != nil {
		d.log.Debug("not looking for history deletions", "err", err)
		return
	}
	if len(dels) > 0 {
		d.cleanups[id] = dels
	}
}

// finishCleanup runs when a client write is answered (event loop): on
// success, its history deletions go to the nodes, and the answer waits
// for them. It reports whether it took over the reply.
func (d *daemon) finishCleanup(id uint64, reply chan ipc.Response, resp ipc.Response) bool {
	dels, ok := d.cleanups[id]
	delete(d.cleanups, id)
	if !ok || resp.Code != 0 {
		return false
	}
	hd := &histDelete{reply: reply, resp: resp, waiting: map[string]bool{}}
	members := map[string]bool{}
	for _, m := range d.ml.Members() {
		members[m.Name] = true
	}
	nodes := make([]string, 0, len(dels))
	for n := range dels {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, node := range nodes {
		patch := dels[node]
		switch {
		case node == d.self.Name:
			d.forget(patch, "a local client")
		case !members[node]:
			// Not running crmd: a restarted crmd starts with an empty
			// history anyway. (A node cut off by a partition keeps its
			// entries.)
			d.log.Info("not telling an absent node to forget cleaned-up history", "peer", node)
		default:
			b, err := encodeExec(execMsg{Type: lrmDelete, From: d.self.Name, To: node, ID: id, Doc: patch})
			if err == nil && d.sendRaw(node, b) {
				hd.waiting[node] = true
			} else {
				d.log.Warn("could not send a history deletion", "peer", node, "err", err)
			}
		}
	}
	if len(hd.waiting) == 0 {
		return false
	}
	d.histDeletes[id] = hd
	time.AfterFunc(histDeleteTimeout, func() {
		d.submit(d.ctx, func() {
			if hd, ok := d.histDeletes[id]; ok {
				delete(d.histDeletes, id)
				d.log.Warn("nodes did not confirm forgetting cleaned-up history in time", "waiting", fmt.Sprint(hd.waiting))
				hd.reply <- hd.resp
			}
		})
	})
	return true
}

// onHistoryDeleted handles a node's confirmation (event loop).
func (d *daemon) onHistoryDeleted(m execMsg) {
	hd, ok := d.histDeletes[m.ID]
	if !ok || !hd.waiting[m.From] {
		return
	}
	delete(hd.waiting, m.From)
	if len(hd.waiting) == 0 {
		delete(d.histDeletes, m.ID)
		hd.reply <- hd.resp
	}
}
