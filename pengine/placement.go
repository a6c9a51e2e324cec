package pengine

import (
	"sort"
	"time"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/rules"
)

const inf = rules.Infinity

// initScores gives every primitive its node scores: the cluster default, location
// constraints, node availability, failure bans and stickiness.
func (w *ws) initScores() {
	w.bundleNodeOwners()
	for _, r := range w.all {
		r.scores = make([]int, len(w.nodes))
		r.discover = make([]bool, len(w.nodes))
		for i := range r.scores {
			if w.optIn(r, w.nodes[i]) {
				r.scores[i] = -inf
			}
			r.discover[i] = true
		}
	}
	// Exclusive discovery restricts probing to the nodes the constraint names.
	exclusive := map[*rsc]bool{}
	for _, l := range w.locs {
		if l.discovery == "exclusive" {
			for _, p := range locTargets(l.rsc) {
				exclusive[p] = true
			}
		}
	}
	for p := range exclusive {
		for i := range p.discover {
			p.discover[i] = false
		}
	}
	for _, l := range w.locs {
		for _, n := range w.nodes {
			// Promotion preferences do not place the resource.
			score, ok := w.locScore(l, n, false)
			if !ok {
				continue
			}
			for _, p := range locTargets(l.rsc) {
				w.addLocation(p, n, score, l.discovery)
			}
		}
	}
	for _, r := range w.all {
		if r.cr.Kind != cluster.Primitive {
			continue
		}
		w.dropFencedCopies(r)
		for _, n := range w.nodes {
			if !n.staticOK() {
				r.scores[n.idx] = -inf
			}
			if exclusive[r] && !r.discover[n.idx] {
				// Exclusive discovery also confines where it may run.
				r.scores[n.idx] = -inf
			}
		}
		// Only nodes with history can hold failures. Each st is
		// r.cr.StatusOn(st.Node.Name) (see cluster.Resource.StatusOrder), so
		// it is used directly rather than looked up again.
		for _, st := range r.cr.StatusOrder {
			if !r.cr.HasFailures() {
				break
			}
			if n := w.byName[st.Node.Name]; n != nil && w.bannedByState(r, st) {
				r.scores[n.idx] = -inf
			}
		}
		// An anonymous clone's history on a node belongs to whichever instance
		// runs there: an agent missing (or not permitted) there bans them all.
		for _, sib := range anonSiblings(r) {
			for _, st := range sib.cr.StatusOrder {
				if n := w.byName[st.Node.Name]; n != nil && hardFailure(st) {
					r.scores[n.idx] = -inf
				}
			}
		}
		w.shutdownLock(r)
		w.promotionPreference(r)
		// Stickiness holds a resource where it runs; one active on several
		// nodes has no such place.
		if r.managed && len(r.current) == 1 {
			for _, n := range r.current {
				if r.scores[n.idx] > -inf || w.symmetric {
					r.scores[n.idx] = rules.Add(r.scores[n.idx], r.cr.Stickiness)
				}
			}
		}
	}
}

// bannedByState reports whether r's failures recorded in st (its state on one
// node) keep it off that node: the fail count reached migration-threshold, or
// the agent cannot run there.
func (w *ws) bannedByState(r *rsc, st *cluster.RscNodeState) bool {
	if agentChanged(r, st) {
		// The history on this node is another agent's: its failures and
		// fail count do not hold against this one.
		return false
	}
	ignored := st.FailedOp == nil && len(st.IgnoredFailures()) > 0
	expired := r.cr.FailureTimeout > 0 && st.LastFailure > 0 &&
		!w.now.Before(time.Unix(st.LastFailure, 0).Add(r.cr.FailureTimeout))
	if r.cr.MigrationThreshold > 0 && st.FailCount >= r.cr.MigrationThreshold && !ignored && !expired {
		return true
	}
	if hardFailure(st) {
		return true
	}
	// A failed start bans the node only through the fail count the controller
	// sets (start-failure-is-fatal makes it INFINITY), not by itself.
	return false
}

func (w *ws) addLocation(p *rsc, n *node, score int, discovery string) {
	if w.optIn(p, n) && p.scores[n.idx] == -inf && score > -inf {
		// An asymmetric cluster only allows nodes a constraint names.
		p.scores[n.idx] = score
	} else {
		p.scores[n.idx] = rules.Add(p.scores[n.idx], score)
	}
	switch discovery {
	case "never":
		p.discover[n.idx] = false
	case "exclusive":
		p.discover[n.idx] = true
	}
}

