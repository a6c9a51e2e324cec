package controller

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

var three = []string{"alpha", "beta", "gamma"}

func TestFormsOneDC(t *testing.T) {
	s := newSim(t, 1, three, nil)
	s.settle(100)
	// All start with equal CIBs, so the smallest name wins.
	if dc := s.dc(); dc != "alpha" {
		t.Errorf("DC = %s, want alpha", dc)
	}
	for _, n := range three {
		st := s.nodes[n].Status()
		if !st.Quorate {
			t.Errorf("%s: no quorum with all three up", n)
		}
		d := s.doc(n)
		if !d.Quorum || len(d.Up) != 3 {
			t.Errorf("%s: document quorum=%v up=%v", n, d.Quorum, d.Up)
		}
	}
}

func TestNewestCIBWins(t *testing.T) {
	s := newSim(t, 2, three, nil)
	s.stored["gamma"] = kvDocWith(Version{Epoch: 9}, map[string]string{"k": "gamma's"})
	delete(s.nodes, "gamma")
	s.start("gamma")
	s.settle(100)
	if dc := s.dc(); dc != "gamma" {
		t.Fatalf("DC = %s, want gamma (newest CIB)", dc)
	}
	for _, n := range three {
		if got := s.doc(n).KV["k"]; got != "gamma's" {
			t.Errorf("%s has k=%q, want gamma's CIB everywhere", n, got)
		}
	}
}

func TestWriteFromNonDCSurvivesDCKill(t *testing.T) {
	for seed := int64(0); seed < 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s := newSim(t, seed, three, nil)
			s.settle(200)
			dc, origin := s.dc(), s.nonDC()
			id := s.replace(origin, map[string]string{"k": "v1"})
			ev := s.await(origin, id, 100)
			if ev.Code != 0 {
				t.Fatalf("write failed: %+v", ev)
			}
			// The ack means it is durable on every member: kill the DC now.
			s.crash(dc)
			var rest []string
			for _, n := range three {
				if n != dc {
					rest = append(rest, n)
				}
			}
			s.settle(200, rest)
			for _, n := range rest {
				if got := s.doc(n).KV["k"]; got != "v1" {
					t.Errorf("%s lost the acknowledged write: k=%q", n, got)
				}
				if d, _ := parseKV(s.stored[n]); d.KV["k"] != "v1" {
					t.Errorf("%s's store lost the acknowledged write", n)
				}
			}
			if s.dc() == dc {
				t.Errorf("dead node %s is still DC", dc)
			}
			// The dead DC's transient state is gone and writes still work.
			id = s.replace(rest[0], map[string]string{"k": "v2"})
			if ev := s.await(rest[0], id, 200); ev.Code != 0 {
				t.Fatalf("write after failover: %+v", ev)
			}
			// The old DC comes back with its (older) CIB and converges.
			s.start(dc)
			s.settle(300)
			if got := s.doc(dc).KV["k"]; got != "v2" {
				t.Errorf("restarted %s has k=%q, want v2", dc, got)
			}
		})
	}
}

func TestPartitionMajorityMinorityHeal(t *testing.T) {
	s := newSim(t, 3, three, nil)
	s.settle(100)
	s.partition([]string{"alpha"}, []string{"beta", "gamma"})
	s.settle(200, []string{"alpha"}, []string{"beta", "gamma"})
	if s.nodes["alpha"].Status().Quorate {
		t.Error("the minority (alpha) has quorum")
	}
	if !s.nodes["beta"].Status().Quorate {
		t.Error("the majority has no quorum")
	}
	if d := s.doc("alpha"); d.Quorum {
		t.Error("alpha's CIB says have-quorum")
	}
	// The minority refuses configuration writes; the majority takes them.
	id := s.replace("alpha", map[string]string{"k": "minority"})
	if ev := s.await("alpha", id, 100); ev.Code != int(crmexit.Quorum) {
		t.Errorf("minority write: %+v, want Quorum", ev)
	}
	id = s.replace("gamma", map[string]string{"k": "majority"})
	if ev := s.await("gamma", id, 100); ev.Code != 0 {
		t.Fatalf("majority write: %+v", ev)
	}
	// Attributes still work in the minority (attrd does not need quorum).
	id = s.propose("alpha", Op{Kind: OpAttrSet, Node: "alpha", Name: "a", Value: "1"})
	if ev := s.await("alpha", id, 100); ev.Code != 0 {
		t.Fatalf("minority attribute: %+v", ev)
	}
	s.heal()
	s.settle(300)
	for _, n := range three {
		d := s.doc(n)
		if d.KV["k"] != "majority" || !d.Quorum || len(d.Up) != 3 {
			t.Errorf("%s after heal: %+v", n, d)
		}
	}
}

