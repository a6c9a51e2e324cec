package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/internal/testenv"
)

// requestProg matches the program path the XML request echoes as invoked.
var requestProg = regexp.MustCompile(`request="[^" ]*crm_resource `)

// TestXMLAgainstPacemaker compares --output-as=xml (and the text of the
// operation listings) with Pacemaker's crm_resource: exit code, stdout and
// stderr, on the test CIBs and on every 16th shared scheduler case. The
// commands in testdata/xml-pass.txt must stay identical; UPDATE_ORACLE_PASS=1
// rewrites the list.
func TestXMLAgainstPacemaker(t *testing.T) {
	pcmk, err := exec.LookPath("crm_resource")
	if err != nil {
		t.Skip("Pacemaker's crm_resource not installed")
	}
	if testing.Short() {
		t.Skip("slow: runs the oracle")
	}
	files := []string{"testdata/clone-anon-failcount.xml", "testdata/constraints.xml", "testdata/multi1.xml",
		"testdata/empty.xml", "testdata/group-anticolocation.xml", "testdata/ticket-promoted-2.xml"}
	shared, _ := filepath.Glob(filepath.Join(testenv.SharedDir(t), "pacemaker-scheduler", "xml", "*.xml"))
	sort.Strings(shared)
	for i := 0; i < len(shared); i += 16 {
		files = append(files, shared[i])
	}
	update := os.Getenv("UPDATE_ORACLE_PASS") != ""
	want := map[string]bool{}
	data, _ := os.ReadFile("testdata/xml-pass.txt")
	for _, l := range strings.Split(string(data), "\n") {
		want[l] = true
	}
	var passing []string
	same, total := 0, 0
	for _, f := range files {
		cmds := [][]string{
			{"--list"}, {"--list-raw"}, {"--why"}, {"--list-operations"}, {"--list-all-operations"},
			{"--locate", "-r", "nosuch"},
		}
		// Per-resource commands on the first and last configured resource.
		for _, id := range resourceIDs(t, f) {
			cmds = append(cmds, []string{"--locate", "-r", id}, []string{"--why", "-r", id},
				[]string{"--constraints", "-r", id}, []string{"--stack", "-r", id},
				[]string{"--list-operations", "-r", id}, []string{"-r", id, "--get-parameter", "target-role", "--meta"})
		}
		t.Setenv("CIB_file", f)
		for _, args := range cmds {
			variants := [][]string{append(append([]string(nil), args...), "--output-as=xml")}
			if strings.HasPrefix(args[0], "--list-") && strings.HasSuffix(args[0], "operations") {
				variants = append(variants, args)
			}
			for _, a := range variants {
				key := filepath.Base(f) + ": " + strings.Join(a, " ")
				if !update && !want[key] {
					continue
				}
				total++
				exp := runPacemaker(t, pcmk, a...)
				exp.stdout = requestProg.ReplaceAllString(exp.stdout, `request="crm_resource `)
				got := runPacer(t, a...)
				if got != exp {
					if update {
						continue
					}
					t.Errorf("%s: crm_resource %s:\n got  rc %d\nstdout %s\nstderr %q\n want rc %d\nstdout %s\nstderr %q",
						filepath.Base(f), strings.Join(a, " "), got.code, clip(got.stdout), got.stderr, exp.code, clip(exp.stdout), exp.stderr)
					continue
				}
				same++
				passing = append(passing, key)
			}
		}
	}
	t.Logf("%d of %d commands identical to Pacemaker's", same, total)
	if update {
		if err := os.WriteFile("testdata/xml-pass.txt", []byte(strings.Join(passing, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// resourceIDs names the first and the last top-level resource of a CIB.
func resourceIDs(t *testing.T, path string) []string {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(path); err != nil {
		t.Fatal(err)
	}
	res := doc.FindElement("//configuration/resources")
	if res == nil || len(res.ChildElements()) == 0 {
		return nil
	}
	kids := res.ChildElements()
	ids := []string{kids[0].SelectAttrValue("id", "")}
	if len(kids) > 1 {
		ids = append(ids, kids[len(kids)-1].SelectAttrValue("id", ""))
	}
	return ids
}