// locScore is the score a location constraint gives a node, ok=false when it does
// not apply there.
// promoted selects the constraints (or rules) for the Promoted role instead of the
// others.
func (w *ws) locScore(l *location, n *node, promoted bool) (int, bool) {
	if l.hasScore {
		return l.score, l.node == n.name && (l.role == cluster.RolePromoted) == promoted
	}
	ctx := w.ruleCtx(n)
	if l.rsc != nil {
		// value-source="param"/"meta" compare with the constrained resource's
		// own parameters and meta attributes.
		ctx.Params, ctx.Meta = w.paramsOn(l.rsc, n), l.rsc.cr.Meta
	}
	total, matched := 0, false
	for _, rule := range l.rules {
		role := l.role
		if v := rule.SelectAttrValue("role", ""); v != "" {
			role = cluster.ParseRole(v)
		}
		if (role == cluster.RolePromoted) != promoted {
			continue
		}
		ok, err := rules.Eval(rule, ctx)
		if err != nil {
			w.warnf("Rule in constraint %s: %v", l.id, err)
		}
		if !ok {
			continue
		}
		s, _ := rules.Score(rule, ctx)
		total = rules.Add(total, s)
		matched = true
	}
	return total, matched
}

func primitivesOf(r *rsc) []*rsc {
	if len(r.children) == 0 {
		return []*rsc{r}
	}
	var out []*rsc
	for _, c := range r.children {
		out = append(out, primitivesOf(c)...)
	}
	return out
}

// groupChain adds a group's implicit constraints: each member is colocated with
// and ordered after the one before it.
func (w *ws) groupChain() {
	for _, r := range w.all {
		if r.cr.Kind != cluster.Group || len(r.children) == 0 {
			continue
		}
		for i := 1; i < len(r.children); i++ {
			w.addColocation(&colocation{id: r.id, dep: r.children[i], prim: r.children[i-1], score: inf, influence: true})
		}
	}
}

// placeTarget maps a constraint on a collection to the resource that carries it: a
// group is placed by its first member.
func placeTarget(r *rsc) *rsc {
	for r.cr.Kind == cluster.Group && len(r.children) > 0 {
		r = r.children[0]
	}
	return r
}

// allocate assigns every resource to a node, in priority order.
func (w *ws) allocate() {
	// Colocations with or of a group act on its first member.
	for _, c := range w.cols {
		c.dep, c.prim = placeTarget(c.dep), placeTarget(c.prim)
	}
	w.rebuildColIndex()
	// Remote connections are placed first: they decide which remote and guest
	// nodes can host resources.
	for _, r := range w.connFirst {
		w.assignTree(r)
	}
	order := append([]*rsc(nil), w.top...)
	if w.util.strategy != "" && w.util.strategy != "default" {
		w.sortForUtilization(order)
		// Pacemaker reports resources in the order it placed them.
		w.all = w.all[:0]
		var walk func(r *rsc)
		walk = func(r *rsc) {
			w.all = append(w.all, r)
			for _, c := range r.children {
				walk(c)
			}
		}
		for _, r := range order {
			walk(r)
		}
	} else {
		sort.SliceStable(order, func(i, j int) bool { return order[i].cr.Priority > order[j].cr.Priority })
	}
	for _, r := range order {
		w.assignTree(r)
	}
}

func (w *ws) rebuildColIndex() {
	for _, r := range w.all {
		r.asDep, r.asPrim = nil, nil
	}
	for _, c := range w.cols {
		if c.dep == c.prim {
			continue
		}
		c.dep.asDep = append(c.dep.asDep, c)
		c.prim.asPrim = append(c.prim.asPrim, c)
	}
	for _, r := range w.all {
		sort.SliceStable(r.asDep, func(i, j int) bool {
			a, b := r.asDep[i], r.asDep[j]
			if a.score != b.score {
				return a.score > b.score
			}
			return a.prim.top().cr.Priority > b.prim.top().cr.Priority
		})
	}
}

