package transition

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Kind is the kind of a graph action, named after its graph element.
type Kind int

// Action kinds.
const (
	// RscOp is a resource agent action run by a node's executor.
	RscOp Kind = iota
	// Pseudo is a pseudo_event: an ordering point that runs nothing.
	Pseudo
	// CRMEvent is a crm_event: stonith, do_shutdown, clear_failcount.
	CRMEvent
)

func (k Kind) String() string {
	switch k {
	case RscOp:
		return "rsc_op"
	case Pseudo:
		return "pseudo_event"
	case CRMEvent:
		return "crm_event"
	}
	return fmt.Sprintf("kind %d", int(k))
}

// Primitive is the resource an rsc_op acts on.
type Primitive struct {
	// ID is the id the agent sees (clone instances as "rsc:N").
	ID string
	// LongID is Pacemaker's fully qualified instance id, when given.
	LongID                string
	Class, Provider, Type string
}

// Action is one action of a transition graph.
type Action struct {
	ID   int
	Kind Kind
	// Operation is the task (start, stop, monitor, cancel, stonith, ...).
	Operation string
	// Key is the operation key (RSC_TASK_INTERVAL, stonith-NODE-ACTION, ...).
	Key string
	// Node and NodeUUID name the node the action runs on ("" for pseudo).
	Node, NodeUUID string
	// Rsc is the resource of an rsc_op, nil otherwise.
	Rsc *Primitive
	// Attrs are the action's attributes: instance parameters mixed with
	// CRM_meta_* values, as the scheduler wrote them.
	Attrs map[string]string
	// Downed lists the node ids a fencing or shutdown event takes down.
	Downed []string

	// IntervalMS, TimeoutMS and StartDelayMS come from CRM_meta_interval,
	// CRM_meta_timeout and CRM_meta_start_delay.
	IntervalMS, TimeoutMS, StartDelayMS uint64
	// TargetRC is the expected rc (CRM_meta_op_target_rc, default 0).
	TargetRC int
	// CanFail is CRM_meta_can_fail: a failure does not block dependents
	// nor abort the transition.
	CanFail bool

	// Synapse is the synapse the action belongs to (not serialized: it
	// points back to the action).
	Synapse *Synapse `json:"-"`
}

// IsProbe reports whether the action is a one-shot monitor.
func (a *Action) IsProbe() bool { return a.Operation == "monitor" && a.IntervalMS == 0 }

// String is the action as Pacemaker's logs name it: "KEY on NODE".
func (a *Action) String() string {
	if a.Node == "" {
		return a.Key
	}
	return a.Key + " on " + a.Node
}

// Synapse is a set of actions started together once all its inputs (action
// ids) are confirmed.
type Synapse struct {
	ID       int
	Priority int
	Actions  []*Action
	Inputs   []int
}

// Graph is a parsed transition graph.
type Graph struct {
	TransitionID      int
	ClusterDelay      time.Duration
	StonithTimeout    time.Duration
	BatchLimit        int
	MigrationLimit    int
	FailedStopOffset  string
	FailedStartOffset string
	// RecheckBy is the recheck-by time the scheduler asked for (zero if none).
	RecheckBy time.Time

	Synapses []*Synapse
	// Actions indexes every action by id.
	Actions map[int]*Action
}

// Parse parses transition graph XML as pengine's GraphXML and Pacemaker's
// scheduler write it.
func Parse(data []byte) (*Graph, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("parsing transition graph: %w", err)
	}
	root := doc.Root()
	if root == nil {
		return nil, errors.New("parsing transition graph: empty document")
	}
	return ParseElement(root)
}

