package cluster

import (
	"strings"
	"time"

	"github.com/beevik/etree"
)

// inPromotable reports whether r is (inside) a promotable clone instance.
func (r *Resource) inPromotable() bool {
	for p := r.Parent; p != nil; p = p.Parent {
		if p.Kind == Clone && p.Promotable {
			return true
		}
	}
	return false
}

// configuredOnFail returns the on-fail configured for an operation, with
// Pacemaker's defaults: stop fences when fencing is enabled, else blocks.
func (u *unpacker) configuredOnFail(r *Resource, op *OpRecord) string {
	name := op.Operation
	for _, o := range r.Ops {
		if o.Name == name && o.IntervalMS == op.IntervalMS && o.OnFail != "" {
			return o.OnFail
		}
	}
	if v := u.c.OpDefaultMeta["on-fail"]; v != "" {
		return v
	}
	if name == "stop" {
		if u.c.Properties.StonithEnabled() {
			return "fence"
		}
		return "block"
	}
	return "restart"
}

// expired reports whether a failure is older than the failure-timeout and
// no unexpired fail count remains. on-fail=block failures never expire.
func (u *unpacker) expired(r *Resource, n *Node, op *OpRecord, onFail string) bool {
	if r.FailureTimeout <= 0 || op.LastRCChange == 0 || onFail == "block" {
		return false
	}
	if u.c.Now.Before(time.Unix(op.LastRCChange, 0).Add(r.FailureTimeout)) {
		return false
	}
	// A recorded last-failure that is still recent keeps the failure alive.
	probe := &RscNodeState{HistoryID: r.ID}
	u.failcounts(r, n, probe)
	if probe.LastFailure > 0 && u.c.Now.Before(time.Unix(probe.LastFailure, 0).Add(r.FailureTimeout)) {
		return false
	}
	return true
}

// hardError reports failures that on-fail=ignore cannot hide.
func hardError(op *OpRecord) bool {
	switch op.Status {
	case OpStatusNotInstalled, OpStatusErrorHard, OpStatusErrorFatal:
		return true
	}
	return false
}

// outcome is how one completed operation is interpreted.
type outcome int

const (
	outOK outcome = iota
	outFailed
	outIgnore
	// outNotInstalled is a probe that found the agent missing: the
	// resource is stopped there and the failure is only reported.
	outNotInstalled
)

// classify decides whether a completed op succeeded and which role it
// reveals; the role is RoleUnknown when the op says nothing about it.
func classify(op *OpRecord) (outcome, Role) {
	if op.Status == OpStatusCancelled {
		return outIgnore, RoleUnknown
	}
	rc := op.RC
	switch rc {
	case RCDegraded:
		rc = RCOK
	case RCDegradedPromoted:
		rc = RCRunningPromoted
	}
	target := op.TargetRC
	if target < 0 {
		target = 0
		if op.IsProbe() {
			target = RCNotRunning
		}
	}
	// For done or error, the rc decides against the expected result.
	if op.Status != OpStatusDone && op.Status != OpStatusError {
		if op.IsProbe() && (op.Status == OpStatusNotInstalled || rc == RCNotInstalled) {
			return outNotInstalled, RoleStopped
		}
		return outFailed, RoleUnknown
	}
	probe := op.IsProbe()
	switch rc {
	case RCNotRunning:
		// Not running when that was expected (or found by a probe) is a
		// clean stop whatever the operation was.
		if probe || target == RCNotRunning {
			return outOK, RoleStopped
		}
		return outFailed, RoleUnknown
	case RCRunningPromoted:
		if probe || target == RCRunningPromoted {
			return outOK, RolePromoted
		}
		return outFailed, RolePromoted
	case RCOK:
		if probe && target == RCNotRunning {
			return outOK, RoleStarted
		}
		if target != RCOK {
			return outFailed, RoleStarted
		}
		if op.Operation == "monitor" {
			return outOK, RoleStarted
		}
		return outOK, RoleUnknown
	case RCFailedPromoted:
		return outFailed, RolePromoted
	case RCNotInstalled:
		if probe {
			return outNotInstalled, RoleStopped
		}
	}
	return outFailed, RoleUnknown
}

