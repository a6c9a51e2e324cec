package clitest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

// Outcome is what a tool did.
type Outcome struct {
	Code           int
	Stdout, Stderr string
}

// Oracle is the path of Pacemaker's tool on PATH; the test is skipped when
// it, or one of the tools it needs (Pacemaker's scripts call others), is not
// installed.
func Oracle(t testing.TB, tool string, needs ...string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("Pacemaker's %s not installed", tool)
	}
	for _, n := range needs {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("Pacemaker's %s not installed", n)
		}
	}
	return path
}

// Exec runs a program in the test's environment and returns its outcome;
// failing to start it fails the test.
func Exec(t testing.TB, bin string, args ...string) Outcome {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return Outcome{ee.ExitCode(), out.String(), errb.String()}
	case err != nil:
		t.Fatalf("running %s: %v", bin, err)
	}
	return Outcome{0, out.String(), errb.String()}
}

// Run is a tool's in-process entry point.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Call runs a tool in-process; the exit code is what main would exit with.
func Call(run Run, args ...string) Outcome {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return Outcome{int(crmexit.Of(err)), out.String(), errb.String()}
}

// VersionAttrs are the CIB root's counters and time stamp, which differ
// between any two writers.
var VersionAttrs = regexp.MustCompile(` (epoch|num_updates|cib-last-written)="[^"]*"`)

// NormCIB is a CIB file's content without what volatile matches, each line
// trimmed and the lines joined, for comparing two tools' results.
func NormCIB(t testing.TB, path string, volatile *regexp.Regexp) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range strings.Split(volatile.ReplaceAllString(string(data), ""), "\n") {
		b.WriteString(strings.TrimSpace(l))
	}
	return b.String()
}

// Case is one command to compare: Args run on a copy of CIB (the file's
// content); Name says which CIB in failure messages.
type Case struct {
	Name string
	CIB  []byte
	Args []string
}

// Options tune Compare.
type Options struct {
	// Tool names the tool in failure messages.
	Tool string
	// Oracle is Pacemaker's tool (see Oracle).
	Oracle string
	// Pacer runs Pacer's tool (with CIB_file already pointing at its copy).
	Pacer func(args ...string) Outcome
	// CompareCIB also compares the CIB files afterwards, normalised with
	// Volatile (VersionAttrs when nil).
	CompareCIB bool
	Volatile   *regexp.Regexp
}

// Compare runs every case through the oracle and Pacer's tool, each on its
// own fresh copy of the case's CIB (CIB_file points at it), reports every
// difference as a test error and logs how many cases matched.
func Compare(t *testing.T, o Options, cases []Case) {
	t.Helper()
	volatile := o.Volatile
	if volatile == nil {
		volatile = VersionAttrs
	}
	dir := t.TempDir()
	matched := 0
	for i, tc := range cases {
		var paths [2]string
		for j := range paths {
			paths[j] = filepath.Join(dir, strconv.Itoa(i)+"-"+strconv.Itoa(j)+".xml")
			if err := os.WriteFile(paths[j], tc.CIB, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("CIB_file", paths[0])
		want := Exec(t, o.Oracle, tc.Args...)
		t.Setenv("CIB_file", paths[1])
		got := o.Pacer(tc.Args...)
		if got != want {
			t.Errorf("%s: %s %v:\n got  %+v\n want %+v", tc.Name, o.Tool, tc.Args, got, want)
			continue
		}
		if o.CompareCIB {
			if a, b := NormCIB(t, paths[0], volatile), NormCIB(t, paths[1], volatile); a != b {
				t.Errorf("%s: %s %v: resulting CIBs differ\npacemaker %s\npacer     %s", tc.Name, o.Tool, tc.Args, a, b)
				continue
			}
		}
		matched++
	}
	t.Logf("%d of %d commands match Pacemaker", matched, len(cases))
}

// ReadFile reads a test fixture, failing the test when it cannot.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
