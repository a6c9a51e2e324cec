package cib

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/pacer-ha/pacer/internal/testenv"
)

func sharedCases(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(testenv.SharedDir(t), "pacemaker-scheduler", "xml", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Skip("no shared scheduler cases")
	}
	return files
}

// Every shared case must parse, write back byte-identical, validate, survive a
// clone, and re-serialise identically after being re-formatted and re-parsed.
func TestSharedCasesRoundTripAndValidate(t *testing.T) {
	files := sharedCases(t)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		c, err := Parse(data)
		if err != nil {
			t.Errorf("%s: parse: %v", name, err)
			continue
		}
		out, err := c.Bytes()
		if err != nil {
			t.Errorf("%s: write: %v", name, err)
			continue
		}
		if !bytes.Equal(out, data) {
			t.Errorf("%s: round trip changed the bytes (%d in, %d out)", name, len(data), len(out))
		}
		if cl, _ := c.Clone().Bytes(); !bytes.Equal(cl, data) {
			t.Errorf("%s: clone serialises differently", name)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// Structure survives our own serialisation even where bytes could not.
		c2, err := Parse(c.serialise())
		if err != nil {
			t.Errorf("%s: re-parse of own output: %v", name, err)
			continue
		}
		if !bytes.Equal(c2.serialise(), c.serialise()) {
			t.Errorf("%s: own output is not stable", name)
		}
	}
	t.Logf("%d shared cases", len(files))
}