// replay walks a resource's history on one node and derives its state there.
func (u *unpacker) replay(r *Resource, n *Node, st *RscNodeState) {
	role := RoleUnknown
	var migrateTo *OpRecord
	lastStart := -1
	for i, op := range st.History {
		if op.Pending() {
			if op.IsProbe() {
				continue // pending probes say nothing yet
			}
			st.PendingOnly = role < RoleStarted
			st.Pending = op
			switch op.Operation {
			case "start", "migrate_from":
				if role < RoleStarted {
					role = RoleStarted
				}
			case "promote":
				role = RolePromoted
			case "notify":
				// Pending notifications are not tracked.
				st.Pending = nil
			case "monitor", "stop":
			default:
				if role < RoleStarted {
					role = RoleStarted
				}
			}
			continue
		}
		res, seen := classify(op)
		if res == outIgnore {
			continue
		}
		switch op.Operation {
		case "notify", "meta-data", "validate-all":
			continue
		}
		if res == outNotInstalled {
			role = RoleStopped
			st.extra().failures = append(st.extra().failures, op)
			st.NotInstalled = op.Status == OpStatusDone || op.Status == OpStatusNotInstalled
			st.LastOp = op
			continue
		}
		if res == outFailed {
			onFail := u.configuredOnFail(r, op)
			if u.expired(r, n, op, onFail) {
				st.extra().expired = append(st.extra().expired, op)
				continue
			}
			if n.Unclean && n.Type != NodeGuest {
				// The node will be fenced: its failures no longer matter,
				// only the role the resource may still be in.
				role = failedRole(op, role, seen, onFail)
				if n.Online {
					st.extra().failures = append(st.extra().failures, op)
				}
				st.LastOp = op
				continue
			}
			if onFail == "ignore" && !hardError(op) {
				st.extra().ignored = append(st.extra().ignored, op)
				r.FailureIgnored = true
				res = outOK
			} else {
				st.Failed = true
				st.FailedOp = op
				st.extra().failures = append(st.extra().failures, op)
				st.extra().onFail = onFail
				role = failedRole(op, role, seen, onFail)
				u.applyOnFail(r, n, st, op, onFail)
				st.LastOp = op
				continue
			}
		}
		st.LastOp = op
		if op.RC == RCDegraded || op.RC == RCDegradedPromoted {
			// Degraded results keep the role but are reported as failures.
			st.extra().failures = append(st.extra().failures, op)
		}
		if seen == RoleStopped || seen == RolePromoted {
			role = seen
			if seen == RoleStopped {
				st.Failed, st.FailedOp, st.Blocked = false, nil, false
				migrateTo = nil
			}
			continue
		}
		switch op.Operation {
		case "start", "migrate_from":
			role = RoleStarted
			lastStart = i
			st.Failed = false
			st.FailedOp = nil
		case "stop":
			role = RoleStopped
			if !(st.Failed && r.Params["reconnect_interval"] != "" && r.Type == "remote" && r.Provider == "pacemaker") {
				// A failed remote connection with a reconnect interval stays
				// failed after its stop, to delay reconnecting.
				st.Failed = false
				st.FailedOp = nil
			}
			st.Blocked = false
			migrateTo = nil
		case "promote", "demote":
			role = RolePromoted
			if op.Operation == "demote" {
				role = RoleUnpromoted
			}
			if lastStart < 0 {
				// The start's record was replaced (last_0): the role change
				// is the earliest sign of it running.
				lastStart = i
			}
		case "migrate_to":
			role = RoleStarted
			migrateTo = op
			lastStart = i
		case "monitor":
			if seen > RoleStopped && role <= RoleStopped {
				// A monitor that finds it running (its start's record
				// replaced) counts as its start: the recurring monitors from
				// there on are running.
				lastStart = i
			}
			switch seen {
			case RoleStopped:
				role = RoleStopped
			case RoleStarted:
				if role != RoleUnpromoted {
					role = RoleStarted
				}
			case RolePromoted:
				role = RolePromoted
			}
		}
	}
	if migrateTo != nil && st.LastOp == migrateTo {
		role = u.migrationSourceRole(r, n, migrateTo, role)
	}
	if role == RoleStarted && r.inPromotable() {
		role = RoleUnpromoted
	}
	if role == RoleUnknown {
		role = RoleStopped
	}
	st.Role = role
	st.Active = role > RoleStopped
	if st.Active && lastStart >= 0 {
		for _, op := range st.History[lastStart:] {
			if op.Operation == "monitor" && op.IntervalMS > 0 && !op.Pending() && op.Status != OpStatusCancelled {
				st.extra().monitors = append(st.extra().monitors, op)
			}
		}
	}
}

