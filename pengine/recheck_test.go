package pengine

import (
	"testing"
	"time"

	"github.com/beevik/etree"
)

// testdata/recheck.xml: d failed its monitor on n1 at T (fail-count 1,
// last-failure T, failure-timeout 5s) and is banned from n3 by a rule that
// ends at E (crm_resource --ban --lifetime). Pacemaker 2.1.5's crm_simulate
// -t on this CIB: at T+3 and T+5 the failure holds and recheck-by is T+6;
// at T+6 it has expired: clear_failcount for d on n1, recheck-by E.
func TestRecheckByAndClearFailcount(t *testing.T) {
	const failed, end = 1795531996, 1795535598
	doc := etree.NewDocument()
	if err := doc.ReadFromFile("testdata/recheck.xml"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at      int64
		recheck int64
		clear   bool
	}{
		{failed + 3, failed + 6, false},
		{failed + 5, failed + 6, false},
		{failed + 6, end, true},
		{end + 2, 0, true},
	} {
		tr, err := Schedule(doc.Root().Copy(), time.Unix(c.at, 0))
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		if !tr.RecheckBy.IsZero() {
			got = tr.RecheckBy.Unix()
		}
		if got != c.recheck {
			t.Errorf("at T+%d: recheck-by %d, want %d", c.at-failed, got, c.recheck)
		}
		clear := false
		for _, a := range tr.Actions {
			if a.Task == "clear_failcount" && a.Executed() {
				clear = true
				if a.RscID() != "d" || a.NodeName() != "n1" {
					t.Errorf("at T+%d: clear_failcount for %s on %s", c.at-failed, a.RscID(), a.NodeName())
				}
				if l := a.ExecLine(); l != "Cluster action:  clear_failcount for d on n1" {
					t.Errorf("at T+%d: %q", c.at-failed, l)
				}
			}
		}
		if clear != c.clear {
			t.Errorf("at T+%d: clear_failcount %v, want %v", c.at-failed, clear, c.clear)
		}
	}
}