func TestTwoNodeKeepsWorkingWithOneDown(t *testing.T) {
	two := []string{"a", "b"}
	s := newSim(t, 4, two, func(c *Config) { c.TwoNode = true; c.WaitForAll = true })
	s.settle(100)
	s.crash("a")
	s.settle(100, []string{"b"})
	if !s.nodes["b"].Status().Quorate {
		t.Fatal("b lost quorum with two_node")
	}
	id := s.replace("b", map[string]string{"k": "alone"})
	if ev := s.await("b", id, 100); ev.Code != 0 {
		t.Fatalf("write with one node down: %+v", ev)
	}
	// a restarts alone (b unreachable): wait_for_all keeps it without quorum...
	s.partition([]string{"a"}, []string{"b"})
	s.start("a")
	s.settle(100, []string{"a"}, []string{"b"})
	if s.nodes["a"].Status().Quorate {
		t.Error("a restarted alone has quorum despite wait_for_all")
	}
	// ...while b, which has seen both, keeps it. Healing converges on b's CIB.
	s.heal()
	s.settle(200)
	if got := s.doc("a").KV["k"]; got != "alone" {
		t.Errorf("a after heal has k=%q", got)
	}
}

func TestForceStartLoneSurvivor(t *testing.T) {
	s := newStoppedSim(t, 5, three, func(c *Config) { c.WaitForAll = true; c.ForceStart = c.Self == "gamma" })
	s.partition([]string{"alpha"}, []string{"beta"}, []string{"gamma"})
	for _, n := range three {
		s.start(n)
	}
	s.settle(100, []string{"alpha"}, []string{"beta"}, []string{"gamma"})
	if s.nodes["alpha"].Status().Quorate {
		t.Error("alpha alone has quorum")
	}
	if !s.nodes["gamma"].Status().Quorate {
		t.Fatal("force-started gamma has no quorum")
	}
	id := s.replace("gamma", map[string]string{"k": "forced"})
	if ev := s.await("gamma", id, 100); ev.Code != 0 {
		t.Fatalf("force-started write: %+v", ev)
	}
}

