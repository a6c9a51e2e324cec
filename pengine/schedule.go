package pengine

import (
	"fmt"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cluster"
)

// Transition is the scheduler's answer for one CIB.
type Transition struct {
	// Actions are every action considered, required or not, by id.
	Actions []*Action
	// Summary holds the Transition Summary lines (without the leading "  * ").
	Summary []string
	// Warnings are configuration problems met on the way, Pacemaker-worded.
	Warnings []string
	// Cluster is the unpacked model the transition was computed from.
	Cluster *cluster.Cluster
	// RecheckBy is when the answer may change with nothing else happening
	// (a failure-timeout expiring, a date rule's boundary); zero if never.
	// The controller schedules again by then (Pacemaker's recheck-by).
	RecheckBy time.Time

	w *ws
}

// Schedule computes the transition for a CIB at a time. It does no I/O and keeps no
// state between calls.
func Schedule(root *etree.Element, now time.Time) (*Transition, error) {
	c, err := Unpack(root, now)
	if err != nil {
		return nil, fmt.Errorf("unpacking CIB: %w", err)
	}
	return ScheduleCluster(c, now), nil
}

// ScheduleCluster computes the transition for an already unpacked cluster.
func ScheduleCluster(c *cluster.Cluster, now time.Time) *Transition {
	w := newWS(c, now)
	w.unpackConstraints()
	w.groupChain()
	w.initScores()
	w.applyHealth()
	w.remoteSetup()
	w.initUtilization()
	w.applyTickets()
	w.allocate()
	w.createActions()
	w.buildOrdering()
	w.remoteOrdering()
	w.containerRecovery()
	w.settle()
	w.printOneOrMoreStarts()
	t := &Transition{Cluster: c, w: w, RecheckBy: recheckBy(c, now)}
	t.Summary = w.summarize()
	t.Actions = w.sortedActions()
	t.Warnings = append(append([]string(nil), c.Warnings...), w.warnings...)
	return t
}

// SchedulerWarnings are the configuration problems the scheduler itself found (the
// model's notes are in Cluster.Warnings).
func (t *Transition) SchedulerWarnings() []string { return t.w.warnings }
