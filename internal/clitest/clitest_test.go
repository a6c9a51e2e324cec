package clitest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

func TestExecAndCall(t *testing.T) {
	got := Exec(t, "/bin/sh", "-c", "echo out; echo err >&2; exit 3")
	if want := (Outcome{3, "out\n", "err\n"}); got != want {
		t.Errorf("Exec: %+v, want %+v", got, want)
	}
	run := func(_ context.Context, args []string, stdout, stderr io.Writer) error {
		fmt.Fprintln(stdout, args)
		fmt.Fprintln(stderr, "bad")
		return crmexit.New(crmexit.NoSuch, "bad")
	}
	if got, want := Call(run, "a", "b"), (Outcome{int(crmexit.NoSuch), "[a b]\n", "bad\n"}); got != want {
		t.Errorf("Call: %+v, want %+v", got, want)
	}
}

func TestNormCIBDropsVersions(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.xml"), filepath.Join(dir, "b.xml")
	os.WriteFile(a, []byte("<cib epoch=\"1\" num_updates=\"2\" cib-last-written=\"x\">\n  <configuration/>\n</cib>\n"), 0o644)
	os.WriteFile(b, []byte("<cib epoch=\"7\" num_updates=\"0\">\n<configuration/>\n</cib>"), 0o644)
	if x, y := NormCIB(t, a, VersionAttrs), NormCIB(t, b, VersionAttrs); x != y {
		t.Errorf("%q != %q", x, y)
	}
	os.WriteFile(b, []byte("<cib epoch=\"7\"><configuration><nodes/></configuration></cib>"), 0o644)
	if x, y := NormCIB(t, a, VersionAttrs), NormCIB(t, b, VersionAttrs); x == y {
		t.Errorf("different configurations compare equal: %q", x)
	}
}
