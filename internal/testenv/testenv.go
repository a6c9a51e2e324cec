package testenv

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// RepoRoot is the directory holding go.mod, found by walking up from the test's
// working directory; the test is skipped when there is none.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skipf("no working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
}

// SharedDir is ../shared beside the repository; the test is skipped when it is absent.
func SharedDir(t testing.TB) string {
	t.Helper()
	s := filepath.Join(RepoRoot(t), "..", "shared")
	if _, err := os.Stat(s); err != nil {
		t.Skip("../shared is absent")
	}
	return s
}

// SchedulerCases lists the shared scheduler cases by name (CASE for xml/CASE.xml),
// sorted; the test is skipped when they are absent.
func SchedulerCases(t testing.TB) (dir string, names []string) {
	t.Helper()
	dir = filepath.Join(SharedDir(t), "pacemaker-scheduler")
	files, err := filepath.Glob(filepath.Join(dir, "xml", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Skip("no shared scheduler cases")
	}
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".xml"))
	}
	return dir, names
}

// legacy maps Pacemaker's old role names to the new ones, as the conformance runner
// (and Pacemaker's own harness) does before comparing.
var legacy = []struct {
	re  *regexp.Regexp
	rep string
}{
	{regexp.MustCompile(`ocf::`), "ocf:"},
	{regexp.MustCompile(`Masters:`), "Promoted:"},
	{regexp.MustCompile(`Slaves:`), "Unpromoted:"},
	{regexp.MustCompile(`(?m) Master( |\[|$)`), " Promoted$1"},
	{regexp.MustCompile(` Slave `), " Unpromoted "},
}

var spaces = regexp.MustCompile(`\s+`)

// Exact applies only the legacy role-name rewrite and drops trailing spaces and
// trailing empty lines: what is left must match byte for byte, column widths
// included.
func Exact(text string) []string {
	for _, l := range legacy {
		text = l.re.ReplaceAllString(text, l.rep)
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		out = append(out, strings.TrimRight(l, " \t"))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// Normalise applies the conformance runner's normalisation: legacy role names,
// whitespace runs folded, lines trimmed, trailing empty lines dropped.
func Normalise(text string) []string {
	for _, l := range legacy {
		text = l.re.ReplaceAllString(text, l.rep)
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		out = append(out, strings.TrimSpace(spaces.ReplaceAllString(l, " ")))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// Sections are crm_simulate's top-level headers, which end one another's blocks.
var Sections = []string{"Current cluster status:", "Transition Summary:", "Executing Cluster Transition:", "Revised Cluster Status:"}

// Block returns the lines after header up to the next section header, without
// trailing empty lines; ok is false when the header is absent.
func Block(lines []string, header string) (block []string, ok bool) {
	for i, l := range lines {
		if l != header {
			continue
		}
		for _, x := range lines[i+1:] {
			if isSection(x) {
				break
			}
			block = append(block, x)
		}
		for len(block) > 0 && block[len(block)-1] == "" {
			block = block[:len(block)-1]
		}
		return block, true
	}
	return nil, false
}

func isSection(l string) bool {
	for _, s := range Sections {
		if l == s {
			return true
		}
	}
	return false
}
