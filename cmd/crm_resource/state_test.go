package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

// stamp matches the lifetime end Pacemaker prints and writes (seconds may
// differ between the two runs).
var stamp = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ`)

// versionAttrs are the CIB root attributes either tool bumps or stamps.
var versionAttrs = regexp.MustCompile(` (epoch|num_updates|cib-last-written)="[^"]*"`)

func normCIB(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := versionAttrs.ReplaceAllString(string(data), "")
	s = stamp.ReplaceAllString(s, "DATE")
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(l))
	}
	return b.String()
}

// TestStateAgainstPacemaker runs each cluster-state command through
// Pacemaker's crm_resource and Pacer's on fresh copies of the same CIB and
// compares exit code, stdout, stderr and the resulting CIB.
func TestStateAgainstPacemaker(t *testing.T) {
	pcmk, err := exec.LookPath("crm_resource")
	if err != nil {
		t.Skip("Pacemaker's crm_resource not installed")
	}
	cases := map[string][][]string{
		"../../docs/examples/cib.xml": {
			{"--list"}, {"--list-raw"}, {"-W", "-r", "web-ip"}, {"-W", "-r", "web"}, {"-W", "-r", "nosuch"}, {"-W"},
			{"--move", "-r", "web-ip", "-N", "node2"}, {"--move", "-r", "web-ip", "-N", "nodeX"}, {"--move", "-r", "nosuch", "-N", "node2"},
			{"--move", "-r", "web-ip"}, {"--ban", "-r", "db", "-N", "node1"}, {"--ban", "-r", "db"},
			{"--move", "-r", "web", "-N", "node3", "--lifetime", "PT1H"}, {"--ban", "-r", "web", "-N", "node3", "--lifetime", "P1DT2M"},
			{"--clear", "-r", "web-ip"}, {"--clear"}, {"-U", "-r", "db", "-N", "node1"},
			{"-Y", "-r", "db"}, {"-Y", "-r", "db", "-N", "node1"}, {"-Y", "-r", "web"}, {"--fail", "-r", "db", "-N", "node1"},
		},
		"testdata/clone-anon-failcount.xml": {
			{"--list"}, {"--list-raw"}, {"-W", "-r", "UmVIPcheck"}, {"-W", "-r", "clnPingd"}, {"-W", "-r", "clnPrmPingd"},
			{"-W", "-r", "UMgroup01"}, {"-W", "-r", "clnUMdummy01", "-Q"},
			{"--move", "-r", "UmVIPcheck"}, {"--move", "-r", "UMgroup01"}, {"--move", "-r", "clnPingd"}, {"--ban", "-r", "clnPingd"},
			{"--ban", "-r", "UMgroup01"}, {"--move", "-r", "UmVIPcheck", "-N", "srv01"}, {"--move", "-r", "UmVIPcheck", "-N", "srv02"},
			{"--move", "-r", "clnPingd", "-N", "srv02"}, {"--move", "-r", "clnPrmPingd", "-N", "srv02"},
			{"--move", "-r", "UmVIPcheck", "-N", "srv02", "--promoted"}, {"--move", "-r", "UmVIPcheck", "-N", "srv04", "--force"},
			{"--ban", "-r", "UmVIPcheck", "-N", "srv09"}, {"--ban", "-r", "UmVIPcheck", "-N", "srv01", "--lifetime", "P1D"},
			{"--clear", "-r", "UmVIPcheck"}, {"--clear", "-N", "srv01"},
			{"--why"}, {"-Y", "-N", "srv01"}, {"-Y", "-N", "srv02"}, {"--ban", "-r", "clnUMgroup01", "--promoted"},
			{"-a", "-r", "UMgroup01"}, {"-A", "-r", "clnPingd"}, {"-A", "-r", "UmVIPcheck"}, {"-a", "-r", "clnPrmPingd"},
			{"-Y", "-r", "UmVIPcheck"}, {"-Y", "-r", "clnUMdummy01"}, {"-Y", "-r", "UmVIPcheck", "-N", "srv02"},
			{"--move", "-r", "UmVIPcheck", "-Q"}, {"--ban", "-r", "UmVIPcheck", "-N", "srv02", "-Q", "--lifetime", "PT5M"},
			{"--move", "-r", "UmVIPcheck", "-N", "srv02", "--lifetime", "bogus"},
			{"--move", "-r", "UmVIPcheck", "-N", "srv03", "--lifetime", "P1Y2M3W4DT5H6M7S"}, {"--ban", "-r", "UmVIPcheck", "-N", "srv03", "--lifetime", "P3M"},
		},
		"testdata/multi1.xml": {
			{"--move", "-r", "rsc1", "-N", "node1"}, {"--move", "-r", "rsc1", "-N", "node1", "--force"}, {"--move", "-r", "rsc1", "-N", "node2"},
			{"--move", "-r", "rsc1"}, {"-W", "-r", "rsc1"},
		},
		"testdata/ticket-promoted-2.xml": {{"--move", "-r", "rsc1"}, {"--ban", "-r", "ms1"}, {"--ban", "-r", "rsc1", "--promoted"}, {"--list"}},
		"testdata/empty.xml":             {{"--list"}, {"--list-raw"}, {"-W", "-r", "x"}},
		"testdata/constraints.xml": {
			{"-a", "-r", "web"}, {"-A", "-r", "web"}, {"-a", "-r", "web-ip"}, {"-A", "-r", "web-ip"}, {"-a", "-r", "db"},
			{"-A", "-r", "db"}, {"--constraints", "--recursive", "-r", "db"}, {"-a", "-r", "nosuch"}, {"-a"},
			{"--ban", "-r", "web-ip", "-N", "node1", "--promoted"}, {"-W", "-r", "web", "-Q"}, {"--why"}, {"-Y", "-N", "node1"},
			{"--clear", "-r", "nosuch"}, {"--clear", "-r", "web-ip", "-N", "nodeX"},
		},
		"testdata/group-anticolocation.xml": {
			{"-a", "-r", "group2"}, {"-A", "-r", "member2b"},
			{"--list"}, {"--list-raw"}, {"-W", "-r", "group2"}, {"--move", "-r", "group2"}, {"--ban", "-r", "member2b", "-N", "node1"},
		},
	}
	dir := t.TempDir()
	n := 0
	for src, cmds := range cases {
		for i, args := range cmds {
			paths := [2]string{}
			for j, who := range []string{"pcmk", "pacer"} {
				paths[j] = filepath.Join(dir, who+strings.ReplaceAll(src, "/", "_")+strconv.Itoa(i)+".xml")
				data, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(paths[j], data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("CIB_file", paths[0])
			want := runPacemaker(t, pcmk, args...)
			t.Setenv("CIB_file", paths[1])
			got := runPacer(t, args...)
			for _, o := range []*outcome{&want, &got} {
				o.stdout, o.stderr = stamp.ReplaceAllString(o.stdout, "DATE"), stamp.ReplaceAllString(o.stderr, "DATE")
			}
			if got != want {
				t.Errorf("%s: crm_resource %s:\n got  rc %d\nstdout %q\nstderr %q\n want rc %d\nstdout %q\nstderr %q",
					src, strings.Join(args, " "), got.code, clip(got.stdout), got.stderr, want.code, clip(want.stdout), want.stderr)
				continue
			}
			if a, b := normCIB(t, paths[0]), normCIB(t, paths[1]); a != b {
				t.Errorf("%s: crm_resource %s: resulting CIBs differ", src, strings.Join(args, " "))
				continue
			}
			n++
		}
	}
	t.Logf("%d commands match Pacemaker", n)
}

// TestCleanup checks --cleanup on a CIB file: the failed resource's history
// and fail attributes go, the output names each instance and node, and a
// second clean-up finds nothing left. (Pacemaker's crm_resource only does a
// dry run on a CIB file, so there is no oracle.)
func TestCleanup(t *testing.T) {
	data, err := os.ReadFile("testdata/clone-anon-failcount.xml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CIB_file", path)
	got := runPacer(t, "--cleanup", "-r", "clnUMdummy01", "-N", "srv01")
	if got.code != 0 || !strings.Contains(got.stdout, "Cleaned up clnUMdummy01:") || !strings.Contains(got.stdout, " on srv01\n") {
		t.Fatalf("cleanup: %+v", got)
	}
	after, _ := os.ReadFile(path)
	if bytes.Contains(after, []byte(`"status-srv01-fail-count-clnUMdummy01`)) || bytes.Contains(after, []byte(`"status-srv01-last-failure-clnUMdummy01`)) {
		t.Errorf("fail attributes left on srv01")
	}
	if !bytes.Contains(after, []byte(`"status-srv04-fail-count-clnUMdummy01:1"`)) {
		t.Errorf("srv04's fail count was removed by a clean-up of srv01")
	}
	again := runPacer(t, "--cleanup", "-r", "clnUMdummy01", "-N", "srv01")
	if again.code != 0 || again.stdout != "" {
		t.Errorf("second cleanup: %+v", again)
	}
	if r := runPacer(t, "--cleanup", "-r", "nosuch"); r.code != int(crmexit.NoSuch) {
		t.Errorf("cleanup of a missing resource: %+v", r)
	}
	if r := runPacer(t, "--refresh"); r.code != 0 || r.stdout != "Cleaned up all resources on all nodes\n" {
		t.Errorf("refresh: %+v", r)
	}
	after, _ = os.ReadFile(path)
	if bytes.Contains(after, []byte("<lrm_resource ")) {
		t.Errorf("refresh left resource history")
	}
}

func TestParseNothingRuns(t *testing.T) {
	// --wait on a file returns at once.
	t.Setenv("CIB_file", "../../docs/examples/cib.xml")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"--wait"}, &out, &errb, os.Getenv); err != nil {
		t.Errorf("--wait: %v %s", err, errb.String())
	}
}
