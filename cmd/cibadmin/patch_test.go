package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Patches made by Pacemaker's crm_diff are applied by both cibadmins to copies of
// the same CIB; exit codes and resulting files must be the same.
func TestPatchSameAsPacemaker(t *testing.T) {
	bin := oracle(t)
	crmDiff, err := exec.LookPath("crm_diff")
	if err != nil {
		t.Skip("crm_diff is not installed")
	}
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.xml")
	base := patchBase
	if err := os.WriteFile(orig, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	scenarios := [][][]string{
		{{"-C", "-o", "resources", "-X", `<primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>`}},
		{{"-M", "-X", `<primitive id="a" description="d"/>`}, {"-C", "-o", "constraints", "-X", `<rsc_location id="l" rsc="a" node="n1" score="5"/>`}},
		{{"-C", "-o", "resources", "-X", `<group id="g"><primitive id="g1" class="ocf" provider="pacemaker" type="Dummy"/></group>`},
			{"-R", "-o", "resources", "-X", `<resources><group id="g"><primitive id="g1" class="ocf" provider="pacemaker" type="Dummy"/></group><primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/></resources>`}},
		{{"-D", "-X", `<primitive id="a"/>`}},
		{{"-M", "-o", "status", "-X", `<node_state id="1" crmd="online"/>`}, {"-C", "-o", "status", "-X", `<node_state id="2" uname="n2"/>`}},
		{{"-M", "-X", `<nvpair id="o1" value="true"/>`}},
	}
	for n, sc := range scenarios {
		next := filepath.Join(dir, "next.xml")
		copyFile(t, orig, next)
		for _, args := range sc {
			if _, e, code := runIn(t, next, "", args...); code != 0 {
				t.Fatalf("scenario %d: setting up with %v: %d %s", n, args, code, e)
			}
		}
		cmd := exec.Command(crmDiff, "-o", orig, "-n", next)
		var patch bytes.Buffer
		cmd.Stdout = &patch
		_ = cmd.Run() // exit 1 means "they differ"
		pfile := filepath.Join(dir, "patch.xml")
		if err := os.WriteFile(pfile, patch.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		theirs, ours := filepath.Join(dir, "t.xml"), filepath.Join(dir, "o.xml")
		copyFile(t, orig, theirs)
		copyFile(t, orig, ours)
		for round := 0; round < 2; round++ { // the second time the CIB is newer: refused
			_, tcode := runOracle(t, bin, theirs, "-P", "-x", pfile)
			_, _, ocode := runIn(t, ours, "", "-P", "-x", pfile)
			tb, _ := os.ReadFile(theirs)
			ob, _ := os.ReadFile(ours)
			if tcode != int(ocode) || !bytes.Equal(tb, ob) {
				t.Errorf("scenario %d round %d: exit %d vs Pacemaker %d\npatch:\n%s\nPacemaker:\n%s\nPacer:\n%s", n, round, ocode, tcode, patch.String(), tb, ob)
			}
		}
	}
	// A CIB older than the patch's source cannot take it.
	older := filepath.Join(dir, "older.xml")
	if err := os.WriteFile(older, []byte(strings.Replace(base, `epoch="1"`, `epoch="0"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	pfile := filepath.Join(dir, "patch.xml")
	_, tcode := runOracle(t, bin, older, "-P", "-x", pfile)
	_, _, ocode := runIn(t, older, "", "-P", "-x", pfile)
	if tcode != int(ocode) {
		t.Errorf("older CIB: exit %d vs Pacemaker %d", ocode, tcode)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

const patchBase = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="o">
        <nvpair id="o1" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true"/>
  </status>
</cib>
`
