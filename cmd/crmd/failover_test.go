package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/controller/cibmodel"
	"github.com/pacer-ha/pacer/internal/netcluster"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/pengine"
)

// configureDummy turns fencing off and adds a Dummy resource with a monitor.
func configureDummy(ctx context.Context, sock, id string) error {
	return configure(ctx, sock, "", fmt.Sprintf(`<primitive id="%[1]s" class="ocf" provider="pacer" type="Dummy">
  <operations><op id="%[1]s-mon" name="monitor" interval="2s" timeout="10s"/></operations></primitive>`, id))
}

// configure turns fencing off (plus the cluster options in extraProps, as
// nvpair XML) and creates one resource from rscXML, in one write.
func configure(ctx context.Context, sock, extraProps, rscXML string) error {
	b, err := ipc.DialBackend(ctx, sock)
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Update(ctx, func(c *cib.CIB) error {
		props, err := cib.ParseElement([]byte(`<cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/>` +
			extraProps + `</cluster_property_set>`))
		if err != nil {
			return err
		}
		if err := c.Create("crm_config", props); err != nil {
			return err
		}
		x, err := cib.ParseElement([]byte(rscXML))
		if err != nil {
			return err
		}
		return c.Create("resources", x)
	})
}

// preferNode adds a location preference (score 100) of rsc for node.
func preferNode(ctx context.Context, sock, rsc, node string) error {
	b, err := ipc.DialBackend(ctx, sock)
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Update(ctx, func(c *cib.CIB) error {
		x, err := cib.ParseElement([]byte(fmt.Sprintf(`<rsc_location id="%[1]s-prefers-%[2]s" rsc="%[1]s" node="%[2]s" score="100"/>`, rsc, node)))
		if err != nil {
			return err
		}
		return c.Create("constraints", x)
	})
}

// runningOn reads where the CIB says a resource runs (online nodes only),
// and whether the scheduler has nothing left to do.
func runningOn(doc []byte, id string) (nodes []string, idle bool, err error) {
	x := etree.NewDocument()
	if err := x.ReadFromBytes(doc); err != nil {
		return nil, false, err
	}
	cl, err := pengine.Unpack(x.Root(), time.Now())
	if err != nil {
		return nil, false, err
	}
	if r := cl.ByID[id]; r != nil {
		for _, n := range r.RunningOn {
			nodes = append(nodes, n.Name)
		}
	}
	g, err := scheduleGraph(doc)
	if err != nil {
		return nil, false, err
	}
	return nodes, g.Len() == 0, nil
}

// pendingActions lists what the scheduler would still do on a CIB.
func pendingActions(doc []byte) string {
	g, err := scheduleGraph(doc)
	if err != nil {
		return err.Error()
	}
	return graphKeys(g)
}

