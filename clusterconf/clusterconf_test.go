package clusterconf

import (
	"strings"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/crmexit"
)

func TestLoadExample(t *testing.T) {
	c, err := Load("testdata/three.conf")
	if err != nil {
		t.Fatal(err)
	}
	if c.ClusterName != "prod" || len(c.Nodes) != 3 {
		t.Fatalf("got %+v", c)
	}
	want := []Node{{"alpha", 1, "10.0.0.1:7946"}, {"beta", 2, "10.0.0.2:7950"}, {"gamma", 3, "[fd00::3]:7946"}}
	for i, n := range want {
		if c.Nodes[i] != n {
			t.Errorf("node %d = %+v, want %+v", i, c.Nodes[i], n)
		}
	}
	if !c.WaitForAll || c.TwoNode {
		t.Errorf("quorum options: wait_for_all=%v two_node=%v", c.WaitForAll, c.TwoNode)
	}
	if c.Timing.ProbeInterval != 300*time.Millisecond || c.Timing.SuspicionMult != 3 {
		t.Errorf("timing %+v", c.Timing)
	}
	if c.Timing.ProbeTimeout != DefaultTiming().ProbeTimeout || c.StateDir != DefaultStateDir || c.RunDir != DefaultRunDir {
		t.Errorf("defaults not applied: %+v", c)
	}
	h, p := c.Bind(c.Nodes[1])
	if h != "10.0.0.2" || p != 7950 {
		t.Errorf("Bind = %s %d", h, p)
	}
	n, err := c.Local("gamma")
	if err != nil || n.ID != 3 {
		t.Errorf("Local(gamma) = %+v, %v", n, err)
	}
	if _, err := c.Local("delta"); crmexit.Of(err) != crmexit.Config {
		t.Errorf("Local(delta) err = %v", err)
	}
}

func TestDefaultsDetectFast(t *testing.T) {
	// The worst-case time to declare a silent node dead with memberlist is about
	// probe interval + probe timeout + suspicion timeout; keep it well under 1s.
	d := DefaultTiming()
	worst := d.ProbeInterval + d.ProbeTimeout + time.Duration(d.SuspicionMult)*d.ProbeInterval
	if worst >= time.Second {
		t.Errorf("default detection worst case %v, want < 1s", worst)
	}
}

func TestErrorsNameTheLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"cluster_name = a\nnode = x id=1 addr=1.2.3.4\nbogus = 1\n", "t.conf:3: unknown setting \"bogus\""},
		{"cluster_name = a\n\n# c\nnode x\n", "t.conf:4: expected \"key = value\""},
		{"cluster_name = a\nnode = x id=0 addr=h\n", "t.conf:2: node: id must be a positive integer"},
		{"cluster_name = a\nnode = x addr=h\n", "t.conf:2: node: node x has no id="},
		{"cluster_name = a\nnode = x id=1\n", "t.conf:2: node: node x has no addr="},
		{"cluster_name = a\nnode = x id=1 addr=h:99999\n", "t.conf:2: node: invalid port"},
		{"cluster_name = a\nnode = x id=1 addr=h foo=1\n", "t.conf:2: node: unknown node attribute \"foo\""},
		{"cluster_name = a\nnode = x id=1 addr=h\ntwo_node = maybe\n", "t.conf:3: two_node: expected yes/no"},
		{"cluster_name = a\ncluster_name = b\n", "t.conf:2: cluster_name is already set on line 1"},
		{"cluster_name = a\nnode = x id=1 addr=h\nprobe_interval = soon\n", "t.conf:3: probe_interval: invalid duration"},
		{"cluster_name = a\nnode = x id=1 addr=h\nprobe_interval = -1s\n", "t.conf:3: probe_interval: duration must be positive"},
		{"cluster_name =\n", "t.conf:1: cluster_name has no value"},
		{"node = x id=1 addr=h\n", "t.conf: cluster_name is not set"},
		{"cluster_name = a\n", "t.conf: no node = lines"},
		{"cluster_name = a\nnode = x id=1 addr=h\nnode = x id=2 addr=i\n", "node x is listed twice"},
		{"cluster_name = a\nnode = x id=1 addr=h\nnode = y id=1 addr=i\n", "have the same id 1"},
		{"cluster_name = a\nnode = x id=1 addr=h\nnode = y id=2 addr=h\n", "have the same addr"},
		{"cluster_name = a\nnode = x id=1 addr=h\ntwo_node = yes\n", "two_node = yes needs exactly 2 nodes"},
		{"cluster_name = a\nnode = x id=1 addr=h\nprobe_timeout = 2s\n", "probe_timeout (2s) must be shorter"},
		{"cluster_name = a\nnode = x/y id=1 addr=h\n", "invalid node name"},
	}
	for _, tc := range cases {
		_, err := Parse(strings.NewReader(tc.in), "t.conf")
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.in, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q, want it to contain %q", tc.in, err, tc.want)
		}
		if crmexit.Of(err) != crmexit.Config {
			t.Errorf("%q: exit code %d, want %d", tc.in, crmexit.Of(err), crmexit.Config)
		}
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load("testdata/nope.conf")
	if crmexit.Of(err) != crmexit.NoInput {
		t.Fatalf("err %v code %d", err, crmexit.Of(err))
	}
}

func TestBareMillisecondsAndBind(t *testing.T) {
	c, err := Parse(strings.NewReader("cluster_name=a\nnode=x id=1 addr=127.0.0.2:8000\nbind = 0.0.0.0\nprobe_interval = 500\nprobe_timeout=250\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	if c.Timing.ProbeInterval != 500*time.Millisecond {
		t.Errorf("probe_interval %v", c.Timing.ProbeInterval)
	}
	h, p := c.Bind(c.Nodes[0])
	if h != "0.0.0.0" || p != 8000 {
		t.Errorf("Bind = %s:%d, want 0.0.0.0:8000", h, p)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("cluster_name = a\nnode = x id=1 addr=h\n")
	f.Add("node = [::1]:7 id=2 addr=[::1]:7\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(strings.NewReader(in), "f")
		if err == nil && (c.ClusterName == "" || len(c.Nodes) == 0) {
			t.Fatalf("accepted an incomplete config: %+v", c)
		}
	})
}
