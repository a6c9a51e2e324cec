package pengine

import (
	"github.com/pacer-ha/pacer/cluster"
)

// ticketState is a ticket's recorded state in the status section.
type ticketState struct{ granted, standby bool }

func (w *ws) ticketStates() map[string]ticketState {
	out := map[string]ticketState{}
	st := w.c.StatusElement
	if st == nil {
		return out
	}
	for _, ts := range st.FindElements("tickets/ticket_state") {
		out[ts.SelectAttrValue("id", "")] = ticketState{
			granted: cluster.IsTrue(ts.SelectAttrValue("granted", "false")),
			standby: cluster.IsTrue(ts.SelectAttrValue("standby", "false")),
		}
	}
	return out
}

// applyTickets keeps resources that depend on a ticket the cluster does not hold
// (or holds in standby) from running, following each constraint's loss-policy.
func (w *ws) applyTickets() {
	if len(w.tickets) == 0 {
		return
	}
	states := w.ticketStates()
	for _, t := range w.tickets {
		s := states[t.ticket]
		if s.granted && !s.standby {
			continue
		}
		policy := t.lossPolicy
		if t.rsc.cr.Promotable && (policy == "demote" || (t.role == cluster.RolePromoted && policy != "stop")) {
			if policy == "fence" && !s.granted {
				for _, p := range primitivesOf(t.rsc) {
					if p.curRole() == cluster.RolePromoted {
						for _, n := range p.current {
							w.fenceReason(n, "deadman ticket was lost")
						}
					}
				}
			}
			// These only forbid promotion, handled with promotion.
			continue
		}
		if s.granted && s.standby {
			// A standby ticket stops its resources gracefully.
			policy = "stop"
		}
		for _, p := range primitivesOf(t.rsc) {
			switch policy {
			case "freeze":
				for _, n := range w.nodes {
					if !isCurrent(p, n) {
						p.scores[n.idx] = -inf
					}
				}
			case "fence":
				for _, n := range p.current {
					w.fenceReason(n, "deadman ticket was lost")
				}
				fallthrough
			default:
				for i := range p.scores {
					p.scores[i] = -inf
				}
			}
		}
	}
}
