package pengine

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Each testdata/features/NAME.xml is a small CIB written for one feature (generated
// by testdata/features/gen.py.txt); NAME.expected is the Transition Summary that
// Pacemaker 2.1.5's crm_simulate printed for it when the case was written. Why each
// answer is right:
var featureWhy = map[string]string{
	"location-score":         "a positive location score on node2 is the only preference",
	"location-rule":          "A: ram>8 matches node2 only; B: -INFINITY on node1 or where ram is undefined leaves node3",
	"asymmetric":             "symmetric-cluster=false: only nodes named by a constraint (score 0 counts) are allowed; B has none",
	"stickiness":             "stickiness 100 outweighs the location score 50, so A stays",
	"move-no-stickiness":     "without stickiness the location score 50 moves A",
	"colocation":             "B must be with A (node2), C must not be, and goes to the emptier node1",
	"order-unrunnable":       "C needs B started (mandatory, symmetrical) but B is disabled, so running C stops; the optional order on A changes nothing",
	"order-restart":          "A starts, and B, ordered after it, is placed on the other node to balance load",
	"group":                  "the group's location score beats the members' summed stickiness (2): all move and C starts with them",
	"standby":                "a standby node may not run resources",
	"target-role-stopped":    "target-role=Stopped stops the resource (reported as node availability)",
	"unmanaged":              "is-managed=false: no action even though a -INFINITY location bans node1",
	"failure-threshold":      "the failed monitors are recovered; without fail-count attributes no ban, but B is spread to node2",
	"fence-unclean":          "node1 left the membership while running A: it is fenced and A moves; the fence device starts",
	"no-quorum-stop":         "no-quorum-policy=stop (default) stops everything without quorum",
	"clone":                  "the clone runs everywhere but node3 (-INFINITY) and A follows an instance",
	"ticket":                 "A needs ticket T1, never granted: stop; B's ticket T2 is granted",
	"colocation-loop":        "a colocation loop (and an order loop) must still settle: both together",
	"utilization-order":      "placement-strategy=utilization places C first (it runs, score 55 on node3 though node3 has no room), then B (100 on node1) before A (10): C takes node1, B needing 2 cpu no longer fits anywhere, A joins C; results listed in placement order",
	"bundle":                 "bundle B: replica containers spread over node2 (preferred) and node1 (node3 banned), each IP and connection with its container, each instance S:n inside its guest B-n; S:1 promoted by the Promoted-role location on B-1, D follows the promoted replica's host; E may use guest B-0 only because a location names it; listed replica by replica",
	"bundle-unrunnable":      "3 replicas, one per host, 2 nodes: replica 2's container cannot run, its connection is still placed (node1) and it and its instance are blocked by the container's unrunnable start; the host's master-S (container-attribute-target=host) does not promote a replica whose container is not running yet",
	"remote-lost":            "node1 (left the membership) ran three remote connections: rem1 may only run there and A is active in it, so rem1 is fenced ('resources are active but connection is unrecoverable'); rem2 cannot move either and was never seen ('node is unclean'); rem3 moves to node2 and is not fenced; A moves into rem3",
	"secure-digest":          "A's private passwd changed but the digest without private parameters (op-secure-digest) still matches: no restart; fencing device F's delay changed: restart (fencing devices' definitions are checked too)",
	"unique-promotion":       "globally-unique promotable clone: each instance's own master-S:N score places it (S:1 with 30 goes to node1, S:3 with 20 to node2, strongest first) and decides promotion, one promoted per node",
	"promotion-placement":    "anonymous promotable clone with one instance: the positive master-S score on node2 draws it there, and it is promoted",
	"no-quorum-blocked":      "no quorum with no-quorum-policy=stop: the running A stops, and what is stopped is still placed but reported as a start blocked by the lack of quorum (the fencing device too)",
	"coloc-unrunnable":       "central is placed but cannot start (the clone it is ordered after is disabled); engine, colocated with it at INFINITY, is blocked too ('colocation with central'), while other (score 100) just starts",
	"coloc-unpromoted":       "colocations with the Unpromoted role of P count only the node of its unpromoted instance (node1): D, never with it and banned from node3, goes to node2 where P is promoted; E, always with it, goes to node1",
	"hard-probe-failures":    "A's probe failed with rc 4 (insufficient privileges) on node1 and rc 2 (invalid parameter) on node2: banned from both, it is recovered on node3; the anonymous clone C's probe found it not installed on node1 (recorded without an instance number): no instance goes there",
	"value-source":           "rules comparing a node attribute with the resource's own parameter (value-source=param): A (size 5) only fits node3 (limit 9); C's size is 1 on node2 (a rule-guarded set) and 9 elsewhere, so only node2; rsc-pattern '![AC]' selects B, sent to node1 (limit < 3)",
	"asymmetric-guest":       "symmetric-cluster=false: VM runs where its location allows (node2); its generated guest connection guest1 needs no location to run with it, so R (located on guest1) starts inside; S has no location and stays stopped",
	"agent-change":           "the history on node1 is for other agents than configured: A (recorded as Stateful, now Dummy) is restarted with the new agent; B's failed start and INFINITY fail count belong to the old agent, so B still starts on its preferred node1",
	"container-stop-failure": "R lives in container C and its stop failed (no fencing): the failure is ignored, C is restarted and R started again inside it; S, not in a container, stays blocked with its failed stop",
	"remote-no-connection":   "remote node rem1 has no connection resource configured and its history says the orphan X runs there: it is fenced ('X is thought to be active there') and X's stop follows; the orphan Y on node1 stops",
	"remote-start-failure":   "a failed start bans a node only through the fail count the controller records (none here): the connection rem1 and D are recovered on node1, their preferred node; rem1, never seen, is fenced as unclean",
	"remote-reconnect":       "connections with reconnect_interval=60s, both failed and stopped: rem1 failed 30 s ago and stays down; rem2 failed 200 s ago and reconnects (on node1, the fencing device moving to node2 to balance)",
	"multiactive-fenced":     "node2 is fenced for C's failed stop; fencing device G, active on node1 and node2, simply stays on node1 (node2's copy goes with the fencing); A (sticky) and B are multiply active and recovered as such: A moves to the emptier node3, B restarts on node1",
	"on-fail-demote":         "S:0's promoted monitor failed with on-fail=demote: it is demoted, not recovered (stopped and started), and S:1 (promotion score 20 against 10) is promoted",
	"promote-coloc-blocked":  "P's Promoted role must be with central, which is placed on node1 but cannot start (ordered after the disabled K): the instance there starts but its promotion is blocked ('colocation with central')",
	"multiple-active-block":  "A is active on both nodes with multiple-active=block: blocked, no action (no failure to forgive, nothing fenced); B, active on both with the default stop_start, is stopped on both and started on one (reported as a move)",
	"shutdown-lock":          "shutdown-lock=true: A and group G stop with their node1 (shutting down) instead of moving, the clone instance moves; B stays locked to node3 (down); D starts",
}

var spaces = regexp.MustCompile(`\s+`)

func TestFeatureCIBs(t *testing.T) {
	files, err := filepath.Glob("testdata/features/*.expected")
	if err != nil || len(files) == 0 {
		t.Fatalf("no feature cases: %v", err)
	}
	for _, exp := range files {
		name := strings.TrimSuffix(filepath.Base(exp), ".expected")
		t.Run(name, func(t *testing.T) {
			if featureWhy[name] == "" {
				t.Errorf("feature case %s has no explanation", name)
			}
			raw, err := os.ReadFile(exp)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					want = append(want, l)
				}
			}
			data, err := os.ReadFile(strings.TrimSuffix(exp, ".expected") + ".xml")
			if err != nil {
				t.Fatal(err)
			}
			tr, err := Schedule(parseCIB(t, string(data)), time.Unix(1700000000, 0))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range tr.Summary {
				got = append(got, strings.TrimSpace(spaces.ReplaceAllString(l, " ")))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s (%s)\nwant:\n%s\ngot:\n%s", name, featureWhy[name], strings.Join(want, "\n"), strings.Join(got, "\n"))
			}
		})
	}
}

