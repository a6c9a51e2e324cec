package crmsh

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

const emptyCIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>`

func newRoot(t testing.TB) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(emptyCIB); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

func configString(root *etree.Element) string {
	doc := etree.NewDocument()
	doc.SetRoot(root.SelectElement("configuration").Copy())
	s, _ := doc.WriteToString()
	return s
}

func TestLex(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`primitive p1 Dummy`, []string{"primitive", "p1", "Dummy"}},
		{`params a="x y" b='c d'`, []string{"params", "a=x y", "b=c d"}},
		{`params l="a\"b" m=a\ b`, []string{"params", `l=a"b`, "m=a b"}},
		{"  tabs\tand  spaces ", []string{"tabs", "and", "spaces"}},
		{`d=""`, []string{"d="}},
	}
	for _, c := range cases {
		got, err := Lex(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Lex(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`a="open`, `a='open`} {
		if _, err := Lex(bad); err == nil {
			t.Errorf("Lex(%q) should fail", bad)
		}
	}
}

func TestSplitLines(t *testing.T) {
	got := SplitLines("# comment\nprimitive p1 Dummy \\\n\tparams a=1\n\n  # more\nshow\n")
	want := []Line{{2, "primitive p1 Dummy  \tparams a=1"}, {6, "show"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SplitLines = %#v, want %#v", got, want)
	}
}

func TestSyntaxErrorNamesWord(t *testing.T) {
	cases := []struct {
		cmd  string
		word int
		tok  string
	}{
		{"primitive p2 ocf:heartbeat:Dummy op monitor foo", 6, "foo"},
		{"location l1 p3 100 node1", 4, "100"},
		{"order o1 Bogus: a b", 3, "Bogus:"},
		{"colocation c1 a b", 3, "a"},
		{"primitive p1 nope:x:y", 3, "nope:x:y"},
		{"location l1 p1 rule 100: attr frob 3", 7, "frob"},
		{"modgroup g1 frob p1", 3, "frob"},
	}
	for _, c := range cases {
		root := newRoot(t)
		s := NewSession(root, nil, nil)
		for _, setup := range []string{"primitive p1 ocf:heartbeat:Dummy", "primitive p2 ocf:heartbeat:Dummy", "group g1 p2"} {
			if err := s.ExecLine(setup); err != nil {
				t.Fatal(err)
			}
		}
		err := s.ExecLine(c.cmd)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a syntax error", c.cmd, err)
			continue
		}
		if se.Word != c.word || se.Tok != c.tok {
			t.Errorf("%q: error at word %d %q, want %d %q (%v)", c.cmd, se.Word, se.Tok, c.word, c.tok, err)
		}
	}
}

func TestScriptReportsLineAndKeepsGoodLines(t *testing.T) {
	root := newRoot(t)
	err := Apply(root, "primitive p1 ocf:heartbeat:Dummy\n\nprimitive p2 ocf:heartbeat:Dummy op monitor foo\nprimitive p3 ocf:heartbeat:Dummy\n")
	var le *LineError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("got %v, want an error on line 3", err)
	}
	s := NewSession(root, nil, nil)
	if s.byID("p1") == nil || s.byID("p3") == nil || s.byID("p2") != nil {
		t.Errorf("want p1 and p3 applied, p2 not:\n%s", configString(root))
	}
}

// A failing command must leave the CIB exactly as it was, even when it failed
// half way (delete removes p1 before finding that nosuch does not exist).
func TestFailedCommandChangesNothing(t *testing.T) {
	root := newRoot(t)
	s := NewSession(root, nil, nil)
	if err := s.RunScript("primitive p1 ocf:heartbeat:Dummy\nprimitive p2 ocf:heartbeat:Dummy\nlocation l1 p1 100: n1\n"); err != nil {
		t.Fatal(err)
	}
	before := configString(root)
	for _, cmd := range []string{
		"rename p1 p2",
		"colocation c9 inf: ( p1:Started p2:Promoted )",
		"primitive p1 ocf:heartbeat:Dummy",
		"group g1 p1 missing",
	} {
		if err := s.ExecLine(cmd); err == nil {
			t.Errorf("%q should fail", cmd)
		}
		if after := configString(root); after != before {
			t.Errorf("%q changed the CIB:\n%s", cmd, after)
		}
	}
}

