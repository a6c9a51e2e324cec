package crmmon

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/internal/testenv"
)

// TestRenderEverything renders every shared case with every section turned
// on, as text and XML: nothing may fail, and the XML must parse.
func TestRenderEverything(t *testing.T) {
	dir := filepath.Join(testenv.SharedDir(t), "pacemaker-scheduler", "xml")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) == 0 {
		t.Skip("no cases")
	}
	now := time.Unix(1700000000, 0)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cluster.UnpackBytes(data, now)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, o := range []Options{
			{Inactive: true, FailCounts: true, Attributes: true},
			{Inactive: true, Operations: true, Timing: true, GroupByNode: true},
		} {
			var buf bytes.Buffer
			if err := Render(&buf, c, Header{Now: now}, o); err != nil {
				t.Errorf("%s: %v", f, err)
			}
			if !strings.Contains(buf.String(), "Cluster Summary:") {
				t.Errorf("%s: no summary", f)
			}
		}
		var x bytes.Buffer
		if err := RenderXML(&x, c, Header{Now: now, Request: "crm_mon --output-as=xml"}, Options{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(x.Bytes()); err != nil {
			t.Errorf("%s: XML does not parse: %v", f, err)
		}
		if line, _ := Nagios(c); !strings.HasPrefix(line, "CLUSTER ") {
			t.Errorf("%s: nagios line %q", f, line)
		}
	}
}

func TestIntervalAndExecText(t *testing.T) {
	for ms, want := range map[int64]string{1000: "1000ms", 10000: "10s", 60000: "60s", 120000: "2m", 90000: "1m30s", 500: "500ms", 0: "0ms"} {
		if got := IntervalText(ms); got != want {
			t.Errorf("IntervalText(%d) = %q, want %q", ms, got, want)
		}
	}
	for ms, want := range map[int64]string{657: "657ms", 15001: "15.001s", 179014: "2m59.014s"} {
		if got := execText(ms); got != want {
			t.Errorf("execText(%d) = %q, want %q", ms, got, want)
		}
	}
}

func TestCompareNodeNames(t *testing.T) {
	names := []string{"node10", "node2", "Node1", "alpha", "node02a"}
	sortNames(names)
	if strings.Join(names, " ") != "alpha Node1 node2 node02a node10" {
		t.Errorf("order %v", names)
	}
}

func FuzzRender(f *testing.F) {
	f.Add([]byte(`<cib><configuration><nodes><node id="1" uname="a"/></nodes><resources><primitive id="r" class="ocf" provider="p" type="t"/></resources></configuration><status><node_state id="1" uname="a" in_ccm="true" crmd="online" join="member" expected="member"><lrm><lrm_resources><lrm_resource id="r"><lrm_rsc_op id="r_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/></lrm_resource></lrm_resources></lrm></node_state></status></cib>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := cluster.UnpackBytes(data, time.Unix(0, 0))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		_ = Render(&buf, c, Header{}, Options{Inactive: true, Operations: true, Timing: true, Attributes: true})
		_ = RenderStatus(&buf, c, Options{})
		_ = RenderXML(&buf, c, Header{}, Options{})
	})
}