// assignTree places a resource of any kind: a group member by member, a clone
// instance by instance (those already running first, so they keep their nodes).
func (w *ws) assignTree(r *rsc) {
	switch r.cr.Kind {
	case cluster.Primitive:
		w.assign(r)
		return
	case cluster.Clone:
		if r.allocated || r.inAlloc {
			return
		}
		r.inAlloc = true
		if r.cloneCount == nil {
			r.cloneCount = make([]int, len(w.nodes))
		}
		// Instances that can stay where they run go first, then those that must
		// move, then new ones, so a lost node stops its own instance instead of
		// displacing another.
		rank := func(in *rsc) int {
			p := primitivesOf(in)[0]
			if len(p.current) == 0 {
				return 2
			}
			n := p.current[0]
			if p.scores[n.idx] >= 0 && n.staticOK() && w.fits(p, n, false) {
				return 0
			}
			if n.unclean && n.cn.Online {
				// An instance on a member about to be fenced is recovered
				// by a fresh instance.
				return 3
			}
			return 1
		}
		best := func(in *rsc) int {
			p, b := primitivesOf(in)[0], -inf
			for _, n := range w.nodes {
				if p.scores[n.idx] > b {
					b = p.scores[n.idx]
				}
			}
			return b
		}
		insts := append([]*rsc(nil), r.children...)
		// Within a rank, the instance with the strongest preference goes first.
		sort.SliceStable(insts, func(i, j int) bool {
			if ri, rj := rank(insts[i]), rank(insts[j]); ri != rj {
				return ri < rj
			}
			return best(insts[i]) > best(insts[j])
		})
		for _, in := range insts {
			w.assignTree(in)
		}
		if r.cr.Promotable {
			// Roles are chosen as soon as the instances are placed, so that
			// resources colocated with the Promoted role can follow it.
			w.promote(r)
			r.rolesSet = true
		}
		r.inAlloc = false
		r.allocated = true
		return
	}
	if r.cr.Kind == cluster.Bundle && r.cr.Bundle != nil {
		w.assignBundle(r)
		return
	}
	for _, c := range r.children {
		w.assignTree(c)
	}
}

// assignBundle places a bundle replica by replica, like clone instances:
// replicas whose container can stay first, then those that must move, then new
// ones; each replica's IP, container and connection together, then the bundled
// resource's instances inside them.
func (w *ws) assignBundle(b *rsc) {
	if b.allocated || b.inAlloc {
		return
	}
	b.inAlloc = true
	for _, c := range b.asDep {
		w.assignTree(c.prim)
	}
	type replica struct {
		rank  int
		parts []*rsc
	}
	var reps []replica
	inReplica := map[*rsc]bool{}
	for _, rep := range b.cr.Bundle.Replica {
		var x replica
		for _, cr := range []*cluster.Resource{rep.IP, rep.Container, rep.Remote} {
			if cr == nil {
				continue
			}
			if p := w.byID[cr.ID]; p != nil {
				x.parts = append(x.parts, p)
				inReplica[p] = true
			}
		}
		x.rank = 2
		if ctr := w.byID[rep.Container.ID]; ctr != nil && len(ctr.current) > 0 {
			x.rank = 1
			scores := append([]int(nil), ctr.scores...)
			for _, c := range b.asDep {
				w.applyDep(scores, c)
			}
			if n := ctr.current[0]; scores[n.idx] >= 0 && n.staticOK() {
				x.rank = 0
			}
		}
		reps = append(reps, x)
	}
	sort.SliceStable(reps, func(i, j int) bool { return reps[i].rank < reps[j].rank })
	for _, x := range reps {
		for _, p := range x.parts {
			w.assignTree(p)
		}
	}
	for _, c := range b.children {
		if !inReplica[c] {
			w.assignTree(c)
		}
	}
	b.inAlloc = false
	b.allocated = true
}

// wantsToRun reports whether the resource's configuration lets it run at all.
func (w *ws) wantsToRun(r *rsc) bool {
	for x := r; x != nil; x = x.parent {
		if x.target == cluster.RoleStopped {
			return false
		}
	}
	if w.stopAll || r.cr.Orphan || r.cr.NextRole == cluster.RoleStopped {
		return false
	}
	if w.stonithEnabled && !w.haveFencingDevice() && len(r.current) == 0 {
		// Fencing is required but no device is configured: nothing new starts.
		return false
	}
	return true
}