// failedRole is the role a resource is left in after a failed op.
func failedRole(op *OpRecord, role, seen Role, onFail string) Role {
	switch op.Operation {
	case "promote":
		return RolePromoted
	case "demote":
		if onFail == "block" {
			return RolePromoted
		}
		return RoleUnpromoted
	case "monitor":
		if seen == RolePromoted {
			return RolePromoted
		}
		if seen == RoleStopped && op.IsProbe() {
			return RoleStopped
		}
	}
	if role < RoleStarted {
		return RoleStarted
	}
	return role
}

// applyOnFail records the side effects of a failure's on-fail handling.
func (u *unpacker) applyOnFail(r *Resource, n *Node, st *RscNodeState, op *OpRecord, onFail string) {
	if rn := u.c.NodeByName[r.ID]; rn != nil && rn.Type == NodeRemote && rn.RemoteRsc == r &&
		op.Operation == "monitor" && op.IntervalMS > 0 && r.Params["reconnect_interval"] == "" {
		// A lost connection to a running remote node cannot be recovered
		// without fencing the remote node.
		rn.Unclean = true
	}
	if op.IsProbe() && op.RC == RCNotInstalled {
		return
	}
	switch onFail {
	case "block":
		st.Blocked = true
	case "fence":
		if u.c.Properties.StonithEnabled() {
			n.Unclean = true
		} else {
			st.Blocked = true
		}
	case "standby":
		n.Standby = true
		n.StandbyOnFail = true
	case "stop":
		r.NextRole = RoleStopped
	}
}

// migrationSourceRole decides what a node that last ran migrate_to still
// holds: nothing once the target finished migrate_from, else the resource.
func (u *unpacker) migrationSourceRole(r *Resource, n *Node, op *OpRecord, role Role) Role {
	target := op.MigrateTarget()
	tn := u.c.NodeByName[target]
	if tn == nil || tn.StateElement == nil {
		return role
	}
	for _, lr := range lrmResources(tn) {
		if lr.SelectAttrValue("id", "") != opRscID(op, r) {
			continue
		}
		for _, e := range lr.SelectElements("lrm_rsc_op") {
			o := parseOp(e)
			if o.Operation == "migrate_from" && o.MigrateSource() == n.Name && !o.Pending() {
				if res, _ := classify(o); res == outOK {
					return RoleStopped
				}
			}
		}
	}
	if tn.Online {
		r.PartialMigrationSource = n
		r.PartialMigrationTarget = tn
	}
	return role
}

func opRscID(op *OpRecord, r *Resource) string {
	key := op.Key()
	if i := strings.LastIndex(key, "_migrate_to_"); i > 0 {
		return key[:i]
	}
	return r.ID
}

// lrmResources returns a node's lrm_resource elements.
func lrmResources(n *Node) []*etree.Element {
	if n.StateElement == nil {
		return nil
	}
	lrm := n.StateElement.SelectElement("lrm")
	if lrm == nil {
		return nil
	}
	lrs := lrm.SelectElement("lrm_resources")
	if lrs == nil {
		return nil
	}
	return lrs.SelectElements("lrm_resource")
}