// waitRunning waits until one of the nodes' CIBs says id runs on exactly one
// node among want (and, with idle, that the scheduler is done). It returns
// the node.
func waitRunning(c *netcluster.Cluster, from []string, id string, want []string, idle bool, within time.Duration) (string, error) {
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		for _, n := range from {
			_, doc, err := netcluster.Status(c.Nodes[n].Sock)
			if err != nil {
				last = err.Error()
				continue
			}
			on, done, err := runningOn(doc, id)
			if err != nil {
				return "", err
			}
			if len(on) == 1 && slices.Contains(want, on[0]) && (done || !idle) {
				return on[0], nil
			}
			last = fmt.Sprintf("%s's CIB: %s running on %v, idle %v (pending: %s); history:%s", n, id, on, done, pendingActions(doc), history(doc, id))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return "", fmt.Errorf("%s not running on one of %v within %v: %s", id, want, within, last)
}

// history renders a resource's operation history on every node.
func history(doc []byte, id string) string {
	x := etree.NewDocument()
	if err := x.ReadFromBytes(doc); err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, ns := range x.FindElements("//node_state") {
		for _, lr := range ns.FindElements("lrm/lrm_resources/lrm_resource[@id='" + id + "']") {
			for _, op := range lr.SelectElements("lrm_rsc_op") {
				fmt.Fprintf(&b, "\n  %s: %s call-id=%s rc=%s op=%s", ns.SelectAttrValue("uname", ""), op.SelectAttrValue("id", ""),
					op.SelectAttrValue("call-id", ""), op.SelectAttrValue("rc-code", ""), op.SelectAttrValue("operation_key", ""))
			}
		}
	}
	return b.String()
}

func stateFile(c *netcluster.Cluster, node, id string) string {
	return filepath.Join(c.Nodes[node].RscTmp, "Dummy-"+id+".state")
}

func TestResourceFailover(t *testing.T) {
	c, names, dc := startThree(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := configureDummy(ctx, c.Nodes[dc].Sock, "d"); err != nil {
		t.Fatal(err)
	}
	on, err := waitRunning(c, names, "d", names, true, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("d started on %s (DC %s)", on, dc)
	const trials = 5
	var times []time.Duration
	for trial := range trials {
		for _, n := range names {
			_, err := os.Stat(stateFile(c, n, "d"))
			if running := err == nil; running != (n == on) {
				t.Fatalf("trial %d: Dummy state file on %s: %v (d runs on %s)", trial, n, err, on)
			}
		}
		var rest []string
		for _, n := range names {
			if n != on {
				rest = append(rest, n)
			}
		}
		st, _, err := netcluster.Status(c.Nodes[on].Sock)
		if err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		c.Kill(on)
		// The node is gone and its agents with it (a reboot clears the state).
		os.Remove(stateFile(c, on, "d"))
		next, err := waitRunning(c, rest, "d", rest, false, 15*time.Second)
		if err != nil {
			t.Fatalf("trial %d: after killing %s: %v", trial, on, err)
		}
		took := time.Since(killed)
		times = append(times, took)
		t.Logf("trial %d: killed %s (DC: %s), d Started on %s after %v", trial, on, st.DC, next, took.Round(time.Millisecond))
		if _, err := os.Stat(stateFile(c, next, "d")); err != nil {
			t.Errorf("trial %d: the CIB says d runs on %s but its agent state is missing: %v", trial, next, err)
		}
		if os.Getenv("CRMD_TEST_TIMELINE") != "" {
			t.Logf("killed at %s", killed.UTC().Format("15:04:05.000"))
			for _, n := range rest {
				b, _ := os.ReadFile(c.Nodes[n].Log)
				t.Logf("--- %s ---\n%s", n, netcluster.Tail(string(b), 30))
			}
		}
		// The killed node comes back; its history is refreshed and d stays.
		c.Start(on)
		c.WaitAgree(names, 15*time.Second)
		if on, err = waitRunning(c, names, "d", []string{next}, true, 15*time.Second); err != nil {
			t.Fatalf("trial %d: after the restart: %v", trial, err)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	t.Logf("kill -> Started on a survivor: median %v, min %v, max %v over %d kills",
		times[len(times)/2].Round(time.Millisecond), times[0].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), len(times))

	// The node running d is not the DC: move d to a node that is not, kill it.
	st, _, err := netcluster.Status(c.Nodes[on].Sock)
	if err != nil {
		t.Fatal(err)
	}
	var target string
	for _, n := range names {
		if n != st.DC && n != on {
			target = n
		}
	}
	if target == "" {
		for _, n := range names {
			if n != st.DC {
				target = n
			}
		}
	}
	if err := preferNode(ctx, c.Nodes[st.DC].Sock, "d", target); err != nil {
		t.Fatal(err)
	}
	if _, err := waitRunning(c, names, "d", []string{target}, true, 15*time.Second); err != nil {
		t.Fatalf("moving d to %s: %v", target, err)
	}
	var rest []string
	for _, n := range names {
		if n != target {
			rest = append(rest, n)
		}
	}
	killed := time.Now()
	c.Kill(target)
	os.Remove(stateFile(c, target, "d"))
	next, err := waitRunning(c, rest, "d", rest, false, 15*time.Second)
	if err != nil {
		t.Fatalf("after killing %s (not the DC): %v", target, err)
	}
	t.Logf("killed %s (DC %s stays): d Started on %s after %v", target, st.DC, next, time.Since(killed).Round(time.Millisecond))
	c.Start(target)
	c.WaitAgree(names, 15*time.Second)
	// d goes back to the node it prefers.
	if on, err = waitRunning(c, names, "d", []string{target}, true, 15*time.Second); err != nil {
		t.Fatalf("after %s came back: %v", target, err)
	}

	// The resource's process dies (its state file disappears): the recurring
	// monitor reports it, the failure is counted and d is recovered in place.
	if err := os.Remove(stateFile(c, on, "d")); err != nil {
		t.Fatal(err)
	}
	failed := time.Now()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, doc, err := netcluster.Status(c.Nodes[on].Sock)
		if err != nil {
			t.Fatal(err)
		}
		v, ok, _ := cibmodel.Attribute(doc, c.IDs(), on, "fail-count-d#monitor_2000")
		nodes, idle, err := runningOn(doc, "d")
		if err != nil {
			t.Fatal(err)
		}
		if _, serr := os.Stat(stateFile(c, on, "d")); ok && v == "1" && idle && slices.Equal(nodes, []string{on}) && serr == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitor failure on %s not recovered: fail-count %q (%v), d on %v, idle %v", on, v, ok, nodes, idle)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("monitor failure on %s counted and recovered within %v of the state file's removal (monitor interval 2s)", on, time.Since(failed).Round(time.Millisecond))
}