// quorumBlocked reports whether the no-quorum-policy keeps r from starting: it is
// still placed (Pacemaker reports the blocked start) but may not start, and what
// runs stops; demote keeps promotable instances running (unpromoted), freeze
// only blocks what is not running yet.
func (w *ws) quorumBlocked(r *rsc) bool {
	if w.haveQuorum || w.noQuorum == "ignore" || !w.needsQuorum(r) {
		return false
	}
	switch w.noQuorum {
	case "freeze":
		return len(r.current) == 0
	case "demote":
		return !isPromotable(r)
	}
	return true
}

// needsQuorum reports whether the no-quorum-policy applies to r; fencing devices
// (requires=nothing by default) may run without quorum.
func (w *ws) needsQuorum(r *rsc) bool {
	req := r.cr.Requires
	if req == "" && r.cr.Class == "stonith" {
		req = "nothing"
	}
	return req != "nothing"
}

// instanceOf returns the clone r is an instance (or instance member) of, and whether
// r is the member that places its instance.
func instanceOf(r *rsc) (clone *rsc, placing bool) {
	placing = true
	for x := r; x.parent != nil; x = x.parent {
		p := x.parent
		if p.cr.Kind == cluster.Group && p.children[0] != x {
			placing = false
		}
		if p.cr.Kind == cluster.Clone {
			return p, placing
		}
	}
	return nil, false
}

// depCols are the colocations r must follow: its own, and for the placing member
// of a clone instance, the clone's.
func depCols(r *rsc) []*colocation {
	if b := r.parent; b != nil && len(b.asDep) > 0 && bundleOfIn(b, r) != nil {
		// A bundle's colocations place its containers.
		return append(append([]*colocation(nil), r.asDep...), b.asDep...)
	}
	clone, placing := instanceOf(r)
	if clone == nil || !placing || len(clone.asDep) == 0 {
		return r.asDep
	}
	return append(append([]*colocation(nil), r.asDep...), clone.asDep...)
}

// assign picks a node for a primitive after placing what it depends on.
func (w *ws) assign(r *rsc) {
	if r.allocated || r.inAlloc {
		return
	}
	r.inAlloc = true
	defer func() { r.inAlloc = false }()
	deps := depCols(r)
	for _, c := range deps {
		w.assignTree(c.prim)
	}
	r.allocated = true
	if !r.managed {
		// Unmanaged resources stay where they are (and count there).
		if len(r.current) > 0 {
			clone, placing := instanceOf(r)
			w.place(r, r.current[0], clone, placing)
		}
		return
	}
	if !w.wantsToRun(r) {
		return
	}
	clone, placing := instanceOf(r)
	if w.quorumBlocked(r) {
		r.frozen = true
	}
	scores := append([]int(nil), r.scores...)
	for _, c := range deps {
		w.applyDep(scores, c)
	}
	if clone == nil {
		w.mergeDependents(r, scores, map[*rsc]bool{r: true}, 1.0)
	}
	if clone != nil && placing && clone.cloneCount != nil {
		max := clone.cr.CloneNodeMax
		if max <= 0 {
			max = 1
		}
		for _, n := range w.nodes {
			if clone.cloneCount[n.idx] >= max {
				scores[n.idx] = -inf
			}
		}
	}
	w.bundleConnNodes(r, scores)
	w.bundleConnNodes(r, scores)
	if b := r.parent; bundleOfIn(b, r) != nil {
		if b.cloneCount == nil {
			b.cloneCount = make([]int, len(w.nodes))
		}
		// replicas-per-host caps a bundle's containers on one node.
		max := b.cr.Bundle.ReplicasPerHost
		if max <= 0 {
			max = 1
		}
		for _, n := range w.nodes {
			if b.cloneCount[n.idx] >= max {
				scores[n.idx] = -inf
			}
		}
	}
	var best *node
	// Prefer nodes with room for r and what must follow it; if there is none,
	// r alone is enough.
	for _, withDeps := range []bool{true, false} {
		for _, n := range w.nodes {
			s := scores[n.idx]
			if s < 0 || !w.usable(n) || !w.fits(r, n, withDeps) {
				continue
			}
			if best == nil || w.better(r, n, best, scores) {
				best = n
			}
		}
		if best != nil || w.util.free == nil {
			break
		}
	}
	if best != nil {
		w.place(r, best, clone, placing)
	}
}