// TestBadReferences: constraints naming missing resources are reported Pacemaker's
// way and ignored; the rest of the configuration is still scheduled.
func TestBadReferences(t *testing.T) {
	data, err := os.ReadFile("testdata/features/missing-reference.xml")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Schedule(parseCIB(t, string(data)), time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.SchedulerWarnings()); n != 3 {
		t.Errorf("want 3 warnings (colocation, order, location), got %d: %q", n, tr.SchedulerWarnings())
	}
	for _, w := range tr.SchedulerWarnings() {
		if !strings.Contains(w, "because resource 'Nope' does not exist") {
			t.Errorf("unexpected warning %q", w)
		}
	}
	if len(tr.Summary) != 1 || !strings.HasPrefix(tr.Summary[0], "Start") {
		t.Errorf("A should still start, got %q", tr.Summary)
	}
}

// TestUnknownClass: a primitive with an agent class Pacemaker does not know is
// scheduled like any other without crashing the scheduler.
func TestUnknownClass(t *testing.T) {
	data, err := os.ReadFile("testdata/features/unknown-class.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Schedule(parseCIB(t, string(data)), time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
}

// TestDeterministic: the same input gives the same transition, byte for byte.
func TestDeterministic(t *testing.T) {
	root := parseCIB(t, genCIB(5, 60, "failover"))
	now := time.Unix(1700000000, 0)
	first, err := Schedule(root, now)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := Schedule(root, now)
		if err != nil {
			t.Fatal(err)
		}
		if again.GraphXML() != first.GraphXML() || again.SummaryText() != first.SummaryText() {
			t.Fatal("transition differs between runs")
		}
	}
}
