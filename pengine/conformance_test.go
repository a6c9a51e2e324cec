package pengine

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/internal/testenv"
	"github.com/pacer-ha/pacer/rules"
)

// caseSummary schedules one shared case and returns our Transition Summary lines.
func caseSummary(t testing.TB, xmlPath string) []string {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(xmlPath); err != nil {
		t.Fatalf("%s: %v", xmlPath, err)
	}
	now := time.Now()
	if v := doc.Root().SelectAttrValue("execution-date", ""); v != "" {
		if tm, err := rules.ParseTime(v); err == nil {
			now = tm
		}
	}
	tr, err := Schedule(doc.Root(), now)
	if err != nil {
		t.Fatalf("%s: %v", xmlPath, err)
	}
	block, _ := testenv.Block(testenv.Normalise("Transition Summary:\n"+tr.SummaryText()), "Transition Summary:")
	return block
}

func caseMatches(t testing.TB, shared, name string) (bool, []string, []string) {
	base := filepath.Join(shared, "pacemaker-scheduler")
	exp, err := os.ReadFile(filepath.Join(base, "summary", name+".summary"))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want, ok := testenv.Block(testenv.Normalise(string(exp)), "Transition Summary:")
	if !ok {
		return false, nil, nil
	}
	got := caseSummary(t, filepath.Join(base, "xml", name+".xml"))
	return strings.Join(got, "\n") == strings.Join(want, "\n"), want, got
}

// TestConformanceGuard fails when a shared case listed in testdata/passing.txt no
// longer produces Pacemaker's Transition Summary.
func TestConformanceGuard(t *testing.T) {
	shared := testenv.SharedDir(t)
	f, err := os.Open("testdata/passing.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if name == "" || strings.HasPrefix(name, "#") {
			continue
		}
		n++
		ok, want, got := caseMatches(t, shared, name)
		if !ok {
			t.Errorf("%s no longer matches Pacemaker:\nwant:\n%s\ngot:\n%s", name, strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
	}
	if n == 0 {
		t.Fatal("testdata/passing.txt lists no cases")
	}
}

// TestListPassing writes the passing case names when PACER_WRITE_PASSING is set; it
// is how testdata/passing.txt is refreshed.
func TestListPassing(t *testing.T) {
	out := os.Getenv("PACER_WRITE_PASSING")
	if out == "" {
		t.Skip("set PACER_WRITE_PASSING=FILE to regenerate the passing list")
	}
	shared := testenv.SharedDir(t)
	ents, err := os.ReadDir(filepath.Join(shared, "pacemaker-scheduler", "xml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".xml")
		if name == e.Name() {
			continue
		}
		if _, err := os.Stat(filepath.Join(shared, "pacemaker-scheduler", "summary", name+".summary")); err != nil {
			continue
		}
		if ok, _, _ := caseMatches(t, shared, name); ok {
			names = append(names, name)
		}
	}
	if err := os.WriteFile(out, []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d passing", len(names))
}

// TestAllCasesRender schedules every shared case and renders every output crm_simulate
// can be asked for (summary, graph XML, dot, execution order, simulated CIB): none may
// panic, whatever the scheduler decided.
func TestAllCasesRender(t *testing.T) {
	shared := testenv.SharedDir(t)
	files, err := filepath.Glob(filepath.Join(shared, "pacemaker-scheduler", "xml", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shared cases: %v", err)
	}
	for _, f := range files {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic: %v", filepath.Base(f), p)
				}
			}()
			doc := etree.NewDocument()
			if err := doc.ReadFromFile(f); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			tr, err := Schedule(doc.Root(), time.Now())
			if err != nil {
				return // an unreadable case is reported elsewhere; here only panics count
			}
			_ = tr.SummaryText()
			if g := tr.GraphXML(); !strings.HasPrefix(g, "<transition_graph") {
				t.Errorf("%s: graph does not start with <transition_graph>", filepath.Base(f))
			}
			_ = tr.Dot(true)
			_ = tr.ExecutionOrder()
			tr.Simulate(doc.Root().Copy())
		}()
	}
}
