package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/ipc"
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

// TestDaemon drives attrd_updater against a stand-in for crmd's attribute
// API on a socket (no CIB_file).
func TestDaemon(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "crmd.sock")
	srv, err := ipc.Listen(sock, nil)
	if err != nil {
		t.Skipf("cannot listen on a unix socket: %v", err)
	}
	type call struct {
		op, node, name, value string
		dampen                int
	}
	var mu sync.Mutex
	var calls []call
	attrs := map[string]string{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go srv.Serve(ctx, ipc.HandlerFunc(func(_ context.Context, q ipc.Request) ipc.Response {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, call{q.Op, q.Node, q.Name, q.Value, q.DampenMS})
		switch q.Op {
		case ipc.OpAttrSet:
			attrs[q.Node+"/"+q.Name] = q.Value
		case ipc.OpAttrDelete:
			delete(attrs, q.Node+"/"+q.Name)
		case ipc.OpAttrGet:
			v, ok := attrs[q.Node+"/"+q.Name]
			return ipc.Response{ID: q.ID, Value: v, Found: ok}
		}
		return ipc.Response{ID: q.ID}
	}))
	t.Setenv("CIB_file", "")
	t.Setenv("PACER_SOCKET", sock)
	if rc, _, e := attrd(t, "-n", "pingd", "-U", "3", "-d", "5s", "-N", "n1"); rc != 0 {
		t.Fatalf("update: rc %d %s", rc, e)
	}
	if rc, out, _ := attrd(t, "-n", "pingd", "-Q", "-N", "n1"); rc != 0 || out != "name=\"pingd\" host=\"n1\" value=\"3\"\n" {
		t.Errorf("query: rc %d %q", rc, out)
	}
	if rc, _, _ := attrd(t, "-n", "pingd", "-D", "-N", "n1"); rc != 0 {
		t.Errorf("delete: rc %d", rc)
	}
	if rc, _, _ := attrd(t, "-n", "pingd", "-Q", "-N", "n1"); rc != int(crmexit.NoSuch) {
		t.Errorf("query after delete: rc %d", rc)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) == 0 || calls[0] != (call{ipc.OpAttrSet, "n1", "pingd", "3", 5000}) {
		t.Errorf("first call %+v, want attr-set n1 pingd=3 dampened 5000ms", calls)
	}
}