func (w *ws) place(r *rsc, n *node, clone *rsc, placing bool) {
	r.assigned = n
	n.count++
	w.consume(r, n)
	if b := r.parent; bundleOfIn(b, r) != nil {
		if b.cloneCount == nil {
			b.cloneCount = make([]int, len(w.nodes))
		}
		b.cloneCount[n.idx]++
	}
	if clone != nil && placing {
		if clone.cloneCount == nil {
			clone.cloneCount = make([]int, len(w.nodes))
		}
		clone.cloneCount[n.idx]++
	}
}

// better reports whether n beats cur as r's node: higher score, then fewer assigned
// resources, then where r already runs, then configuration order.
func (w *ws) better(r *rsc, n, cur *node, scores []int) bool {
	if scores[n.idx] != scores[cur.idx] {
		return scores[n.idx] > scores[cur.idx]
	}
	if w.util.strategy == "balanced" {
		if c := w.moreFree(n, cur); c != 0 {
			return c > 0
		}
	}
	if w.util.strategy != "minimal" && n.count != cur.count {
		return n.count < cur.count
	}
	nr, cr := isCurrent(r, n), isCurrent(r, cur)
	if nr != cr {
		return nr
	}
	// Last resort: node names in plain byte order, as Pacemaker sorts them.
	return n.name < cur.name
}

func isCurrent(r *rsc, n *node) bool {
	for _, c := range r.current {
		if c == n {
			return true
		}
	}
	return false
}

// primNodes are the nodes a colocation's primary occupies: its node, or for a clone
// every node one of its instances is placed on.
func primNodes(p *rsc, role cluster.Role) []*node {
	if p.cr.Kind == cluster.Bundle && p.cr.Bundle != nil {
		// A bundle is where its containers run (for the Promoted role, those
		// whose instance is promoted).
		var out []*node
		for _, in := range p.children {
			if b := bundleOfIn(p, in); b == nil {
				continue
			}
			if in.assigned == nil || role == cluster.RolePromoted && !replicaPromoted(p, in) {
				continue
			}
			out = append(out, in.assigned)
		}
		return out
	}
	if p.cr.Kind == cluster.Clone {
		var out []*node
		for _, in := range p.children {
			t := placeTarget(in)
			if t.failed && !t.managed {
				// A failed instance that is blocked is no place to follow.
				continue
			}
			if n := t.assigned; n != nil && (role != cluster.RolePromoted || !p.rolesSet || t.nextRole == cluster.RolePromoted) &&
				(role != cluster.RoleUnpromoted || !p.rolesSet || t.nextRole != cluster.RolePromoted) {
				out = append(out, n)
			}
		}
		return out
	}
	if role == cluster.RolePromoted && p.nextRole != cluster.RolePromoted {
		return nil
	}
	if p.assigned == nil {
		return nil
	}
	return []*node{p.assigned}
}

// sameLoc reports whether two nodes count as the same place for a colocation.
func sameLoc(a, b *node, attr string) bool {
	if attr == "" || attr == "#uname" {
		return a == b
	}
	va, oka := a.cn.Attrs[attr]
	vb, okb := b.cn.Attrs[attr]
	return oka && okb && va == vb
}

// applyDep folds one colocation in which r is the dependent into r's scores.
func (w *ws) applyDep(scores []int, c *colocation) {
	if c.depRole == cluster.RolePromoted {
		// Colocating the dependent's Promoted role steers promotion, not placement.
		return
	}
	if placing(c.prim) {
		// A colocation loop: the primary is still being placed further up, so
		// this link cannot be honoured and is ignored.
		return
	}
	pns := primNodes(c.prim, c.primRole)
	near := func(n *node) bool {
		for _, p := range pns {
			if sameLoc(n, p, c.nodeAttr) {
				return true
			}
		}
		return false
	}
	switch {
	case c.score >= inf:
		for _, n := range w.nodes {
			if !near(n) {
				scores[n.idx] = -inf
			}
		}
	case c.score <= -inf:
		for _, n := range w.nodes {
			if near(n) {
				scores[n.idx] = -inf
			}
		}
	default:
		for _, n := range w.nodes {
			if near(n) && scores[n.idx] > -inf {
				scores[n.idx] = rules.Add(scores[n.idx], c.score)
			}
		}
	}
}

