package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

const testCIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources/><constraints/></configuration><status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`

func attrd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb, os.Getenv)
	return int(crmexit.Of(err)), out.String(), errb.String()
}

func TestTransientAttributes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(path, []byte(testCIB), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CIB_file", path)
	cibText := func() string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if rc, _, e := attrd(t, "-n", "pingd", "-U", "3", "-N", "n1"); rc != 0 {
		t.Fatalf("update: rc %d %s", rc, e)
	}
	// Compared without whitespace, so layout does not matter.
	if !strings.Contains(strings.Join(strings.Fields(cibText()), ""), `<transient_attributesid="1"><instance_attributesid="status-1"><nvpairid="status-1-pingd"name="pingd"value="3"/>`) {
		t.Errorf("attribute not in n1's transient attributes:\n%s", cibText())
	}
	if rc, out, _ := attrd(t, "-n", "pingd", "-Q", "-N", "n1"); rc != 0 || out != "name=\"pingd\" host=\"n1\" value=\"3\"\n" {
		t.Errorf("query: rc %d %q", rc, out)
	}
	// n2 has no status entry yet: it is created.
	if rc, _, e := attrd(t, "-n", "pingd", "-B", "1", "-d", "5s", "-N", "n2"); rc != 0 {
		t.Fatalf("update-both: rc %d %s", rc, e)
	}
	if rc, out, _ := attrd(t, "-n", "pingd", "-Q", "-A"); rc != 0 || out != "name=\"pingd\" host=\"n1\" value=\"3\"\nname=\"pingd\" host=\"n2\" value=\"1\"\n" {
		t.Errorf("query all: rc %d %q", rc, out)
	}
	if rc, _, _ := attrd(t, "-n", "pingd", "-D", "-N", "n1"); rc != 0 {
		t.Errorf("delete rc %d", rc)
	}
	if rc, _, e := attrd(t, "-n", "pingd", "-Q", "-N", "n1"); rc != int(crmexit.NoSuch) || !strings.Contains(e, "does not exist") {
		t.Errorf("query after delete: rc %d %q", rc, e)
	}
	if strings.Contains(cibText(), `name="pingd" value="3"`) {
		t.Error("deleted attribute still in the CIB")
	}
	if rc, _, e := attrd(t, "-U", "3"); rc != int(crmexit.Usage) || e != "attrd_updater: Command requires --name argument\n" {
		t.Errorf("no name: rc %d %q", rc, e)
	}
	if rc, _, _ := attrd(t, "-n", "x", "-U", "1", "-N", "nosuch"); rc != int(crmexit.NoSuch) {
		t.Errorf("unknown node: rc %d", rc)
	}
	if rc, _, _ := attrd(t, "-n", "x", "-B", "1"); rc != int(crmexit.Usage) {
		t.Errorf("-B without -d: rc %d", rc)
	}
	if rc, _, _ := attrd(t, "-n", "priv", "-U", "1", "-p", "-N", "n1"); rc != 0 || strings.Contains(cibText(), `name="priv"`) {
		t.Errorf("private attribute reached the CIB (rc %d)", rc)
	}
}
