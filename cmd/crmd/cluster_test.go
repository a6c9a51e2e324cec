package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/internal/netcluster"
	"github.com/pacer-ha/pacer/internal/testenv"
	"github.com/pacer-ha/pacer/ipc"
)

// These tests run real crmd processes (internal/netcluster): each node has
// its own state directory, run directory and socket.

// crmdBuild builds crmd once per test process (with Pacer's agents beside
// it, as after make); CRMD_TEST_RACE builds it with the race detector.
var crmdBuild = netcluster.Tools{Only: []string{"crmd"}, Race: os.Getenv("CRMD_TEST_RACE") != ""}

func crmdBinary(t *testing.T) string {
	t.Helper()
	return filepath.Join(crmdBuild.Bin(t, testenv.RepoRoot(t)), "crmd")
}

func TestMain(m *testing.M) {
	code := m.Run()
	crmdBuild.Remove()
	os.Exit(code)
}

// newCluster configures names on loopback ports with extra crmd.conf settings
// (wrongKey: nodes with a key of their own), without starting anything.
func newCluster(t *testing.T, names []string, extra string, wrongKey map[string]bool) *netcluster.Cluster {
	return netcluster.New(t, netcluster.Config{Crmd: crmdBinary(t), Names: names, Extra: extra, WrongKey: wrongKey})
}

// startThree starts crmds n1, n2 and n3 and waits until they agree on a DC
// and a CIB; it skips in -short mode.
func startThree(t *testing.T) (c *netcluster.Cluster, names []string, dc string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs three crmds with real agents")
	}
	names = []string{"n1", "n2", "n3"}
	c = newCluster(t, names, "", nil)
	for _, n := range names {
		c.Start(n)
	}
	return c, names, c.WaitAgree(names, 15*time.Second)
}

func createPrimitive(ctx context.Context, sock, id string) error {
	b, err := ipc.DialBackend(ctx, sock)
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Update(ctx, func(c *cib.CIB) error {
		x, err := cib.ParseElement([]byte(fmt.Sprintf(`<primitive id="%s" class="ocf" provider="pacer" type="Dummy"/>`, id)))
		if err != nil {
			return err
		}
		return c.Create("resources", x)
	})
}

func hasPrimitive(t *testing.T, sock, id string) bool {
	t.Helper()
	_, doc, err := netcluster.Status(sock)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(doc, []byte(`id="`+id+`"`))
}

