package controller

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

// kvModel is a small stand-in for the CIB: a version, a configuration (KV) and a
// status part (node up flags, transient attributes, have-quorum).
type kvModel struct {
	// noise, when set and true, makes ApplyAll's result differ without a
	// version change (a replay that diverges): the diff's digest then does not
	// match and the member must get the whole copy.
	noise func() bool
}

type kvDoc struct {
	V      Version                      `json:"v"`
	Tag    string                       `json:"tag,omitempty"`  // set by a replace's author
	Hist   []string                     `json:"hist,omitempty"` // tags of every replace applied
	KV     map[string]string            `json:"kv,omitempty"`
	Up     map[string]bool              `json:"up,omitempty"`
	Attrs  map[string]map[string]string `json:"attrs,omitempty"`
	Quorum bool                         `json:"quorum"`
	Noise  int                          `json:"noise,omitempty"` // see kvModel.noise
}

func parseKV(b []byte) (kvDoc, error) {
	var d kvDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return d, crmexit.New(crmexit.DataErr, "bad document: %v", err)
	}
	return d, nil
}

func (kvModel) Version(b []byte) (Version, error) {
	d, err := parseKV(b)
	return d.V, err
}

func (kvModel) Apply(b []byte, op Op) ([]byte, error) {
	d, err := parseKV(b)
	if err != nil {
		return nil, err
	}
	before, _ := json.Marshal(d)
	switch op.Kind {
	case OpReplace:
		nd, err := parseKV(op.Doc)
		if err != nil {
			return nil, err
		}
		if op.Base != d.V {
			return nil, crmexit.New(crmexit.Old, "conflict: document is at %v, update based on %v", d.V, op.Base)
		}
		d.KV = nd.KV
		d.Hist = append(d.Hist, nd.Tag)
		d.V.Epoch++
		d.V.NumUpdates = 0
		out, _ := json.Marshal(d)
		return out, nil
	case OpAttrSet:
		if d.Attrs == nil {
			d.Attrs = map[string]map[string]string{}
		}
		if d.Attrs[op.Node] == nil {
			d.Attrs[op.Node] = map[string]string{}
		}
		d.Attrs[op.Node][op.Name] = op.Value
	case OpAttrDel:
		delete(d.Attrs[op.Node], op.Name)
		if len(d.Attrs[op.Node]) == 0 {
			delete(d.Attrs, op.Node)
		}
	case OpNodeUp:
		if d.Up == nil {
			d.Up = map[string]bool{}
		}
		d.Up[op.Node] = true
	case OpNodeDown:
		delete(d.Up, op.Node)
		delete(d.Attrs, op.Node)
	case OpQuorum:
		d.Quorum = op.Quorate
	}
	after, _ := json.Marshal(d)
	if bytes.Equal(before, after) {
		return b, nil
	}
	d.V.NumUpdates++
	out, _ := json.Marshal(d)
	return out, nil
}

// ApplyAll applies ops one by one: the kv model is small, so batching buys
// nothing but it must give what Apply would.
func (k kvModel) ApplyAll(b []byte, ops []Op) ([]byte, []error) {
	errs := make([]error, len(ops))
	for i, op := range ops {
		next, err := k.Apply(b, op)
		if err != nil {
			errs[i] = err
			continue
		}
		b = next
	}
	if k.noise != nil && k.noise() {
		d, err := parseKV(b)
		if err == nil {
			d.Noise++
			b, _ = json.Marshal(d)
		}
	}
	return b, errs
}

func kvDocWith(v Version, kv map[string]string) []byte {
	b, _ := json.Marshal(kvDoc{V: v, KV: kv})
	return b
}

type envelope struct {
	at  int
	seq int
	m   []byte
}

type sim struct {
	t        *testing.T
	rng      *rand.Rand
	names    []string
	cfg      func(name string) Config
	nodes    map[string]*Node
	stored   map[string][]byte
	hard     map[string]HardState
	now      int
	seq      int
	queue    []envelope
	cut      map[[2]string]bool
	dropRate float64
	maxDelay int
	results  map[string]map[uint64]Event
	nextID   uint64
	trace    bool
	stats    simStats
}

// simStats counts how writes were replicated, so tests can check that both
// the diff path and the whole-copy fallback ran.
type simStats struct {
	diffs, fulls, fullAsks, batched  int
	digestSyncs, fullSyncs, syncAsks int
}

func (a *simStats) add(b simStats) {
	a.diffs += b.diffs
	a.fulls += b.fulls
	a.fullAsks += b.fullAsks
	a.batched += b.batched
	a.digestSyncs += b.digestSyncs
	a.fullSyncs += b.fullSyncs
	a.syncAsks += b.syncAsks
}

