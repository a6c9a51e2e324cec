package crmsh

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/beevik/etree"
)

// oracle runs real crmsh on an empty CIB file and returns the resulting CIB and
// crmsh's `show` of it. The script gets final `commit`, `refresh` (re-read the
// CIB, so show renders the stored XML rather than crmsh's parse) and `show` lines
// so that one crmsh process (slow to start) does both.
func oracle(script string) (cibXML []byte, show string, err error) {
	dir, err := os.MkdirTemp("", "crmsh-oracle")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	f := filepath.Join(dir, "cib.xml")
	empty, err := exec.Command("cibadmin", "--empty").Output()
	if err != nil {
		return nil, "", fmt.Errorf("cibadmin --empty: %w", err)
	}
	if err := os.WriteFile(f, empty, 0o600); err != nil {
		return nil, "", err
	}
	text, err := os.ReadFile(script)
	if err != nil {
		return nil, "", err
	}
	withShow := filepath.Join(dir, "script.crm")
	if err := os.WriteFile(withShow, append(text, []byte("\ncd\nconfigure\ncommit\nrefresh\nshow\n")...), 0o600); err != nil {
		return nil, "", err
	}
	cmd := exec.Command("crm", "-F", "-D", "plain", "-f", withShow)
	cmd.Env = append(os.Environ(), "CIB_file="+f, "HOME="+dir)
	var so bytes.Buffer
	cmd.Stdout = &so
	var se bytes.Buffer
	cmd.Stderr = &se
	_ = cmd.Run() // scripts with failing lines exit 1; the CIB is what we compare
	if strings.Contains(so.String()+se.String(), "Traceback (most recent call last)") {
		return nil, "", fmt.Errorf("crmsh crashed on %s:\n%s%s", script, so.String(), se.String())
	}
	out, err := os.ReadFile(f)
	if err != nil {
		return nil, "", err
	}
	// In -f mode crmsh writes its INFO/WARNING/ERROR messages to stdout too.
	var keep []string
	for _, l := range strings.Split(so.String(), "\n") {
		if !logLine.MatchString(l) {
			keep = append(keep, l)
		}
	}
	return out, strings.Join(keep, "\n"), nil
}

var logLine = regexp.MustCompile(`^(\x1b\[[0-9;]*m)?(INFO|WARNING|ERROR)(\x1b\[0m)?: `)

// canonical renders <configuration> with whitespace dropped and attributes
// sorted: neither is meaningful in the CIB.
func canonical(t *testing.T, root *etree.Element) string {
	t.Helper()
	cfg := root.SelectElement("configuration")
	if cfg == nil {
		t.Fatal("no configuration")
	}
	c := cfg.Copy()
	walk(c, func(e *etree.Element) bool {
		sort.Slice(e.Attr, func(i, j int) bool { return e.Attr[i].Key < e.Attr[j].Key })
		for _, ch := range e.Child {
			if cd, ok := ch.(*etree.CharData); ok && strings.TrimSpace(cd.Data) == "" {
				e.RemoveChild(cd)
			}
		}
		return true
	})
	doc := etree.NewDocument()
	doc.SetRoot(c)
	doc.Indent(1)
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func parseCIB(t *testing.T, data []byte) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc.Root()
}

func haveCrmsh() bool {
	for _, b := range []string{"crm", "cibadmin"} {
		if _, err := exec.LookPath(b); err != nil {
			return false
		}
	}
	return true
}

// TestDifferential runs every testdata/*.crm through crmsh and through this
// package and compares the configurations, then compares `show` of crmsh's CIB.
func TestDifferential(t *testing.T) {
	if !haveCrmsh() {
		t.Skip("crmsh (crm, cibadmin) not installed")
	}
	// CRMSH_SCRIPTS narrows the run to a glob (e.g. "1[0-2]*") while working on
	// a few scripts; the oracle runs happen before subtests, so -run cannot.
	pattern := "*"
	if p := os.Getenv("CRMSH_SCRIPTS"); p != "" {
		pattern = p
	}
	scripts, err := filepath.Glob("testdata/" + pattern + ".crm")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	empty, err := exec.Command("cibadmin", "--empty").Output()
	if err != nil {
		t.Fatal(err)
	}
	// crmsh spends part of its time waiting on the Pacemaker tools it runs, so
	// the oracle runs use one worker more than there are CPUs.
	type result struct {
		cib  []byte
		show string
		err  error
	}
	results := make([]result, len(scripts))
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.NumCPU()+1; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				c, sh, err := oracle(scripts[i])
				results[i] = result{c, sh, err}
			}
		}()
	}
	for i := range scripts {
		work <- i
	}
	close(work)
	wg.Wait()
	cibOK, showOK := 0, 0
	for i, path := range scripts {
		want, wantShow := results[i].cib, results[i].show
		t.Run(strings.TrimSuffix(filepath.Base(path), ".crm"), func(t *testing.T) {
			if results[i].err != nil {
				t.Fatalf("crmsh: %v", results[i].err)
			}
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			root := parseCIB(t, empty)
			sc := &Script{Session: NewSession(root, nil, nil), ReadFile: os.ReadFile}
			sc.Run(string(text))
			if got, exp := canonical(t, root), canonical(t, parseCIB(t, want)); got != exp {
				t.Errorf("configuration differs from crmsh\n--- crmsh\n%s\n--- pacer\n%s", exp, got)
			} else {
				cibOK++
			}
			var got bytes.Buffer
			if err := Show(parseCIB(t, want), &got); err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(got.String()) != strings.TrimSpace(wantShow) {
				t.Errorf("show differs from crmsh\n--- crmsh\n%s\n--- pacer\n%s", wantShow, got.String())
			} else {
				showOK++
			}
		})
	}
	t.Logf("configuration matches crmsh: %d/%d; show matches: %d/%d", cibOK, len(scripts), showOK, len(scripts))
}

// TestShowXMLAgainstCrmsh renders CIBs written by hand or by other tools
// (testdata/show-*.xml, explicit ids and all) with crmsh and with Show.
func TestShowXMLAgainstCrmsh(t *testing.T) {
	if !haveCrmsh() {
		t.Skip("crmsh (crm, cibadmin) not installed")
	}
	files, err := filepath.Glob("testdata/show-*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no CIBs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cmd := exec.Command("crm", "-D", "plain", "configure", "show")
			cmd.Env = append(os.Environ(), "CIB_file="+f, "HOME="+t.TempDir())
			want, err := cmd.Output()
			if err != nil {
				t.Fatalf("crmsh: %v", err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Show(parseCIB(t, data), &got); err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(got.String()) != strings.TrimSpace(string(want)) {
				t.Errorf("show differs\n--- crmsh\n%s\n--- pacer\n%s", want, got.String())
			}
			// What show prints must load back to the same text.
			again := parseCIB(t, []byte(emptyCIB))
			if err := NewSession(again, nil, nil).Load("replace", got.String()); err != nil {
				t.Fatalf("load of show output: %v", err)
			}
			var back bytes.Buffer
			if err := Show(again, &back); err != nil {
				t.Fatal(err)
			}
			if back.String() != got.String() {
				t.Errorf("show -> load -> show differs\n--- first\n%s\n--- second\n%s", got.String(), back.String())
			}
		})
	}
}