func TestThreeNodesAgreeAndSurviveDCKill(t *testing.T) {
	names := []string{"alpha", "beta", "gamma"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.Start(n)
	}
	dc := c.WaitAgree(names, 15*time.Second)
	t.Logf("formed with DC %s", dc)
	var other string
	for _, n := range names {
		if n != dc {
			other = n
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := createPrimitive(ctx, c.Nodes[other].Sock, "written-via-"+other); err != nil {
		t.Fatalf("write through non-DC %s: %v", other, err)
	}
	t.Logf("write through %s acknowledged in %v", other, time.Since(start).Round(time.Millisecond))
	// The acknowledgement means every member has it on disk: kill the DC at once.
	killed := time.Now()
	c.Kill(dc)
	var rest []string
	for _, n := range names {
		if n != dc {
			rest = append(rest, n)
		}
	}
	newDC := c.WaitAgree(rest, 10*time.Second)
	t.Logf("DC %s killed; %s is DC after %v", dc, newDC, time.Since(killed).Round(time.Millisecond))
	for _, n := range rest {
		if !hasPrimitive(t, c.Nodes[n].Sock, "written-via-"+other) {
			t.Errorf("%s lost the acknowledged write", n)
		}
	}
	// Two of three keep quorum and accept writes.
	if err := createPrimitive(ctx, c.Nodes[rest[0]].Sock, "after-failover"); err != nil {
		t.Fatalf("write after failover: %v", err)
	}
	// The old DC restarts with its stored CIB and converges on the newer one.
	c.Start(dc)
	c.WaitAgree(names, 15*time.Second)
	if !hasPrimitive(t, c.Nodes[dc].Sock, "after-failover") {
		t.Errorf("restarted %s did not get the write made while it was down", dc)
	}
}

func TestWrongKeyCannotJoin(t *testing.T) {
	names := []string{"alpha", "beta", "intruder"}
	c := newCluster(t, names, "", map[string]bool{"intruder": true})
	for _, n := range names {
		c.Start(n)
	}
	c.WaitAgree([]string{"alpha", "beta"}, 15*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := createPrimitive(ctx, c.Nodes["alpha"].Sock, "secret"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // several rejoin attempts in both directions
	st, doc, err := netcluster.Status(c.Nodes["intruder"].Sock)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Members, []string{"intruder"}) {
		t.Errorf("intruder sees members %v", st.Members)
	}
	if bytes.Contains(doc, []byte("secret")) {
		t.Error("intruder received the cluster's CIB")
	}
	for _, n := range []string{"alpha", "beta"} {
		st, _, err := netcluster.Status(c.Nodes[n].Sock)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(st.Members, "intruder") {
			t.Errorf("%s lists the intruder as a member: %v", n, st.Members)
		}
	}
}

func TestTwoNodeKeepsWritingWithOneDown(t *testing.T) {
	names := []string{"alpha", "beta"}
	c := newCluster(t, names, "two_node = yes\nwait_for_all = yes\n", nil)
	for _, n := range names {
		c.Start(n)
	}
	dc := c.WaitAgree(names, 15*time.Second)
	var survivor string
	for _, n := range names {
		if n != dc {
			survivor = n
		}
	}
	c.Kill(dc)
	c.WaitAgree([]string{survivor}, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := createPrimitive(ctx, c.Nodes[survivor].Sock, "alone"); err != nil {
		t.Fatalf("write with one of two nodes down: %v", err)
	}
	st, doc, _ := netcluster.Status(c.Nodes[survivor].Sock)
	if !st.Quorate || !bytes.Contains(doc, []byte(`have-quorum="1"`)) {
		t.Errorf("survivor quorate=%v; CIB root: %s", st.Quorate, firstLine(doc))
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}

func TestAttributesAcrossNodes(t *testing.T) {
	names := []string{"alpha", "beta", "gamma"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.Start(n)
	}
	dc := c.WaitAgree(names, 15*time.Second)
	var other string
	for _, n := range names {
		if n != dc {
			other = n
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Set on a non-DC node for itself (node "" = local), read from every node.
	if err := c.Client(other).AttrSet(ctx, "", "pingd", "100", 0); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		v, ok, err := c.Client(n).AttrGet(ctx, other, "pingd")
		if err != nil || !ok || v != "100" {
			t.Errorf("%s reads %s's pingd = %q %v %v", n, other, v, ok, err)
		}
	}
	// A dampened update shows up only after the window.
	if err := c.Client(dc).AttrSet(ctx, other, "pingd", "200", 500); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := c.Client(dc).AttrGet(ctx, other, "pingd"); v != "100" {
		t.Errorf("dampened value visible at once: %q", v)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, _, _ := c.Client(dc).AttrGet(ctx, other, "pingd"); v == "200" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("dampened value never written")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The node fails: its transient attributes go with it.
	c.Kill(other)
	var rest []string
	for _, n := range names {
		if n != other {
			rest = append(rest, n)
		}
	}
	c.WaitAgree(rest, 10*time.Second)
	// The new partition's DC clears them right after it is ready: allow for
	// that write to reach everyone.
	deadline = time.Now().Add(5 * time.Second)
	for _, n := range rest {
		for {
			_, ok, err := c.Client(n).AttrGet(ctx, other, "pingd")
			if err == nil && !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s still has the failed node's attribute (%v)", n, err)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := c.Client(rest[0]).AttrSet(ctx, "nobody", "x", "1", 0); err == nil {
		t.Error("attribute on an unknown node accepted")
	}
}

func TestStatusCommand(t *testing.T) {
	names := []string{"alpha", "beta"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.Start(n)
	}
	dc := c.WaitAgree(names, 15*time.Second)
	out, err := exec.Command(crmdBinary(t), "status", "--socket", c.Nodes["beta"].Sock).CombinedOutput()
	if err != nil {
		t.Fatalf("crmd status: %v\n%s", err, out)
	}
	for _, want := range []string{"Node:     beta", "DC:       " + dc, "Quorum:   yes", "Members:  alpha beta (of alpha beta)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("crmd status lacks %q:\n%s", want, out)
		}
	}
	cmd := exec.Command(crmdBinary(t), "status", "--socket", filepath.Join(t.TempDir(), "none.sock"))
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 102 {
		t.Errorf("crmd status without a daemon: %v, exit %d, want 102", err, cmd.ProcessState.ExitCode())
	}
}

// TestGracefulStopHandsOver: a DC stopped with SIGTERM announces its departure,
// so the others re-elect at once instead of waiting for failure detection.
func TestGracefulStopHandsOver(t *testing.T) {
	names := []string{"alpha", "beta", "gamma"}
	c := newCluster(t, names, "", nil)
	for _, n := range names {
		c.Start(n)
	}
	dc := c.WaitAgree(names, 15*time.Second)
	stopped := time.Now()
	n := c.Nodes[dc]
	c.Signal(dc, syscall.SIGTERM)
	var rest []string
	for _, x := range names {
		if x != dc {
			rest = append(rest, x)
		}
	}
	newDC := c.WaitAgree(rest, 10*time.Second)
	took := time.Since(stopped)
	if err := c.Wait(dc); err != nil {
		t.Errorf("crmd exit after SIGTERM: %v", err)
	}
	t.Logf("DC %s stopped; %s took over after %v", dc, newDC, took.Round(time.Millisecond))
	if b, _ := os.ReadFile(c.Nodes[rest[0]].Log); !bytes.Contains(b, []byte(`msg="node left" node=`+rest[0]+` peer=`+dc)) {
		t.Errorf("%s did not see %s leave gracefully", rest[0], dc)
	}
	if _, err := os.Stat(n.Sock); !os.IsNotExist(err) {
		t.Errorf("socket %s left behind: %v", n.Sock, err)
	}
}