// mergeDependents adds the preferences of resources that will follow r (colocated
// with it and not yet placed), scaled by the colocation score, so that r goes where
// its dependents can go too. A merge that would leave no usable node is undone.
func (w *ws) mergeDependents(r *rsc, scores []int, seen map[*rsc]bool, factor float64) {
	for _, c := range r.asPrim {
		d := c.dep
		if d.allocated || seen[d] || !c.influence || !d.managed || !w.wantsToRun(d) {
			continue
		}
		f := factor * float64(c.score) / float64(inf)
		seen[d] = true
		ds := append([]int(nil), d.scores...)
		// The dependent's own bonds to resources already placed count too.
		for _, dc := range depCols(d) {
			if dc.prim != r && dc.prim.allocated {
				w.applyDep(ds, dc)
			}
		}
		w.mergeDependents(d, ds, seen, 1.0)
		before := append([]int(nil), scores...)
		for _, n := range w.nodes {
			if scores[n.idx] <= -inf {
				continue
			}
			v := ds[n.idx]
			if c.nodeAttr != "" && c.nodeAttr != "#uname" {
				// Colocated by node attribute: the dependent may run on any
				// node sharing the attribute's value.
				v = -inf
				for _, m := range w.nodes {
					if sameLoc(n, m, c.nodeAttr) && ds[m.idx] > v {
						v = ds[m.idx]
					}
				}
			}
			var add int
			switch {
			case v <= -inf || v >= inf:
				add = int(float64(v) * f)
				if f >= 1 || f <= -1 {
					add = rules.Clamp(int64(float64(v) * f))
				}
			default:
				add = int(float64(v) * f)
			}
			scores[n.idx] = rules.Add(scores[n.idx], add)
		}
		if !anyUsable(w, before) || anyUsable(w, scores) {
			continue
		}
		copy(scores, before)
	}
}

func anyUsable(w *ws, scores []int) bool {
	for _, n := range w.nodes {
		if scores[n.idx] >= 0 && w.usable(n) {
			return true
		}
	}
	return false
}

// placing reports whether r (or, for a clone, the clone itself) is being placed
// further up the call chain.
func placing(r *rsc) bool {
	return r.inAlloc && !r.allocated
}

// top is r's top-level resource.
func (r *rsc) top() *rsc {
	for r.parent != nil {
		r = r.parent
	}
	return r
}

// sortForUtilization orders top-level resources for a placement strategy that
// counts capacity, as Pacemaker Explained describes: higher priority first; then
// the higher score on the node where the resource runs (so running resources keep
// their place); then the higher score node by node, the nodes taken in order of
// preference (most free capacity first for "balanced"); then configuration order.
func (w *ws) sortForUtilization(order []*rsc) {
	nodes := append([]*node(nil), w.nodes...)
	if w.util.strategy == "balanced" {
		sort.SliceStable(nodes, func(i, j int) bool { return w.moreFree(nodes[i], nodes[j]) > 0 })
	}
	running := map[*rsc]int{}
	first := map[*rsc]*rsc{}
	for _, r := range order {
		p := primitivesOf(r)[0]
		first[r] = p
		running[r] = -inf
		if len(p.current) > 0 {
			running[r] = p.scores[p.current[0].idx]
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.cr.Priority != b.cr.Priority {
			return a.cr.Priority > b.cr.Priority
		}
		if running[a] != running[b] {
			return running[a] > running[b]
		}
		pa, pb := first[a], first[b]
		for _, n := range nodes {
			if pa.scores[n.idx] != pb.scores[n.idx] {
				return pa.scores[n.idx] > pb.scores[n.idx]
			}
		}
		return false
	})
}

// shutdownLock keeps a resource on the node it is locked to (shutdown-lock): one
// active on a node that shuts down cleanly stops with it instead of moving, and one
// locked to a node that is down stays stopped until the lock expires. Clone and
// bundle instances and fencing devices are never locked.
func (w *ws) shutdownLock(r *rsc) {
	if !w.c.Properties.ShutdownLock() || !r.managed || r.cr.Class == "stonith" {
		return
	}
	if clone, _ := instanceOf(r); clone != nil || r.cr.Parent != nil && r.cr.Parent.Kind == cluster.Bundle {
		return
	}
	var lock *node
	if r.cr.LockNode != nil {
		lock = w.byName[r.cr.LockNode.Name]
	}
	for _, n := range r.current {
		if n.cn.Shutdown && !isRemoteNode(n) && !n.unclean {
			lock = n
		}
	}
	if lock == nil {
		return
	}
	for _, n := range w.nodes {
		if n != lock {
			r.scores[n.idx] = -inf
		}
	}
}

