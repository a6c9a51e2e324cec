package cib

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// mutate applies one random change to the configuration of c and says what it did.
// Some changes keep the CIB valid, others break it in a way Pacemaker's schema
// catches; the test does not assume which, it asks Pacemaker.
func mutate(r *rand.Rand, c *CIB) string {
	conf := c.Section("configuration")
	var all []*etree.Element
	walk(conf, func(e *etree.Element) bool {
		if e != conf {
			all = append(all, e)
		}
		return true
	})
	if len(all) == 0 {
		return ""
	}
	pick := func(keep func(*etree.Element) bool) *etree.Element {
		var c []*etree.Element
		for _, e := range all {
			if keep(e) {
				c = append(c, e)
			}
		}
		if len(c) == 0 {
			return nil
		}
		return c[r.Intn(len(c))]
	}
	withID := func(e *etree.Element) bool {
		return e.SelectAttrValue("id", "") != "" && e.Tag != "node" && !refByID[e.Tag]
	}
	switch r.Intn(9) {
	case 0:
		e := all[r.Intn(len(all))]
		e.CreateAttr("bogus-attr", "1")
		return "unknown attribute on " + e.Tag
	case 1:
		e := all[r.Intn(len(all))]
		old := e.Tag
		e.Tag = "bogus"
		return "rename " + old
	case 2:
		a, b := pick(withID), pick(withID)
		if a == nil || a == b {
			return ""
		}
		a.CreateAttr("id", b.SelectAttrValue("id", ""))
		return "duplicate id"
	case 3:
		e := pick(func(e *etree.Element) bool { return e.SelectAttr("score") != nil })
		if e == nil {
			return ""
		}
		e.CreateAttr("score", []string{"abc", "1.5", "INF", "", "+5", "-INFINITY", "0"}[r.Intn(7)])
		return "score " + e.SelectAttrValue("score", "")
	case 4:
		e := pick(func(e *etree.Element) bool {
			return e.SelectAttr("rsc") != nil || e.SelectAttr("first") != nil || e.Tag == "resource_ref"
		})
		if e == nil {
			return ""
		}
		for _, a := range []string{"rsc", "first", "id"} {
			if at := e.SelectAttr(a); at != nil {
				at.Value += "-missing"
				return "dangling " + a
			}
		}
	case 5:
		res := c.Section("resources")
		res.AddChild(mustElem(fmt.Sprintf(`<primitive id="added-%d" class="ocf" provider="pacemaker" type="Dummy"/>`, r.Intn(1000))))
		return "add primitive"
	case 6:
		e := pick(func(e *etree.Element) bool { return e.Tag == "primitive" && e.Parent().Tag == "group" })
		if e == nil {
			return ""
		}
		e.Parent().RemoveChild(e)
		return "remove group member"
	case 7:
		e := pick(func(e *etree.Element) bool { return e.Tag == "nvpair" })
		if e == nil {
			return ""
		}
		e.RemoveAttr("name")
		return "nvpair without name"
	case 8:
		e := pick(func(e *etree.Element) bool { return e.Tag == "op" })
		if e == nil {
			return ""
		}
		e.CreateAttr("timeout", "20s")
		e.CreateAttr("on-fail", "restart")
		return "valid op change"
	}
	return ""
}

func mustElem(s string) *etree.Element {
	e, err := ParseElement([]byte(s))
	if err != nil {
		panic(err)
	}
	return e
}

// Random changes to the shared CIBs (and our own rich example): Pacer's validation
// must reach the same verdict as Pacemaker's schema validation.
func TestValidationAgreesWithPacemaker(t *testing.T) {
	oracle, err := exec.LookPath("crm_verify")
	if err != nil {
		t.Skip("Pacemaker's crm_verify is not installed")
	}
	files := append(sharedCases(t), "testdata/rich.xml")
	r := rand.New(rand.NewSource(42))
	n := 200
	if testing.Short() {
		n = 20
	}
	dir := t.TempDir()
	valid, invalid := 0, 0
	defer func() { t.Logf("%d mutated CIBs valid, %d invalid, by both", valid, invalid) }()
	for i := 0; i < n; i++ {
		f := files[r.Intn(len(files))]
		if i%10 == 0 {
			f = "testdata/rich.xml"
		}
		c, err := ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		what := mutate(r, c)
		if what == "" {
			continue
		}
		p := filepath.Join(dir, fmt.Sprintf("m%d.xml", i))
		b, _ := c.Bytes()
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(oracle, "-x", p)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		theirs := strings.Contains(stderr.String(), "validity error")
		probs := c.Problems()
		switch {
		case theirs && len(probs) > 0:
			invalid++
		case !theirs && len(probs) == 0:
			valid++
		default:
			t.Errorf("%s + %s: Pacemaker invalid=%v, Pacer problems=%v\n%s", filepath.Base(f), what, theirs, probs, stderr.String())
		}
	}
}

func TestRichExampleIsValid(t *testing.T) {
	c, err := ParseFile("testdata/rich.xml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}
