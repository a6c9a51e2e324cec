package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/internal/testenv"
)

// fullOutput runs crm_simulate -x CASE.xml -S in-process and returns what the
// conformance runner sees (stderr, written first, then stdout) as lines, only
// legacy role names rewritten: column widths count.
func fullOutput(t *testing.T, dir, name string) []string {
	t.Helper()
	out, errs, err := runCmd(t, "", "-x", filepath.Join(dir, "xml", name+".xml"), "-S")
	if err != nil {
		t.Errorf("%s: %v", name, err)
	}
	return testenv.Exact(errs + out)
}

func expectedOutput(t *testing.T, dir, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary", name+".summary"))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return testenv.Exact(string(b))
}

// TestFullOutputGuard fails when a shared case listed in testdata/full-passing.txt no
// longer prints exactly what Pacemaker's crm_simulate -S printed for it, column
// widths included (the conformance runner itself folds whitespace).
func TestFullOutputGuard(t *testing.T) {
	dir, _ := testenv.SchedulerCases(t)
	b, err := os.ReadFile("testdata/full-passing.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range strings.Split(string(b), "\n") {
		name = strings.TrimSpace(name)
		if name == "" || strings.HasPrefix(name, "#") {
			continue
		}
		n++
		want, got := expectedOutput(t, dir, name), fullOutput(t, dir, name)
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("%s: full output no longer matches Pacemaker's; first difference:\n%s", name, firstDiff(want, got))
		}
	}
	if n == 0 {
		t.Fatal("testdata/full-passing.txt lists no cases")
	}
}

func firstDiff(want, got []string) string {
	for i := 0; i < len(want) || i < len(got); i++ {
		w, g := "<end>", "<end>"
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("line %d\nwant: %s\ngot:  %s", i+1, w, g)
		}
	}
	return ""
}

// TestListFullPassing writes the names of the cases whose whole output matches when
// PACER_WRITE_FULL_PASSING is set; it is how testdata/full-passing.txt is refreshed.
func TestListFullPassing(t *testing.T) {
	path := os.Getenv("PACER_WRITE_FULL_PASSING")
	if path == "" {
		t.Skip("set PACER_WRITE_FULL_PASSING=FILE to regenerate the full-output list")
	}
	dir, names := testenv.SchedulerCases(t)
	var pass []string
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, "summary", name+".summary")); err != nil {
			continue
		}
		if strings.Join(expectedOutput(t, dir, name), "\n") == strings.Join(fullOutput(t, dir, name), "\n") {
			pass = append(pass, name)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(pass, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases match in full", len(pass))
}