// show's output, loaded into an empty CIB with load replace, must give back the
// same configuration (ids included) for every differential script.
func TestShowRoundTrip(t *testing.T) {
	scripts, _ := filepath.Glob("testdata/*.crm")
	for _, path := range scripts {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// crmsh's text form drops explicit ids of sets and rules ($id= or from
		// loaded XML) and the default type string: of expressions, and rename
		// leaves tags pointing at the old id; none of these survive a round trip.
		if strings.Contains(string(text), "$id=") || strings.Contains(string(text), "\nrename ") ||
			strings.Contains(string(text), " string:") || strings.Contains(string(text), "load xml") {
			continue
		}
		root := newRoot(t)
		sc := &Script{Session: NewSession(root, nil, nil), ReadFile: os.ReadFile}
		sc.Run(string(text))
		var shown bytes.Buffer
		if err := Show(root, &shown); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(shown.String(), "******") {
			continue // hidden passwords cannot round-trip
		}
		again := newRoot(t)
		if err := NewSession(again, nil, nil).Load("replace", shown.String()); err != nil {
			t.Errorf("%s: load of show output failed: %v\n%s", path, err, shown.String())
			continue
		}
		sortSections(root)
		sortSections(again)
		if a, b := canonical(t, root), canonical(t, again); a != b {
			t.Errorf("%s: round trip differs\n--- original\n%s\n--- reloaded\n%s", path, a, b)
		}
	}
}

// sortSections orders the objects of each configuration section by tag and id:
// show prints them sorted, so their order in the CIB cannot survive a round trip
// (and means nothing outside a group).
func sortSections(root *etree.Element) {
	cfg := root.SelectElement("configuration")
	secs := cfg.ChildElements()
	for _, sec := range secs {
		cfg.RemoveChild(sec)
	}
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].Tag < secs[j].Tag })
	for _, sec := range secs {
		// An empty optional section is the same as none.
		switch sec.Tag {
		case "rsc_defaults", "op_defaults", "tags":
			if len(sec.ChildElements()) == 0 {
				continue
			}
		}
		cfg.AddChild(sec)
	}
	for _, sec := range cfg.ChildElements() {
		kids := sec.ChildElements()
		for _, k := range kids {
			sec.RemoveChild(k)
		}
		sort.SliceStable(kids, func(i, j int) bool {
			ki := kids[i].Tag + " " + kids[i].SelectAttrValue("id", "")
			kj := kids[j].Tag + " " + kids[j].SelectAttrValue("id", "")
			return ki < kj
		})
		for _, k := range kids {
			sec.AddChild(k)
		}
	}
}

