package pengine

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/internal/testenv"
)

// TestAllCasesDeterministic schedules every shared case several times from the
// same tree and time: the graph, dot file, summary and execution order must be
// byte-identical. Go randomises map iteration per loop, so an order taken from a
// map shows up here as a difference between runs.
func TestAllCasesDeterministic(t *testing.T) {
	shared := testenv.SharedDir(t)
	files, err := filepath.Glob(filepath.Join(shared, "pacemaker-scheduler", "xml", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shared cases: %v", err)
	}
	now := time.Unix(1700000000, 0)
	render := func(root *etree.Element) (string, bool) {
		tr, err := Schedule(root, now)
		if err != nil {
			return "", false
		}
		var b strings.Builder
		b.WriteString(tr.GraphXML())
		b.WriteString(tr.Dot(true))
		b.WriteString(tr.SummaryText())
		for _, a := range tr.ExecutionOrder() {
			b.WriteString(a.Key() + "@" + a.NodeName() + "\n")
		}
		return b.String(), true
	}
	for _, f := range files {
		doc := etree.NewDocument()
		if err := doc.ReadFromFile(f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		first, ok := render(doc.Root())
		if !ok {
			continue // unreadable cases are reported elsewhere
		}
		for i := 0; i < 4; i++ {
			if again, _ := render(doc.Root()); again != first {
				t.Errorf("%s: output differs between runs of the same input", filepath.Base(f))
				break
			}
		}
	}
}
