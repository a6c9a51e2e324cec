package pengine

import (
	"fmt"
	"time"

	"github.com/pacer-ha/pacer/cluster"
)

// Finding is a problem the scheduler's view of the cluster reveals, worded and
// attributed as Pacemaker's scheduler logs it, for crm_verify. Config findings make
// crm_verify call the configuration possibly invalid; the others are only logged.
type Finding struct {
	// Error is logged as an error (shown by crm_verify -V); otherwise a warning (-VV).
	Error bool
	// Config counts towards crm_verify's verdict.
	Config bool
	// Origin is the Pacemaker function that logs the same message.
	Origin  string
	Message string
}

// Findings lists what the status section and the transition reveal: unclean nodes,
// nodes to fence, nodes that cannot be fenced, active orphans. The order is
// deterministic (nodes and resources in model order).
func (t *Transition) Findings() []Finding {
	var out []Finding
	c := t.Cluster
	add := func(config bool, origin, format string, args ...any) {
		out = append(out, Finding{Config: config, Origin: origin, Message: fmt.Sprintf(format, args...)})
	}
	for _, n := range c.Nodes {
		if n.Type == cluster.NodeMember && n.Unclean && n.StateElement != nil {
			add(true, "determine_online_status", "%s is unclean", n.Name)
		}
	}
	if !c.Properties.StonithEnabled() {
		var walk func(r *cluster.Resource)
		walk = func(r *cluster.Resource) {
			switch r.Requires {
			case "fencing":
				add(true, "unpack_requires", "%s requires fencing but fencing is disabled", r.ID)
			case "unfencing":
				add(true, "unpack_requires", "Resetting \"requires\" for %s to \"quorum\" because fencing is disabled", r.ID)
			}
			for _, ch := range r.Children {
				walk(ch)
			}
		}
		for _, r := range c.Resources {
			walk(r)
		}
	}
	for _, r := range c.Resources {
		for _, p := range r.Primitives() {
			if !p.Orphan {
				continue
			}
			for _, n := range p.RunningOn {
				add(true, "process_rsc_state", "Detected active orphan %s running on %s", p.ID, n.Name)
			}
		}
	}
	for _, r := range c.Resources {
		for _, p := range r.Primitives() {
			if p.Blocked && p.FailureTimeout > 0 {
				// A blocked failure never expires.
				add(true, "pe_get_failcount", "Ignoring failure timeout %d for %s because it conflicts with on-fail=block",
					int64(p.FailureTimeout/time.Second), p.ID)
			}
		}
	}
	for _, r := range c.Resources {
		for _, p := range r.Primitives() {
			if (p.PartialMigrationSource != nil || p.PartialMigrationTarget != nil) && !p.Failed {
				continue // a partial live migration is active on both ends by design
			}
			active := len(p.RunningOn)
			if active < 2 {
				continue
			}
			how := "attempting recovery"
			switch p.MultipleActive {
			case "block":
				how = "waiting for an administrator"
			case "stop_only":
				how = "shutting it down"
			case "stop_unexpected":
				how = "stopping unexpected instances"
			}
			out = append(out, Finding{Error: true, Origin: "pcmk__primitive_create_actions", Message: fmt.Sprintf(
				"%s resource %s might be active on %d nodes (%s)", p.Class, p.ID, active, how)})
		}
	}
	if t.w == nil {
		return out
	}
	for _, n := range t.w.nodes {
		if n.cn.Type == cluster.NodeGuest || n.cn.Type == cluster.NodePing {
			continue
		}
		switch {
		case n.fence != nil && !n.fence.Pseudo && n.fence.FenceAction != "on":
			add(true, "schedule_fencing", "Scheduling node %s for fencing", n.name)
		case n.fence == nil && n.unclean && n.cn.Type == cluster.NodeMember:
			add(true, "schedule_fencing_and_shutdowns", "Node %s is unclean but cannot be fenced", n.name)
		}
	}
	return out
}
