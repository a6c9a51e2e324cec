package pengine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// testdata/active-probe.xml is the CIB of a live three-node cluster (crmd
// demo) after db's monitor failed on node2, was recovered and
// `crm_resource --cleanup -r db` deleted its history there: the probe found db
// running (rc 0, recorded as db_last_0 and db_last_failure_0, expected 7) and
// the DC then ran db's 15s monitor (db_monitor_15000, recorded after the
// probe). Pacemaker 2.1.5's crm_simulate -S on this CIB executes nothing;
// without the monitor's record it executes exactly "Resource action: db
// monitor=15000 on node2". A scheduler that does not count the monitor after
// such a probe asks for it again and again (the DC never went idle).
func TestMonitorAfterActiveProbe(t *testing.T) {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile("testdata/active-probe.xml"); err != nil {
		t.Fatal(err)
	}
	executed := func(root *etree.Element) []string {
		t.Helper()
		tr, err := Schedule(root, time.Unix(1795535100, 0))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range tr.Actions {
			if a.Executed() && !a.Pseudo {
				out = append(out, a.ExecLine())
			}
		}
		slices.Sort(out)
		return out
	}
	if got := executed(doc.Root().Copy()); len(got) != 0 {
		t.Errorf("with the monitor recorded after the active probe, the scheduler executes:\n%s", strings.Join(got, "\n"))
	}
	root := doc.Root().Copy()
	mon := root.FindElement("//lrm_rsc_op[@id='db_monitor_15000']")
	if mon == nil {
		t.Fatal("testdata: no db_monitor_15000")
	}
	mon.Parent().RemoveChild(mon)
	want := []string{"Resource action: db              monitor=15000 on node2"}
	if got := executed(root); !slices.Equal(got, want) {
		t.Errorf("with only the active probe recorded: executes %q, want %q", got, want)
	}
}