func newSim(t *testing.T, seed int64, names []string, tweak func(*Config)) *sim {
	s := newStoppedSim(t, seed, names, tweak)
	for _, n := range names {
		s.start(n)
	}
	return s
}

// newStoppedSim makes a simulation whose nodes are not started yet.
func newStoppedSim(t *testing.T, seed int64, names []string, tweak func(*Config)) *sim {
	s := &sim{t: t, rng: rand.New(rand.NewSource(seed)), names: names, nodes: map[string]*Node{},
		stored: map[string][]byte{}, hard: map[string]HardState{}, cut: map[[2]string]bool{}, maxDelay: 2, results: map[string]map[uint64]Event{}}
	s.cfg = func(name string) Config {
		c := Config{Self: name, Nodes: names, Model: kvModel{}, ElectionTicks: 5, AckTicks: 8, RequestTicks: 200}
		if tweak != nil {
			tweak(&c)
		}
		return c
	}
	for _, n := range names {
		s.stored[n] = kvDocWith(Version{Epoch: 1}, nil)
	}
	return s
}

func (s *sim) start(name string) {
	hs := s.hard[name]
	hs.Doc = s.stored[name]
	n, err := New(s.cfg(name), hs)
	if err != nil {
		s.t.Fatal(err)
	}
	s.nodes[name] = n
	s.results[name] = map[uint64]Event{}
	for _, o := range s.names {
		if o != name && s.nodes[o] != nil && s.linked(name, o) {
			n.MemberUp(o)
			s.nodes[o].MemberUp(name)
		}
	}
	s.flushAll()
}

func (s *sim) linked(a, b string) bool { return !s.cut[[2]string{a, b}] && !s.cut[[2]string{b, a}] }

// crash stops a node at once; the others' membership notices it.
func (s *sim) crash(name string) {
	delete(s.nodes, name)
	for _, o := range s.sorted() {
		s.nodes[o].MemberDown(name)
	}
	s.flushAll()
}

// partition cuts every link between the groups and tells membership.
func (s *sim) partition(groups ...[]string) {
	group := map[string]int{}
	for i, g := range groups {
		for _, n := range g {
			group[n] = i
		}
	}
	for _, a := range s.names {
		for _, b := range s.names {
			if a != b && group[a] != group[b] {
				s.cut[[2]string{a, b}] = true
				if s.nodes[a] != nil {
					s.nodes[a].MemberDown(b)
				}
			}
		}
	}
	s.flushAll()
}

func (s *sim) heal() {
	s.cut = map[[2]string]bool{}
	for _, a := range s.sorted() {
		for _, b := range s.sorted() {
			if a != b {
				s.nodes[a].MemberUp(b)
			}
		}
	}
	s.flushAll()
}

func (s *sim) sorted() []string {
	var out []string
	for _, n := range s.names {
		if s.nodes[n] != nil {
			out = append(out, n)
		}
	}
	return out
}

func (s *sim) flushAll() {
	for _, n := range s.sorted() {
		s.flush(n)
	}
}

// flush does what a real node does with Ready: persist, then send, then deliver.
func (s *sim) flush(name string) {
	n := s.nodes[name]
	for n != nil && n.HasReady() {
		rd := n.Ready()
		if rd.Persist != nil {
			s.stored[name] = rd.Persist.Doc
			s.hard[name] = *rd.Persist
		}
		for _, m := range rd.Messages {
			switch {
			case m.Type == MsgReplicate && len(m.Doc) > 0:
				s.stats.fulls++
			case m.Type == MsgReplicate:
				s.stats.diffs++
				if len(m.Ops) > 1 {
					s.stats.batched++
				}
			case m.Type == MsgAck && m.Full:
				s.stats.fullAsks++
			case m.Type == MsgSync && len(m.Doc) > 0:
				s.stats.fullSyncs++
			case m.Type == MsgSync:
				s.stats.digestSyncs++
			case m.Type == MsgSyncAck && m.Full:
				s.stats.syncAsks++
			}
			b, err := m.Encode()
			if err != nil {
				s.t.Fatal(err)
			}
			if s.cut[[2]string{m.From, m.To}] || (s.dropRate > 0 && s.rng.Float64() < s.dropRate) {
				continue
			}
			s.seq++
			s.queue = append(s.queue, envelope{at: s.now + 1 + s.rng.Intn(s.maxDelay), seq: s.seq, m: b})
		}
		for _, e := range rd.Events {
			if s.trace {
				s.t.Logf("t=%d %s event %+v", s.now, name, e)
			}
			if e.Kind == EventResult && e.ID != 0 {
				s.results[name][e.ID] = e
			}
		}
	}
}