func TestQuorumRule(t *testing.T) {
	cases := []struct {
		in   QuorumInput
		want bool
	}{
		{QuorumInput{Votes: 2, Expected: 3}, true},
		{QuorumInput{Votes: 1, Expected: 3}, false},
		{QuorumInput{Votes: 2, Expected: 4}, false},
		{QuorumInput{Votes: 3, Expected: 4}, true},
		{QuorumInput{Votes: 1, Expected: 2}, false},
		{QuorumInput{Votes: 1, Expected: 2, TwoNode: true}, true},
		{QuorumInput{Votes: 1, Expected: 2, TwoNode: true, WaitForAll: true}, false},
		{QuorumInput{Votes: 1, Expected: 2, TwoNode: true, WaitForAll: true, SeenAll: true}, true},
		{QuorumInput{Votes: 3, Expected: 3, WaitForAll: true, SeenAll: true}, true},
		{QuorumInput{Votes: 1, Expected: 3, ForceStart: true}, true},
		{QuorumInput{Votes: 1, Expected: 3, ForceStart: true, SeenOther: true}, false},
		{QuorumInput{Votes: 1, Expected: 2, TwoNode: true, WaitForAll: true, ForceStart: true, SeenOther: true}, true},
		{QuorumInput{Votes: 1, Expected: 1}, true},
	}
	for _, c := range cases {
		if got := Quorate(c.in); got != c.want {
			t.Errorf("Quorate(%+v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSilentMemberIsDropped(t *testing.T) {
	s := newSim(t, 6, three, nil)
	s.settle(100)
	dc := s.dc()
	var silent string
	for _, n := range three {
		if n != dc {
			silent = n
		}
	}
	// silent still looks alive to membership but its messages to the DC are lost.
	s.cut[[2]string{silent, dc}] = true
	id := s.replace(dc, map[string]string{"k": "v"})
	ev := s.await(dc, id, 100)
	if ev.Code != 0 {
		t.Fatalf("write with a silent member: %+v", ev)
	}
	if p := s.nodes[dc].Status().Partition; len(p) != 2 {
		t.Errorf("partition after dropping %s: %v", silent, p)
	}
	// Once it can talk again it is brought back in by a full sync.
	delete(s.cut, [2]string{silent, dc})
	s.settle(300)
	if p := s.nodes[s.dc()].Status().Partition; len(p) != 3 {
		t.Errorf("partition after recovery: %v", p)
	}
}

func TestAttributesClearedOnLeave(t *testing.T) {
	s := newSim(t, 7, three, nil)
	s.settle(100)
	other := s.nonDC()
	id := s.propose(other, Op{Kind: OpAttrSet, Node: other, Name: "pingd", Value: "100"})
	if ev := s.await(other, id, 100); ev.Code != 0 {
		t.Fatal(ev)
	}
	for _, n := range three {
		if got := s.doc(n).Attrs[other]["pingd"]; got != "100" {
			t.Errorf("%s sees pingd=%q", n, got)
		}
	}
	s.crash(other)
	var rest []string
	for _, n := range three {
		if n != other {
			rest = append(rest, n)
		}
	}
	s.settle(200, rest)
	for _, n := range rest {
		if _, ok := s.doc(n).Attrs[other]; ok {
			t.Errorf("%s still has %s's transient attributes", n, other)
		}
	}
}

func TestAttributeDampening(t *testing.T) {
	s := newSim(t, 8, three, nil)
	s.settle(100)
	n := s.nonDC()
	for i, v := range []string{"1", "2", "3"} {
		id := s.propose(n, Op{Kind: OpAttrSet, Node: n, Name: "d", Value: v, Dampen: 20})
		if ev := s.await(n, id, 50); ev.Code != 0 {
			t.Fatal(ev)
		}
		if i == 0 {
			if _, ok := s.doc(n).Attrs[n]["d"]; ok {
				t.Fatal("dampened attribute written at once")
			}
		}
	}
	before := s.doc(n).V
	s.run(30)
	d := s.doc(n)
	if d.Attrs[n]["d"] != "3" {
		t.Errorf("after dampening d=%q, want the last value 3", d.Attrs[n]["d"])
	}
	if d.V.NumUpdates != before.NumUpdates+1 {
		t.Errorf("dampening wrote %d times, want once", d.V.NumUpdates-before.NumUpdates)
	}
}

func TestConflictingReplace(t *testing.T) {
	s := newSim(t, 9, three, nil)
	s.settle(100)
	base := s.doc("beta").V
	id1 := s.propose("beta", Op{Kind: OpReplace, Base: base, Doc: kvDocWith(Version{}, map[string]string{"k": "b"})})
	id2 := s.propose("gamma", Op{Kind: OpReplace, Base: base, Doc: kvDocWith(Version{}, map[string]string{"k": "g"})})
	e1, e2 := s.await("beta", id1, 100), s.await("gamma", id2, 100)
	if (e1.Code == 0) == (e2.Code == 0) {
		t.Fatalf("exactly one of two writes from the same base must win: %+v %+v", e1, e2)
	}
	if e1.Code != 0 && e1.Code != int(crmexit.Old) || e2.Code != 0 && e2.Code != int(crmexit.Old) {
		t.Errorf("loser's code: %+v %+v", e1, e2)
	}
}

// TestChaos drives random writes through random drops, delays, crashes and
// partitions and checks that every acknowledged write is in the final CIB and that
// everyone ends with the same CIB.
func TestChaos(t *testing.T) { chaosRuns(t, three, chaosSeeds()) }

// TestChaos5 is TestChaos on five nodes, with minorities of one or two.
func TestChaos5(t *testing.T) { chaosRuns(t, []string{"a", "b", "c", "d", "e"}, chaosSeeds()/2) }

func chaosRuns(t *testing.T, names []string, seeds int64) {
	idle := 0
	var total simStats
	for seed := int64(100); seed < 100+seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			n, st := chaos(t, seed, names)
			if n == 0 {
				idle++
			}
			total.add(st)
		})
	}
	// Both replication paths must have run: diffs (some carrying batches of
	// several writes) and whole copies for members a diff did not fit.
	t.Logf("replicates: %d diffs (%d batches of several writes), %d whole copies after %d failed diffs; syncs: %d whole, %d by digest, %d digests refused",
		total.diffs, total.batched, total.fulls, total.fullAsks, total.fullSyncs, total.digestSyncs, total.syncAsks)
	if total.diffs == 0 || total.batched == 0 || total.fulls == 0 || total.fullAsks == 0 || total.fullSyncs == 0 || total.digestSyncs == 0 || total.syncAsks == 0 {
		t.Errorf("a replication path never ran: %+v", total)
	}
	// Some scenarios are so hostile nothing gets acknowledged; most must not be,
	// or the invariant is checked on nothing.
	if idle*5 > int(seeds) {
		t.Errorf("%d of %d scenarios acknowledged no write", idle, seeds)
	}
}

