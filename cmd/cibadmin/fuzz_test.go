package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCommand drives the whole tool with arbitrary XML input: it must never panic,
// and a command that fails must leave the CIB file byte-for-byte as it was.
func FuzzCommand(f *testing.F) {
	f.Add(uint8(0), "resources", prim)
	f.Add(uint8(1), "", `<primitive id="a" description="x"/>`)
	f.Add(uint8(2), "resources", `<resources/>`)
	f.Add(uint8(3), "", `<primitive id="a"/>`)
	f.Add(uint8(4), "", `//primitive[@id='a']`)
	f.Add(uint8(5), "constraints", `<rsc_location id="l" rsc="a" node="n" score="INFINITY"/>`)
	f.Add(uint8(1), "", `<cib epoch="epoch++"/>`)
	base := filepath.Join(f.TempDir(), "base.xml")
	start := []byte(`<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources><primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/></resources><constraints/></configuration><status/></cib>`)
	if err := os.WriteFile(base, start, 0o600); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint8, scope, input string) {
		path := filepath.Join(t.TempDir(), "cib.xml")
		if err := os.WriteFile(path, start, 0o600); err != nil {
			t.Fatal(err)
		}
		var args []string
		switch op % 7 {
		case 0:
			args = []string{"-C", "-o", scope, "-X", input}
		case 1:
			args = []string{"-M", "-o", scope, "-X", input}
		case 2:
			args = []string{"-R", "-o", scope, "-X", input}
		case 3:
			args = []string{"-D", "-o", scope, "-X", input}
		case 4:
			args = []string{"-D", "-A", input}
		case 5:
			args = []string{"-Q", "-A", input}
		case 6:
			args = []string{"-M", "-c", "-o", scope, "-X", input}
		}
		_, _, code := runIn(t, path, "", args...)
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if code != 0 && !bytes.Equal(after, start) {
			t.Fatalf("cibadmin %q failed with %d but changed the file", args, code)
		}
	})
}