func (s *sim) tick() {
	s.now++
	for _, n := range s.sorted() {
		s.nodes[n].Tick()
		s.flush(n)
	}
	sort.SliceStable(s.queue, func(i, j int) bool {
		if s.queue[i].at != s.queue[j].at {
			return s.queue[i].at < s.queue[j].at
		}
		return s.queue[i].seq < s.queue[j].seq
	})
	for len(s.queue) > 0 && s.queue[0].at <= s.now {
		env := s.queue[0]
		s.queue = s.queue[1:]
		m, err := DecodeMessage(env.m)
		if err != nil {
			s.t.Fatalf("decoding our own message: %v", err)
		}
		n := s.nodes[m.To]
		if n == nil {
			continue
		}
		if err := n.Step(m); err != nil && s.trace {
			s.t.Logf("t=%d %s: %v", s.now, m.To, err)
		}
		if s.trace {
			s.t.Logf("t=%d %s -> %s %s term=%v qterm=%v ver=%v seq=%d req=%d reply=%v", s.now, m.From, m.To, m.Type, m.Term, m.QTerm, m.Version, m.Seq, m.Req, m.Reply)
		}
		s.flush(m.To)
	}
}

func (s *sim) run(ticks int) {
	for range ticks {
		s.tick()
	}
}

// groupStable reports whether the live nodes of group agree on one ready DC in
// the group and hold the same document.
func (s *sim) groupStable(group []string) error {
	var live []string
	for _, n := range group {
		if s.nodes[n] != nil {
			live = append(live, n)
		}
	}
	if len(live) == 0 {
		return nil
	}
	dc := s.nodes[live[0]].Status().DC
	if dc == "" || !slices.Contains(live, dc) {
		return fmt.Errorf("%s sees DC %q", live[0], dc)
	}
	if !s.nodes[dc].Status().Ready {
		return fmt.Errorf("DC %s not ready", dc)
	}
	doc, _ := s.nodes[dc].Doc()
	for _, n := range live {
		st := s.nodes[n].Status()
		if st.DC != dc {
			return fmt.Errorf("%s sees DC %q, %s sees %q", n, st.DC, live[0], dc)
		}
		if d, _ := s.nodes[n].Doc(); !bytes.Equal(d, doc) {
			return fmt.Errorf("%s's document differs from DC %s's:\n%s\n%s", n, dc, d, doc)
		}
		if !bytes.Equal(s.stored[n], doc) {
			return fmt.Errorf("%s's stored document differs from its DC's", n)
		}
	}
	return nil
}

// settle runs until every group is stable (or fails after max ticks).
func (s *sim) settle(max int, groups ...[]string) {
	s.t.Helper()
	if len(groups) == 0 {
		groups = [][]string{s.names}
	}
	var err error
	for range max {
		s.tick()
		err = nil
		for _, g := range groups {
			if err = s.groupStable(g); err != nil {
				break
			}
		}
		if err == nil && len(s.queue) == 0 {
			return
		}
	}
	s.t.Fatalf("not settled after %d ticks: %v", max, err)
}

func (s *sim) propose(node string, op Op) uint64 {
	s.nextID++
	s.nodes[node].Propose(s.nextID, op)
	s.flush(node)
	return s.nextID
}

// await runs until node reports the result of id.
func (s *sim) await(node string, id uint64, max int) Event {
	s.t.Helper()
	for range max {
		if e, ok := s.results[node][id]; ok {
			return e
		}
		s.tick()
	}
	s.t.Fatalf("no result for request %d on %s after %d ticks", id, node, max)
	return Event{}
}

func (s *sim) doc(node string) kvDoc {
	b, _ := s.nodes[node].Doc()
	d, err := parseKV(b)
	if err != nil {
		s.t.Fatal(err)
	}
	return d
}

// replace proposes a KV replace based on what node currently holds.
func (s *sim) replace(node string, kv map[string]string) uint64 {
	d := s.doc(node)
	return s.propose(node, Op{Kind: OpReplace, Base: d.V, Doc: kvDocWith(Version{}, kv)})
}

func (s *sim) dc() string { return s.nodes[s.sorted()[0]].Status().DC }

func (s *sim) nonDC() string {
	for _, n := range s.sorted() {
		if n != s.dc() {
			return n
		}
	}
	return ""
}