// chaos runs one random scenario and returns how many writes were
// acknowledged and how they were replicated.
func chaos(t *testing.T, seed int64, names []string) (int, simStats) {
	var s *sim
	// One replay in fifty diverges (see kvModel.noise).
	s = newStoppedSim(t, seed, names, func(c *Config) { c.Model = kvModel{noise: func() bool { return s.rng.Intn(50) == 0 }} })
	for _, n := range names {
		s.start(n)
	}
	s.trace = os.Getenv("SIM_TRACE") == fmt.Sprint(seed)
	s.maxDelay = 4
	s.settle(200)
	var acked []string // tags of acknowledged writes
	pending := map[uint64]string{}
	origin := map[uint64]string{}
	key := 0
	for step := 0; step < 300; step++ {
		r := s.rng.Intn(100)
		live := s.sorted()
		switch {
		case r < 20 && len(live) > 0:
			n := live[s.rng.Intn(len(live))]
			d := s.doc(n)
			kv := maps.Clone(d.KV)
			if kv == nil {
				kv = map[string]string{}
			}
			key++
			k, v := fmt.Sprintf("k%d", key%5), fmt.Sprintf("v%d", key)
			kv[k] = v
			tag := fmt.Sprintf("w%d", key)
			doc, _ := json.Marshal(kvDoc{KV: kv, Tag: tag})
			id := s.propose(n, Op{Kind: OpReplace, Base: d.V, Doc: doc})
			if s.trace {
				t.Logf("t=%d propose %s id=%d on %s", s.now, tag, id, n)
			}
			pending[id] = tag
			origin[id] = n
		case r < 22 && len(live) > len(names)/2+1:
			c := live[s.rng.Intn(len(live))]
			if s.trace {
				t.Logf("t=%d crash %s", s.now, c)
			}
			s.crash(c)
		case r < 25 && len(live) < len(names):
			for _, n := range names {
				if s.nodes[n] == nil {
					s.start(n)
					break
				}
			}
		case r < 26 && len(s.cut) == 0:
			shuffled := slices.Clone(names)
			s.rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			k := 1 + s.rng.Intn(len(names)/2)
			if s.trace {
				t.Logf("t=%d partition %v", s.now, shuffled[:k])
			}
			s.partition(shuffled[:k], shuffled[k:])
		case r < 28 && len(s.cut) > 0:
			if s.trace {
				t.Logf("t=%d heal", s.now)
			}
			s.heal()
		case r < 29:
			s.dropRate = 0.1
		case r < 30:
			s.dropRate = 0
		}
		s.tick()
		for id, tag := range pending {
			if e, ok := s.results[origin[id]][id]; ok {
				if e.Code == 0 {
					acked = append(acked, tag)
				}
				delete(pending, id)
			}
		}
	}
	s.dropRate = 0
	s.heal()
	for _, n := range names {
		if s.nodes[n] == nil {
			s.start(n)
		}
	}
	s.settle(1000)
	final := s.doc(names[0])
	for _, tag := range acked {
		if !slices.Contains(final.Hist, tag) {
			t.Errorf("acknowledged write %s lost (history %v)", tag, final.Hist)
		}
	}
	t.Logf("%d writes acknowledged, %d applied", len(acked), len(final.Hist))
	return len(acked), s.stats
}

