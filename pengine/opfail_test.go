package pengine

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestOpFail checks crm_simulate --op-fail semantics learnt from Pacemaker 2.1.5
// (crm_simulate -x testdata/opfail.xml -S -F SPEC): the matching operation gets
// the given result, the transition stops right after it, and only a real failure
// bumps fail-count-RSC#TASK_INTERVAL and sets last-failure-... on the node.
func TestOpFail(t *testing.T) {
	data, err := os.ReadFile("testdata/opfail.xml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		spec      string
		failed    bool // A ends FAILED on node1 with a fail count
		pretend   string
		injecting int
	}{
		{"A_start_0@node1=1", true, "failed with rc=1", 2},
		{"A_start_0@node1=0", false, "failed with rc=0", 0},
		{"A_monitor_0@node2=0", false, "failed with rc=0", 0},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			f, err := ParseOpFailure(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			root := parseCIB(t, string(data))
			tr, err := Schedule(root, now)
			if err != nil {
				t.Fatal(err)
			}
			lines := tr.SimulateText(root, []OpFailure{f}, now)
			last := -1
			inj := 0
			for i, l := range lines {
				if strings.HasPrefix(l, "Pretending action ") {
					last = i
					if !strings.HasSuffix(l, tc.pretend) {
						t.Errorf("got %q, want ...%s", l, tc.pretend)
					}
				}
				if strings.Contains(l, "Injecting attribute") {
					inj++
				}
			}
			if last < 0 {
				t.Fatalf("no Pretending line in %q", lines)
			}
			if inj != tc.injecting || len(lines) != last+1+inj {
				t.Errorf("want the transition to stop at the failure with %d injections, got %q", tc.injecting, lines)
			}
			for _, l := range lines {
				if strings.Contains(l, "start on node2") || strings.Contains(l, "monitor=10000") {
					t.Errorf("%q ran after the failed operation", l)
				}
			}
			c, err := Unpack(root, now)
			if err != nil {
				t.Fatal(err)
			}
			a := c.ByID["A"]
			n1 := c.NodeByName["node1"]
			if got := a.Failed; got != tc.failed {
				t.Errorf("A failed = %v, want %v", got, tc.failed)
			}
			if tc.failed && n1.Attrs["fail-count-A#start_0"] != "1" {
				t.Errorf("fail count on node1: %q", n1.Attrs["fail-count-A#start_0"])
			}
			if b := c.ByID["B"]; len(b.RunningOn) != 0 {
				t.Errorf("B started although the transition was aborted")
			}
		})
	}
	for _, bad := range []string{"garbage", "A_start_0@node1", "A_start_0@node1=abc", "A@node1=1"} {
		if _, err := ParseOpFailure(bad); err == nil {
			t.Errorf("ParseOpFailure(%q) accepted", bad)
		}
	}
}
