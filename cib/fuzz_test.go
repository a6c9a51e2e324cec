package cib

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

func addSeeds(f *testing.F) {
	f.Add([]byte(xpDoc))
	f.Add([]byte(emptyXML))
	f.Add([]byte(`<?xml version="1.0"?><!-- c --><cib a='1' b="&lt;&#10;&#x41;"><x><![CDATA[<y>]]></x>t&amp;</cib>`))
	f.Add([]byte(`<cib><configuration attr="a&#9;b"/></cib>`))
	f.Add([]byte("<cib>\r\n<a b=\"x\ny\"/></cib>"))
	if files, err := os.ReadDir("testdata"); err == nil {
		for _, e := range files {
			if b, err := os.ReadFile("testdata/" + e.Name()); err == nil && !e.IsDir() {
				f.Add(b)
			}
		}
	}
}

// sameTree compares tags, attributes and non-whitespace text of two trees.
func sameTree(a, b *etree.Element, normAttr func(string) string) bool {
	if a.FullTag() != b.FullTag() || len(a.Attr) != len(b.Attr) {
		return false
	}
	for i := range a.Attr {
		if a.Attr[i].FullKey() != b.Attr[i].FullKey() || normAttr(a.Attr[i].Value) != normAttr(b.Attr[i].Value) {
			return false
		}
	}
	ac, bc := a.ChildElements(), b.ChildElements()
	if len(ac) != len(bc) {
		return false
	}
	for i := range ac {
		if !sameTree(ac[i], bc[i], normAttr) {
			return false
		}
	}
	return true
}

// FuzzParse: parsing never panics; what parses re-serialises to something that parses
// to the same bytes again; and where encoding/xml (via etree) also accepts the input,
// both see the same elements and attributes.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(fmt.Sprintf("%q", data))()
		doc, err := parseXML(data)
		if err != nil {
			return
		}
		var b1 bytes.Buffer
		writeDoc(&b1, doc)
		doc2, err := parseXML(b1.Bytes())
		if err != nil {
			t.Fatalf("own output does not parse: %v\n%q", err, b1.Bytes())
		}
		var b2 bytes.Buffer
		writeDoc(&b2, doc2)
		if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
			t.Fatalf("serialisation not stable:\n%q\n%q", b1.Bytes(), b2.Bytes())
		}
		ref := etree.NewDocument()
		if ref.ReadFromBytes(data) != nil || ref.Root() == nil || doc.Root() == nil {
			return
		}
		norm := func(s string) string {
			return strings.NewReplacer("\r\n", " ", "\n", " ", "\t", " ", "\r", " ").Replace(s)
		}
		if !strings.Contains(string(data), "\r") && !sameTree(doc.Root(), ref.Root(), norm) {
			t.Fatalf("differs from encoding/xml on %q", data)
		}
	})
}

// FuzzOps feeds arbitrary XML to the cibadmin operations: none may panic, and a
// failing one must leave the CIB byte-for-byte unchanged.
func FuzzOps(f *testing.F) {
	f.Add([]byte(`<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>`), "resources", uint8(0))
	f.Add([]byte(`<rsc_location id="l" rsc="a" node="n1" score="INFINITY"/>`), "constraints", uint8(1))
	f.Add([]byte(`<resources/>`), "resources", uint8(2))
	f.Add([]byte(`<primitive id="b"/>`), "", uint8(3))
	f.Add([]byte(`<cib epoch="epoch++"/>`), "", uint8(1))
	f.Add([]byte(`<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/></version><change operation="create" path="/cib/configuration/resources" position="0"><primitive id="z" class="ocf" type="Dummy"/></change><change operation="move" path="//primitive[@id='a']" position="1"/></diff>`), "", uint8(6))
	f.Fuzz(func(t *testing.T, data []byte, scope string, op uint8) {
		defer watchdog(fmt.Sprintf("op %d scope %q data %q", op, scope, data))()
		c, err := Parse([]byte(xpDoc))
		if err != nil {
			t.Fatal(err)
		}
		x, err := ParseElement(data)
		if err != nil {
			return
		}
		before := c.String()
		switch op % 7 {
		case 0:
			err = c.Create(scope, x)
		case 1:
			err = c.Modify(scope, x, op&8 != 0)
		case 2:
			err = c.Replace(scope, x, op&8 != 0)
		case 3:
			err = c.Delete(scope, x)
		case 4:
			err = c.DeleteXPath(string(data), op&8 != 0)
		case 5:
			_, err = c.Query(scope, string(data), op&8 != 0)
		case 6:
			err = c.ApplyPatch(x)
		}
		if err != nil && c.String() != before {
			t.Fatalf("failed op %d changed the CIB", op%7)
		}
		if err == nil && (op%7 < 4 || op%7 == 6) {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("op %d left an invalid CIB: %v", op%7, verr)
			}
		}
	})
}

// FuzzXPath: the XPath evaluator never panics.
func FuzzXPath(f *testing.F) {
	for _, s := range []string{"//primitive[@id='a']", "/cib/*[2]", "//*[contains(@id,'a') and not(@x)]/..", "count(//x)", "//a|//b", "//nvpair/@value"} {
		f.Add(s)
	}
	c, err := Parse([]byte(xpDoc))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		defer watchdog(fmt.Sprintf("%q", expr))()
		_, _ = c.XPath(expr)
	})
}

// watchdog panics (which the fuzzer records as a failure with its input) when one
// input takes unreasonably long: a hang would otherwise just stall the fuzzer.
func watchdog(input string) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			panic("no result after 10s for input " + input)
		}
	}()
	return func() { close(done) }
}