// chaosSeeds is how many random scenarios TestChaos runs (CHAOS_SEEDS overrides).
func chaosSeeds() int64 {
	if n, err := strconv.Atoi(os.Getenv("CHAOS_SEEDS")); err == nil && n > 0 {
		return int64(n)
	}
	return 200
}

// TestFollowerJoinsItsDCsElection: a DC that alone sees a membership change
// elects; with equal documents it decides for a smaller-named follower,
// which must join the election instead of waiting for a sync from it.
func TestFollowerJoinsItsDCsElection(t *testing.T) {
	s := newSim(t, 3, three, nil)
	s.stored["beta"] = kvDocWith(Version{Epoch: 9}, nil)
	delete(s.nodes, "beta")
	s.start("beta")
	s.settle(100)
	if dc := s.dc(); dc != "beta" {
		t.Fatalf("DC = %s, want beta (newest CIB)", dc)
	}
	// Only beta sees gamma go and come back.
	s.nodes["beta"].MemberDown("gamma")
	s.flushAll()
	s.nodes["beta"].MemberUp("gamma")
	s.flushAll()
	s.settle(200)
	dc := s.dc()
	for _, n := range three {
		st := s.nodes[n].Status()
		if st.DC == "" || st.DC != dc {
			t.Errorf("%s follows %q, alpha follows %q", n, st.DC, dc)
		}
	}
	if st := s.nodes[dc].Status(); !st.Ready || len(st.Partition) != 3 {
		t.Errorf("DC %s ready=%v partition %v", dc, st.Ready, st.Partition)
	}
}

// A DC must step down when it hears of a term with its own number but a
// later name: the member that followed (or was DC of) that term rejects this
// DC's syncs as older, and only numbers used to be compared, so the DC never
// learnt of it and re-offered the same sync forever (found by crmd's netns
// test: a node cut off, DC of its minority, never rejoined after healing
// because the majority's DC had picked the same term number).
func TestDCStepsDownForSameNumberLaterTerm(t *testing.T) {
	s := newSim(t, 5, three, nil)
	s.settle(100)
	a, g := s.nodes["alpha"], s.nodes["gamma"]
	if s.dc() != "alpha" {
		t.Fatalf("DC = %s, want alpha", s.dc())
	}
	// gamma held term (N, gamma) on its own while alpha chose (N, alpha)
	// without hearing from it.
	g.cur = Term{N: a.cur.N, DC: "gamma"}
	g.term = a.term
	g.setDC("")
	g.electing, g.electStart = true, g.now
	g.heard = map[string]rank{"alpha": a.rank(), "beta": s.nodes["beta"].rank(), "gamma": g.rank()}
	delete(a.partition, "gamma")
	delete(a.acked, "gamma")
	s.run(100)
	s.settle(300)
	if st := s.nodes[s.dc()].Status(); !st.Ready || len(st.Partition) != 3 {
		t.Errorf("DC %s ready=%v partition %v", s.dc(), st.Ready, st.Partition)
	}
}
