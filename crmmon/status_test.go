package crmmon

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/internal/testenv"
)

func renderCase(t testing.TB, xmlPath string) (string, error) {
	data, err := os.ReadFile(xmlPath)
	if err != nil {
		return "", err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return "", err
	}
	now := time.Now()
	c, err := cluster.UnpackWith(doc.Root(), now, RuleOptions(now))
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	buf.WriteString("Current cluster status:\n")
	if err := RenderStatus(&buf, c, Options{}); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// TestStatusBlocks renders every shared case and compares the status block
// with Pacemaker's summary. Cases listed in testdata/status-pass.txt must
// keep passing; set UPDATE_STATUS_PASS=1 to rewrite that list.
func TestStatusBlocks(t *testing.T) {
	dir := filepath.Join(testenv.SharedDir(t), "pacemaker-scheduler")
	files, _ := filepath.Glob(filepath.Join(dir, "xml", "*.xml"))
	if len(files) == 0 {
		t.Skip("no cases")
	}
	want := map[string]bool{}
	if data, err := os.ReadFile("testdata/status-pass.txt"); err == nil {
		for _, l := range strings.Fields(string(data)) {
			want[l] = true
		}
	}
	only := os.Getenv("STATUS_CASE")
	var passing []string
	total := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		if only != "" && name != only {
			continue
		}
		sum, err := os.ReadFile(filepath.Join(dir, "summary", name+".summary"))
		if err != nil {
			continue
		}
		total++
		got, err := renderCase(t, f)
		if err != nil {
			if want[name] {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		e, _ := testenv.Block(testenv.Normalise(string(sum)), "Current cluster status:")
		g, _ := testenv.Block(testenv.Normalise(got), "Current cluster status:")
		if strings.Join(e, "\n") == strings.Join(g, "\n") {
			passing = append(passing, name)
			continue
		}
		if os.Getenv("STATUS_LIST_FAILING") != "" {
			t.Logf("FAIL %s", name)
		}
		if want[name] || only != "" {
			t.Errorf("%s: status block differs\n--- want\n%s\n--- got\n%s", name,
				strings.Join(e, "\n"), strings.Join(g, "\n"))
		}
	}
	sort.Strings(passing)
	t.Logf("status blocks: %d/%d passing", len(passing), total)
	if os.Getenv("UPDATE_STATUS_PASS") != "" {
		if err := os.WriteFile("testdata/status-pass.txt", []byte(strings.Join(passing, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