func TestShowSelectedAndXML(t *testing.T) {
	root := newRoot(t)
	var out bytes.Buffer
	s := NewSession(root, &out, nil)
	if err := s.RunScript("primitive p1 ocf:heartbeat:Dummy\nprimitive p2 ocf:heartbeat:Dummy\nshow p2\n"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "primitive p2 Dummy\n" {
		t.Errorf("show p2 = %q", out.String())
	}
	out.Reset()
	if err := s.ExecLine("show xml p1"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "<?xml version=\"1.0\" ?>\n<cib") || !strings.Contains(out.String(), `id="p1"`) || strings.Contains(out.String(), `id="p2"`) {
		t.Errorf("show xml p1 = %s", out.String())
	}
	if err := s.ExecLine("show nosuch"); err == nil {
		t.Error("show of a missing object should fail")
	}
}

func TestDeleteMissing(t *testing.T) {
	root := newRoot(t)
	var log bytes.Buffer
	s := NewSession(root, nil, &log)
	if err := s.RunScript("primitive p1 ocf:heartbeat:Dummy\nprimitive p2 ocf:heartbeat:Dummy\n"); err != nil {
		t.Fatal(err)
	}
	// crmsh: missing ids are ignored when others exist; alone they only print.
	if err := s.ExecLine("delete p1 nosuch"); err != nil || s.byID("p1") != nil {
		t.Errorf("delete p1 nosuch: %v, p1 still there: %v", err, s.byID("p1") != nil)
	}
	if err := s.ExecLine("delete nosuch"); err != nil || !strings.Contains(log.String(), "object nosuch does not exist") {
		t.Errorf("delete nosuch: %v, log %q", err, log.String())
	}
	if s.byID("p2") == nil {
		t.Error("p2 was deleted")
	}
}

func TestVerify(t *testing.T) {
	root := newRoot(t)
	s := NewSession(root, nil, nil)
	if err := s.RunScript("primitive p1 ocf:heartbeat:Dummy\nlocation l1 p1 100: n1\nverify\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.RunScript("location l2 ghost 100: n1\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.ExecLine("verify"); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("verify = %v, want a complaint about ghost", err)
	}
}

func FuzzExec(f *testing.F) {
	scripts, _ := filepath.Glob("testdata/*.crm")
	for _, p := range scripts {
		if text, err := os.ReadFile(p); err == nil {
			for _, l := range SplitLines(string(text)) {
				f.Add(l.Text)
			}
		}
	}
	f.Add(`location l1 { p1 } rule $role=Promoted -inf: date in start=1 end=2 or a ne b`)
	f.Add(`order o ( [ a b ) ] c`)
	f.Fuzz(func(t *testing.T, line string) {
		root := newRoot(t)
		s := NewSession(root, nil, nil)
		_ = s.RunScript("primitive p1 ocf:heartbeat:Dummy\nprimitive p2 ocf:heartbeat:Dummy\ngroup g1 p2\n")
		before := configString(root)
		if err := s.ExecLine(line); err != nil {
			if after := configString(root); after != before {
				t.Fatalf("failed command %q changed the CIB", line)
			}
			return
		}
		var out bytes.Buffer
		if err := Show(root, &out); err != nil {
			t.Fatalf("show after %q: %v", line, err)
		}
	})
}

// FuzzShow renders arbitrary CIB XML: show must not panic on anything it is fed.
func FuzzShow(f *testing.F) {
	for _, p := range []string{"testdata/show-pcs-style.xml", "testdata/show-handmade.xml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`<cib><configuration><resources><clone/><primitive/></resources><constraints><rsc_location/><rsc_order/><rsc_colocation><resource_set/></rsc_colocation></constraints><fencing-topology><fencing-level/></fencing-topology></configuration></cib>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(data); err != nil || doc.Root() == nil {
			return
		}
		var out bytes.Buffer
		_ = Show(doc.Root(), &out)
	})
}

// FuzzLoad feeds arbitrary text to load update: no panic, and a failed load
// leaves the CIB as it was.
func FuzzLoad(f *testing.F) {
	scripts, _ := filepath.Glob("testdata/*.load")
	for _, p := range scripts {
		if text, err := os.ReadFile(p); err == nil {
			f.Add(string(text))
		}
	}
	f.Add("xml <primitive id=\"x\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>\ngroup g x")
	f.Fuzz(func(t *testing.T, text string) {
		root := newRoot(t)
		s := NewSession(root, nil, nil)
		_ = s.RunScript("primitive p1 ocf:heartbeat:Dummy\nprimitive p2 ocf:heartbeat:Dummy\ngroup g1 p2\nlocation l1 p1 10: n1\n")
		before := configString(root)
		if err := s.Load("update", text); err != nil && configString(root) != before {
			t.Fatalf("failed load changed the CIB")
		}
	})
}
