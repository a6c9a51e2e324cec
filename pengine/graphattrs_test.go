package pengine

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestGraphAttributes: the <attributes> of every graph action for a small CIB
// (instance parameters with characters to escape, configured start and monitor
// timeouts, a probe taking the shortest monitor's timeout and expecting rc 7,
// op_defaults' timeout for a resource without ops) equal those of Pacemaker
// 2.1.5's graph (crm_simulate -x testdata/graph-attrs.xml -S -G, stored sorted in
// testdata/graph-attrs.expected).
func TestGraphAttributes(t *testing.T) {
	data, err := os.ReadFile("testdata/graph-attrs.xml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/graph-attrs.expected")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Schedule(parseCIB(t, string(data)), time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(tr.GraphXML(), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "<attributes") {
			got = append(got, l)
		}
	}
	sort.Strings(got)
	if g, w := strings.Join(got, "\n"), strings.TrimSpace(string(want)); g != w {
		t.Errorf("graph attributes\nwant:\n%s\ngot:\n%s", w, g)
	}
}