// failcounts reads fail-count-* and last-failure-* transient attributes.
func (u *unpacker) failcounts(r *Resource, n *Node, st *RscNodeState) {
	if len(n.Transient) == 0 {
		return
	}
	anon := r.InstanceNum >= 0 && !r.Top().GloballyUnique
	names := []string{st.HistoryID}
	if r.ID != st.HistoryID {
		names = append(names, r.ID)
	}
	if anon {
		names = []string{r.BaseID}
	}
	for _, p := range n.Transient {
		var rest string
		var isLast bool
		switch {
		case strings.HasPrefix(p.Name, "fail-count-"):
			rest = p.Name[len("fail-count-"):]
		case strings.HasPrefix(p.Name, "last-failure-"):
			rest, isLast = p.Name[len("last-failure-"):], true
		default:
			continue
		}
		id := rest
		if i := strings.IndexByte(rest, '#'); i >= 0 {
			id = rest[:i]
		}
		if anon {
			// Anonymous instances share one count whatever the suffix.
			id = stripInstance(id)
		}
		match := false
		for _, nm := range names {
			if id == nm {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		if isLast {
			if v := atoi64(p.Value); v > st.LastFailure {
				st.LastFailure = v
			}
			continue
		}
		st.FailCount += ParseScore(p.Value)
		if st.FailCount > Infinity {
			st.FailCount = Infinity
		}
	}
}

// migrations applies what an interrupted live migration implies for the
// other node: after a successful migrate_to with no migrate_from yet, or a
// failed migrate_to, the target may be running the resource too (unless it
// has done something since); a failed migrate_from fails the source as well.
func (u *unpacker) migrations(r *Resource) {
	if r.Kind != Primitive {
		for _, ch := range r.Children {
			u.migrations(ch)
		}
		return
	}
	if !r.migrateTo {
		// The common case: nothing to look at (the flag is set while the
		// history is read, so no history is walked again here).
		return
	}
	for _, st := range append([]*RscNodeState(nil), r.StatusOrder...) {
		var mt *OpRecord
		for _, op := range st.History {
			if op.Operation == "migrate_to" && !op.Pending() {
				mt = op
			}
		}
		if mt == nil {
			continue
		}
		target := u.c.NodeByName[mt.MigrateTarget()]
		if target == nil || target == st.Node {
			continue
		}
		tst := r.StatusOn(target.Name)
		newer := false
		var from *OpRecord
		if tst != nil {
			for _, op := range tst.History {
				if op.Pending() || op.IsProbe() {
					continue
				}
				if op.Operation == "migrate_from" && op.MigrateSource() == st.Node.Name {
					from = op
				}
				if op.LastRCChange > mt.LastRCChange {
					newer = true
				}
			}
		}
		res, _ := classify(mt)
		switch {
		case res == outOK && st.LastOp == mt && from != nil:
			if fr, _ := classify(from); fr == outFailed && st.Active {
				st.Failed = true
				r.Failed = true
			}
		case res == outOK && st.LastOp == mt && !newer && target.Online:
			u.addRunning(r, target)
		case res == outFailed && !newer && (tst == nil || !tst.Active) && target.Online &&
			(st.LastOp == mt || !st.Active):
			// Unless the source has been started again since.
			u.addRunning(r, target)
		}
	}
}

// addRunning records a migration target as (possibly) running r; such
// targets come first in the resource's node list, as in Pacemaker.
func (u *unpacker) addRunning(r *Resource, n *Node) {
	for _, x := range r.RunningOn {
		if x == n {
			return
		}
	}
	r.RunningOn = append([]*Node{n}, r.RunningOn...)
	n.RunningRsc = appendRsc(n.RunningRsc, r)
}

// blockMultipleActive applies multiple-active=block: a resource active on
// several nodes is blocked, and with it its whole group or bundle when that
// is configured the same way.
func (u *unpacker) blockMultipleActive(r *Resource) {
	if r.Kind != Primitive {
		for _, ch := range r.Children {
			u.blockMultipleActive(ch)
		}
		return
	}
	if len(r.RunningOn) < 2 || r.MultipleActive != "block" {
		return
	}
	r.Blocked, r.Managed = true, false
	if p := r.Parent; p != nil && (p.Kind == Group || p.Kind == Bundle) && p.MultipleActive == "block" {
		for _, x := range p.Primitives() {
			x.Blocked, x.Managed = true, false
		}
	}
}

// aggregate fills collective state for groups, clones and bundles.
func (u *unpacker) aggregate() {
	for _, r := range u.c.Resources {
		u.migrations(r)
		u.blockMultipleActive(r)
	}
	var walk func(r *Resource)
	walk = func(r *Resource) {
		if r.Kind == Primitive {
			return
		}
		r.Role = RoleUnknown
		for _, ch := range r.Children {
			walk(ch)
			if ch.Role > r.Role {
				r.Role = ch.Role
			}
			for _, n := range ch.RunningOn {
				r.RunningOn = appendNode(r.RunningOn, n)
			}
			if ch.Failed {
				r.Failed = true
			}
		}
		if r.Role == RoleUnknown {
			r.Role = RoleStopped
		}
	}
	for _, r := range u.c.Resources {
		walk(r)
	}
	for _, r := range u.c.ByID {
		if r.Kind == Primitive && r.Role == RoleUnknown {
			r.Role = RoleStopped
		}
	}
}