// ParseElement parses a <transition_graph> element.
func ParseElement(root *etree.Element) (*Graph, error) {
	if root.Tag != "transition_graph" {
		return nil, fmt.Errorf("parsing transition graph: root element is <%s>, not <transition_graph>", root.Tag)
	}
	g := &Graph{Actions: map[int]*Action{}, MigrationLimit: -1}
	var err error
	if g.TransitionID, err = intAttr(root, "transition_id", 0); err != nil {
		return nil, err
	}
	if g.BatchLimit, err = intAttr(root, "batch-limit", 0); err != nil {
		return nil, err
	}
	if g.MigrationLimit, err = intAttr(root, "migration-limit", -1); err != nil {
		return nil, err
	}
	if g.ClusterDelay, err = durAttr(root, "cluster-delay", 60*time.Second); err != nil {
		return nil, err
	}
	if g.StonithTimeout, err = durAttr(root, "stonith-timeout", 60*time.Second); err != nil {
		return nil, err
	}
	g.FailedStopOffset = root.SelectAttrValue("failed-stop-offset", "INFINITY")
	g.FailedStartOffset = root.SelectAttrValue("failed-start-offset", "INFINITY")
	if v := root.SelectAttrValue("recheck-by", ""); v != "" && v != "0" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			return nil, fmt.Errorf("transition graph recheck-by %q: %w", v, perr)
		}
		g.RecheckBy = time.Unix(n, 0)
	}
	for _, se := range root.SelectElements("synapse") {
		s := &Synapse{}
		if s.ID, err = intAttr(se, "id", -1); err != nil {
			return nil, err
		}
		if s.Priority, err = scoreAttr(se, "priority"); err != nil {
			return nil, err
		}
		for _, set := range se.SelectElements("action_set") {
			for _, ae := range set.ChildElements() {
				a, err := parseAction(ae)
				if err != nil {
					return nil, fmt.Errorf("synapse %d: %w", s.ID, err)
				}
				if _, dup := g.Actions[a.ID]; dup {
					return nil, fmt.Errorf("synapse %d: duplicate action id %d", s.ID, a.ID)
				}
				a.Synapse = s
				g.Actions[a.ID] = a
				s.Actions = append(s.Actions, a)
			}
		}
		if len(s.Actions) == 0 {
			return nil, fmt.Errorf("synapse %d has no action", s.ID)
		}
		for _, in := range se.SelectElements("inputs") {
			for _, tr := range in.SelectElements("trigger") {
				for _, te := range tr.ChildElements() {
					id, err := intAttr(te, "id", -1)
					if err != nil {
						return nil, fmt.Errorf("synapse %d trigger: %w", s.ID, err)
					}
					if id < 0 {
						return nil, fmt.Errorf("synapse %d: trigger <%s> without id", s.ID, te.Tag)
					}
					s.Inputs = append(s.Inputs, id)
				}
			}
		}
		g.Synapses = append(g.Synapses, s)
	}
	for _, s := range g.Synapses {
		for _, id := range s.Inputs {
			if _, ok := g.Actions[id]; !ok {
				return nil, fmt.Errorf("synapse %d waits for action %d, which is not in the graph", s.ID, id)
			}
		}
	}
	return g, nil
}

func parseAction(e *etree.Element) (*Action, error) {
	a := &Action{Attrs: map[string]string{}}
	switch e.Tag {
	case "rsc_op":
		a.Kind = RscOp
	case "pseudo_event":
		a.Kind = Pseudo
	case "crm_event":
		a.Kind = CRMEvent
	default:
		return nil, fmt.Errorf("unknown action element <%s>", e.Tag)
	}
	var err error
	if a.ID, err = intAttr(e, "id", -1); err != nil {
		return nil, err
	}
	if a.ID < 0 {
		return nil, fmt.Errorf("<%s> without id", e.Tag)
	}
	a.Operation = e.SelectAttrValue("operation", "")
	a.Key = e.SelectAttrValue("operation_key", "")
	a.Node = e.SelectAttrValue("on_node", "")
	a.NodeUUID = e.SelectAttrValue("on_node_uuid", "")
	if a.Operation == "" {
		return nil, fmt.Errorf("action %d has no operation", a.ID)
	}
	if p := e.SelectElement("primitive"); p != nil {
		a.Rsc = &Primitive{ID: p.SelectAttrValue("id", ""), LongID: p.SelectAttrValue("long-id", ""),
			Class: p.SelectAttrValue("class", ""), Provider: p.SelectAttrValue("provider", ""),
			Type: p.SelectAttrValue("type", "")}
		if a.Rsc.ID == "" {
			return nil, fmt.Errorf("action %d: primitive without id", a.ID)
		}
	}
	if a.Kind == RscOp {
		if a.Rsc == nil {
			return nil, fmt.Errorf("rsc_op %d has no primitive", a.ID)
		}
		if a.Node == "" {
			return nil, fmt.Errorf("rsc_op %d has no on_node", a.ID)
		}
	}
	if at := e.SelectElement("attributes"); at != nil {
		for _, kv := range at.Attr {
			a.Attrs[kv.Key] = kv.Value
		}
		for _, p := range at.SelectElements("param") {
			if n := p.SelectAttrValue("name", ""); n != "" {
				a.Attrs[n] = p.SelectAttrValue("value", "")
			}
		}
	}
	if d := e.SelectElement("downed"); d != nil {
		for _, n := range d.SelectElements("node") {
			a.Downed = append(a.Downed, n.SelectAttrValue("id", ""))
		}
	}
	if a.IntervalMS, err = uintMeta(a, "interval"); err != nil {
		return nil, err
	}
	if a.TimeoutMS, err = uintMeta(a, "timeout"); err != nil {
		return nil, err
	}
	if a.StartDelayMS, err = uintMeta(a, "start_delay"); err != nil {
		return nil, err
	}
	if v, ok := a.Attrs["CRM_meta_op_target_rc"]; ok {
		if a.TargetRC, err = strconv.Atoi(v); err != nil {
			return nil, fmt.Errorf("action %d CRM_meta_op_target_rc %q: %w", a.ID, v, err)
		}
	}
	a.CanFail = isTrue(a.Attrs["CRM_meta_can_fail"])
	return a, nil
}

