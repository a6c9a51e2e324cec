package pengine

import (
	"strings"
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

// testdata/shutdown.xml: n1 (running d) has its shutdown attribute set.
// Pacemaker 2.1.5 moves d to n2 and ends with do_shutdown for n1, whose
// graph entry (crm_simulate -G) is confirmed without waiting and names
// the node it takes down.
func TestShutdownGraph(t *testing.T) {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile("testdata/shutdown.xml"); err != nil {
		t.Fatal(err)
	}
	tr, err := Schedule(doc.Root(), time.Unix(1764000100, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tr.Summary, "\n"); !strings.Contains(got, "Move") || !strings.Contains(got, "( n1 -> n2 )") {
		t.Errorf("summary %q, want d moved n1 -> n2", got)
	}
	g := tr.GraphXML()
	for _, want := range []string{
		`operation="do_shutdown" operation_key="do_shutdown-n1" on_node="n1" on_node_uuid="1">`,
		`<attributes CRM_meta_on_node="n1" CRM_meta_on_node_uuid="1" CRM_meta_op_no_wait="true" crm_feature_set="3.16.1"/>`,
		"<downed>\n          <node id=\"1\"/>\n        </downed>",
	} {
		if !strings.Contains(g, want) {
			t.Errorf("graph lacks %q:\n%s", want, g)
		}
	}
}