// haveFencingDevice reports whether any fencing (stonith-class) resource is
// configured.
func (w *ws) haveFencingDevice() bool {
	for _, r := range w.all {
		if r.cr.Kind == cluster.Primitive && r.cr.Class == "stonith" {
			return true
		}
	}
	return false
}

// hardFailure reports whether a recorded failure means the resource cannot run
// on that node at all: agent not installed, not permitted, or bad parameters.
func hardFailure(st *cluster.RscNodeState) bool {
	for _, op := range st.Failures() {
		if op.RC == cluster.RCNotInstalled || op.Status == cluster.OpStatusNotInstalled || op.RC == cluster.RCInvalidParam || op.RC == cluster.RCInsufficientPriv {
			return true
		}
	}
	return false
}

// anonSiblings are the other instances' primitives of r's anonymous clone that
// stand for the same configured resource.
func anonSiblings(r *rsc) []*rsc {
	clone, _ := instanceOf(r)
	if clone == nil || clone.cr.GloballyUnique {
		return nil
	}
	var out []*rsc
	for _, in := range clone.children {
		for _, p := range primitivesOf(in) {
			if p != r && p.cr.BaseID == r.cr.BaseID {
				out = append(out, p)
			}
		}
	}
	return out
}

// paramsOn are r's instance parameters as they apply on node n: sets guarded by
// a rule count only where the rule passes.
func (w *ws) paramsOn(r *rsc, n *node) map[string]string {
	ruled := false
	for _, set := range r.cr.InstanceSets {
		if set.Rule != nil {
			ruled = true
		}
	}
	if !ruled {
		return r.cr.Params
	}
	sets := append([]cluster.AttrSet(nil), r.cr.InstanceSets...)
	sort.SliceStable(sets, func(i, j int) bool { return sets[i].Score > sets[j].Score })
	out := map[string]string{}
	ctx := w.ruleCtx(n)
	for _, set := range sets {
		if set.Rule != nil {
			if ok, _ := rules.Eval(set.Rule, ctx); !ok {
				continue
			}
		}
		for _, p := range set.Pairs {
			if _, ok := out[p.Name]; !ok {
				out[p.Name] = p.Value
			}
		}
	}
	return out
}

// optIn reports whether r may use n only where a location constraint allows it:
// every node in an asymmetric cluster (except for a generated guest connection,
// which runs with its container), and other bundles' guest nodes.
func (w *ws) optIn(r *rsc, n *node) bool {
	if !w.symmetric && !(r.cr.Implicit && r.cr.Class == "ocf" && r.cr.Provider == "pacemaker" && r.cr.Type == "remote") {
		return true
	}
	return w.optInNode(r, n)
}

// agentChanged reports whether the history recorded on a node is for another
// agent (class, provider or type) than the one configured now.
func agentChanged(r *rsc, st *cluster.RscNodeState) bool {
	if st.Rsc == r.cr {
		// Decided while the history was read: reading the lrm_resource's
		// attributes here again cost a cold scan per resource and node.
		return st.AgentChanged()
	}
	e := st.Element
	if e == nil || r.cr.Class == "" {
		return false
	}
	class, typ := e.SelectAttrValue("class", ""), e.SelectAttrValue("type", "")
	if class == "" || typ == "" {
		return false
	}
	return class != r.cr.Class || typ != r.cr.Type || e.SelectAttrValue("provider", "") != r.cr.Provider
}

// dropFencedCopies: a fencing device active on several nodes, some of them
// cluster members about to be fenced, is active only where it survives; the
// fencing takes care of the other copies. (Other resources stay multiply
// active and are recovered as such.)
func (w *ws) dropFencedCopies(r *rsc) {
	if len(r.current) < 2 || !w.stonithEnabled || r.cr.Class != "stonith" {
		return
	}
	var keep []*node
	for _, n := range r.current {
		if !(n.unclean && n.cn.Type == cluster.NodeMember) {
			keep = append(keep, n)
		}
	}
	if len(keep) > 0 && len(keep) < len(r.current) {
		r.current = keep
	}
}