func uintMeta(a *Action, name string) (uint64, error) {
	v, ok := a.Attrs["CRM_meta_"+name]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("action %d CRM_meta_%s %q: %w", a.ID, name, v, err)
	}
	return n, nil
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "y", "1":
		return true
	}
	return false
}

func intAttr(e *etree.Element, name string, def int) (int, error) {
	v := e.SelectAttrValue(name, "")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("<%s> %s %q: %w", e.Tag, name, v, err)
	}
	return n, nil
}

// scoreAttr reads a Pacemaker score (INFINITY allowed) capped at 1000000.
func scoreAttr(e *etree.Element, name string) (int, error) {
	v := strings.TrimPrefix(e.SelectAttrValue(name, ""), "+")
	switch v {
	case "":
		return 0, nil
	case "INFINITY":
		return 1000000, nil
	case "-INFINITY":
		return -1000000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("<%s> %s %q: %w", e.Tag, name, v, err)
	}
	return max(-1000000, min(1000000, n)), nil
}

// durAttr reads a Pacemaker interval: plain seconds, or a number with a unit
// (ms, s, m, h).
func durAttr(e *etree.Element, name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(e.SelectAttrValue(name, ""))
	if v == "" {
		return def, nil
	}
	d, err := ParseInterval(v)
	if err != nil {
		return 0, fmt.Errorf("<%s> %s: %w", e.Tag, name, err)
	}
	return d, nil
}

// ParseInterval parses a Pacemaker time value such as "60s", "500ms", "2min"
// or "30" (seconds).
func ParseInterval(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 || i > 12 {
		return 0, fmt.Errorf("invalid interval %q", v)
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid interval %q: %w", v, err)
	}
	unit := time.Second
	switch strings.ToLower(strings.TrimSpace(v[i:])) {
	case "", "s", "sec", "secs", "second", "seconds":
	case "ms", "msec", "msecs":
		unit = time.Millisecond
	case "us", "usec", "usecs":
		unit = time.Microsecond
	case "m", "min", "mins", "minute", "minutes":
		unit = time.Minute
	case "h", "hr", "hrs", "hour", "hours":
		unit = time.Hour
	default:
		return 0, fmt.Errorf("invalid interval %q: unknown unit", v)
	}
	return time.Duration(n) * unit, nil
}

// Len is the number of actions in the graph.
func (g *Graph) Len() int { return len(g.Actions) }

// SortedActions returns the actions by id.
func (g *Graph) SortedActions() []*Action {
	out := make([]*Action, 0, len(g.Actions))
	for _, a := range g.Actions {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// TransitionKey is the key the controller gives an action of this graph:
// "ACTION:TRANSITION:TARGET-RC:UUID", recorded with the result in the CIB.
func (g *Graph) TransitionKey(a *Action, uuid string) string {
	return fmt.Sprintf("%d:%d:%d:%s", a.ID, g.TransitionID, a.TargetRC, uuid)
}
