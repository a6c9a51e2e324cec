package cib

import (
	"errors"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/crmexit"
)

func mustParse(t *testing.T, s string) *CIB {
	t.Helper()
	c, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func elem(t *testing.T, s string) *etree.Element {
	t.Helper()
	e, err := ParseElement([]byte(s))
	if err != nil {
		t.Fatalf("ParseElement(%q): %v", s, err)
	}
	return e
}

func TestVersionCompare(t *testing.T) {
	cases := []struct {
		a, b Version
		want int
	}{
		{Version{0, 1, 0}, Version{0, 1, 0}, 0},
		{Version{0, 2, 0}, Version{0, 1, 9}, 1},
		{Version{1, 0, 0}, Version{0, 99, 99}, 1},
		{Version{0, 1, 1}, Version{0, 1, 2}, -1},
	}
	for _, tc := range cases {
		if got := tc.a.Compare(tc.b); got != tc.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if s := (Version{1, 2, 3}).String(); s != "1.2.3" {
		t.Errorf("String = %q", s)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in   string
		code crmexit.Code
	}{
		{"", crmexit.DataErr},
		{"<cib", crmexit.DataErr},
		{"<cib><configuration></cib>", crmexit.DataErr},
		{"<cib/><cib/>", crmexit.DataErr},
		{"hello", crmexit.DataErr},
		{"<foo/>", crmexit.Config},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.in))
		if err == nil {
			t.Errorf("Parse(%q) succeeded", tc.in)
			continue
		}
		if got := crmexit.Of(err); got != tc.code {
			t.Errorf("Parse(%q) code %d, want %d (%v)", tc.in, got, tc.code, err)
		}
	}
}

func TestEmpty(t *testing.T) {
	c := Empty()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if v := c.Version(); v != (Version{0, 1, 0}) {
		t.Errorf("version %v", v)
	}
	for _, s := range []string{"configuration", "crm_config", "nodes", "resources", "constraints", "status"} {
		if c.Section(s) == nil {
			t.Errorf("section %s missing", s)
		}
	}
	if c.Section("tags") != nil || c.Section("bogus") != nil {
		t.Error("absent sections should be nil")
	}
}

func codeOf(err error) crmexit.Code { return crmexit.Of(err) }

func TestCreate(t *testing.T) {
	c := Empty()
	before := c.String()
	p := elem(t, `<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>`)
	if err := c.Create("resources", p); err != nil {
		t.Fatal(err)
	}
	if v := c.Version(); v != (Version{0, 2, 0}) {
		t.Errorf("after create version %v, want 0.2.0", v)
	}
	if c.Section("resources").SelectElement("primitive") == nil {
		t.Fatal("primitive not added")
	}
	after := c.String()
	if after == before {
		t.Fatal("document unchanged")
	}
	// Same again: exists, and nothing changes.
	err := c.Create("resources", p)
	if codeOf(err) != crmexit.Exists || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second create: %v (code %d), want Exists", err, codeOf(err))
	}
	if c.String() != after {
		t.Error("failed create changed the CIB")
	}
	// Same id in another section: duplicate id (invalid configuration).
	err = c.Create("constraints", elem(t, `<rsc_location id="a" rsc="a" node="n1" score="1"/>`))
	if codeOf(err) != crmexit.Config || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("duplicate id: %v (code %d)", err, codeOf(err))
	}
	// No section: no such object.
	if err := c.Create("", elem(t, `<primitive id="b" class="ocf" type="Dummy"/>`)); codeOf(err) != crmexit.NoSuch {
		t.Errorf("create without scope: %v", err)
	}
	// Unknown element.
	if err := c.Create("resources", elem(t, `<foo id="d"/>`)); codeOf(err) != crmexit.Config || !strings.Contains(err.Error(), "foo") {
		t.Errorf("unknown element: %v", err)
	}
	// Dangling reference.
	if err := c.Create("constraints", elem(t, `<rsc_location id="l1" rsc="nope" node="n1" score="INFINITY"/>`)); codeOf(err) != crmexit.Config || !strings.Contains(err.Error(), "nope") {
		t.Errorf("dangling reference: %v", err)
	}
	// Bad score.
	if err := c.Create("constraints", elem(t, `<rsc_location id="l1" rsc="a" node="n1" score="abc"/>`)); codeOf(err) != crmexit.Config || !strings.Contains(err.Error(), "score") {
		t.Errorf("bad score: %v", err)
	}
	// Status create bumps num_updates only.
	if err := c.Create("status", elem(t, `<node_state id="1" uname="n1"/>`)); err != nil {
		t.Fatal(err)
	}
	if v := c.Version(); v != (Version{0, 2, 1}) {
		t.Errorf("after status create version %v, want 0.2.1", v)
	}
	// Creating a missing section.
	if err := c.Create("configuration", elem(t, `<tags/>`)); err != nil {
		t.Fatal(err)
	}
	if c.Section("tags") == nil {
		t.Error("tags section not created")
	}
	if err := c.Create("tags", elem(t, `<tag id="t1"><obj_ref id="a"/></tag>`)); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("alerts", elem(t, `<alert id="x" path="/bin/true"/>`)); codeOf(err) != crmexit.NoSuch {
		t.Errorf("create in absent section: %v", err)
	}
}

func TestModify(t *testing.T) {
	c := mustParse(t, xpDoc)
	err := c.Modify("", elem(t, `<primitive id="a" type="Stateful" description="d"/>`), false)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.XPath("//primitive[@id='a']")
	if len(p) != 1 || p[0].SelectAttrValue("type", "") != "Stateful" || p[0].SelectAttrValue("description", "") != "d" {
		t.Fatalf("modify not applied: %v", p)
	}
	// Attribute order: existing kept in place, new ones appended.
	var names []string
	for _, a := range p[0].Attr {
		names = append(names, a.Key)
	}
	if got := strings.Join(names, ","); got != "id,class,provider,type,description" {
		t.Errorf("attribute order %s", got)
	}
	if v := c.Version(); v != (Version{0, 2, 0}) {
		t.Errorf("version %v", v)
	}
	// Nested merge: existing nvpair changed, new nvpair added.
	err = c.Modify("resources", elem(t, `<primitive id="a"><meta_attributes id="a-meta"><nvpair id="a-m1" name="target-role" value="Started"/><nvpair id="a-m2" name="is-managed" value="false"/></meta_attributes></primitive>`), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, c, "//meta_attributes[@id='a-meta']/nvpair"); got != "a-m1,a-m2" {
		t.Errorf("nvpairs %s", got)
	}
	if got := ids(t, c, "//nvpair[@value='Started']"); got != "a-m1" {
		t.Errorf("merge value %s", got)
	}
	// ++ and += expansion.
	for _, v := range []string{"5", "description++", "description+=3"} {
		if err := c.Modify("", elem(t, `<primitive id="a" description="`+v+`"/>`), false); err != nil {
			t.Fatal(err)
		}
	}
	if got := ids(t, c, "//primitive[@description='9']"); got != "a" {
		t.Errorf("++/+= expansion: %s", got)
	}
	// Changing nothing moves nothing.
	v1 := c.Version()
	if err := c.Modify("", elem(t, `<primitive id="a" description="9"/>`), false); err != nil || c.Version() != v1 {
		t.Errorf("no-op modify: %v, version %v -> %v", err, v1, c.Version())
	}
	// Missing: NoSuch, or created with allowCreate.
	before := c.String()
	if err := c.Modify("resources", elem(t, `<primitive id="zz" class="ocf" type="Dummy"/>`), false); codeOf(err) != crmexit.NoSuch {
		t.Errorf("modify missing: %v", err)
	}
	if c.String() != before {
		t.Error("failed modify changed the CIB")
	}
	if err := c.Modify("resources", elem(t, `<primitive id="zz" class="ocf" type="Dummy"/>`), true); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, c, "//primitive[@id='zz']"); got != "zz" {
		t.Error("modify -c did not create")
	}
	// A modify that makes the configuration invalid is refused whole.
	before = c.String()
	if err := c.Modify("", elem(t, `<rsc_location id="l1" rsc="missing"/>`), false); codeOf(err) != crmexit.Config {
		t.Errorf("invalid modify: %v", err)
	}
	if c.String() != before {
		t.Error("invalid modify changed the CIB")
	}
	// Status modify bumps num_updates.
	v0 := c.Version()
	if err := c.Modify("status", elem(t, `<node_state id="1" uname="n1" in_ccm="true"/>`), true); err != nil {
		t.Fatal(err)
	}
	if v := c.Version(); v.Epoch != v0.Epoch || v.NumUpdates != v0.NumUpdates+1 {
		t.Errorf("status modify: %v -> %v", v0, v)
	}
}

func TestReplace(t *testing.T) {
	c := mustParse(t, xpDoc)
	if err := c.Replace("", elem(t, `<primitive id="b" class="ocf" provider="heartbeat" type="apache"/>`), false); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, c, "//group/primitive[@type='apache']"); got != "b" {
		t.Errorf("replace in place: %q", got)
	}
	if got := ids(t, c, "//group/primitive"); got != "b,c" {
		t.Errorf("order after replace: %q", got)
	}
	if err := c.Replace("", elem(t, `<primitive id="nope" class="ocf" type="Dummy"/>`), false); codeOf(err) != crmexit.NoSuch {
		t.Errorf("replace missing: %v", err)
	}
	// Whole section.
	if err := c.Replace("constraints", elem(t, `<constraints/>`), false); err != nil {
		t.Fatal(err)
	}
	if len(c.Section("constraints").ChildElements()) != 0 {
		t.Error("constraints not replaced")
	}
	// Replacing a resource section that leaves a dangling ref is refused.
	if err := c.Create("constraints", elem(t, `<rsc_location id="l1" rsc="a" node="n1" score="1"/>`)); err != nil {
		t.Fatal(err)
	}
	if err := c.Replace("resources", elem(t, `<resources/>`), false); codeOf(err) != crmexit.Config {
		t.Errorf("replace leaving dangling ref: %v", err)
	}
	// Whole CIB: older refused unless forced; newer taken with epoch+1.
	cur := c.Version()
	old := Empty()
	if err := c.Replace("", old.Root(), false); codeOf(err) != crmexit.Old {
		t.Errorf("older replace: %v", err)
	}
	if c.Version() != cur {
		t.Error("refused replace changed version")
	}
	newer := Empty()
	newer.SetVersion(Version{0, 50, 0})
	if err := c.Replace("", newer.Root(), false); err != nil {
		t.Fatal(err)
	}
	if v := c.Version(); v != (Version{0, 51, 0}) {
		t.Errorf("after whole replace %v, want 0.51.0", v)
	}
	if err := c.Replace("", old.Root(), true); err != nil {
		t.Errorf("forced replace: %v", err)
	}
	// Replacing with the same document changes nothing; with only a different
	// num_updates, num_updates moves on from the replacement's.
	same := c.Clone()
	v := c.Version()
	if err := c.Replace("", same.Root(), false); err != nil || c.Version() != v {
		t.Errorf("identical replace: %v, version %v -> %v", err, v, c.Version())
	}
	same.SetVersion(Version{v.AdminEpoch, v.Epoch, v.NumUpdates + 5})
	if err := c.Replace("", same.Root(), false); err != nil || c.Version() != (Version{v.AdminEpoch, v.Epoch, v.NumUpdates + 6}) {
		t.Errorf("root-only replace: %v, version %v", err, c.Version())
	}
}

func TestDelete(t *testing.T) {
	c := mustParse(t, xpDoc)
	v0 := c.Version()
	if err := c.Delete("", elem(t, `<primitive id="nonexist"/>`)); err != nil {
		t.Errorf("delete missing: %v", err)
	}
	if c.Version() != v0 {
		t.Error("no-op delete bumped version")
	}
	// Attribute mismatch: nothing deleted.
	if err := c.Delete("", elem(t, `<primitive id="c" type="Other"/>`)); err != nil {
		t.Fatal(err)
	}
	if ids(t, c, "//primitive[@id='c']") != "c" {
		t.Error("mismatching delete removed the element")
	}
	if err := c.Delete("", elem(t, `<primitive id="c" type="Dummy"/>`)); err != nil {
		t.Fatal(err)
	}
	if ids(t, c, "//primitive[@id='c']") != "" {
		t.Error("not deleted")
	}
	if v := c.Version(); v != (Version{0, 2, 0}) {
		t.Errorf("version %v", v)
	}
	// Deleting a referenced resource would dangle: refused.
	if err := c.Delete("", elem(t, `<primitive id="a"/>`)); codeOf(err) != crmexit.Config {
		t.Errorf("delete referenced: %v", err)
	}
	// Deleting the last primitive of a group leaves an empty group: refused.
	if err := c.Delete("", elem(t, `<primitive id="b"/>`)); codeOf(err) != crmexit.Config {
		t.Errorf("empty group: %v", err)
	}
	// Scope limits the search.
	if err := c.Delete("constraints", elem(t, `<primitive id="b"/>`)); err != nil {
		t.Fatal(err)
	}
	if ids(t, c, "//primitive[@id='b']") != "b" {
		t.Error("scoped delete reached outside its scope")
	}
}

func TestDeleteXPath(t *testing.T) {
	c := mustParse(t, xpDoc)
	v0 := c.Version()
	if err := c.DeleteXPath("//nothing", false); err != nil || c.Version() != v0 {
		t.Errorf("no match should be a no-op: %v", err)
	}
	if err := c.DeleteXPath("//nvpair", false); err != nil {
		t.Fatal(err)
	}
	if ids(t, c, "//nvpair") != "" {
		t.Error("nvpair not deleted")
	}
	if err := c.DeleteXPath("//rsc_location", true); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteXPath("//primitive", false); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, c, "//primitive"); got != "b,c" {
		t.Errorf("delete first only: %s", got)
	}
	if err := c.DeleteXPath("/cib", false); err == nil {
		t.Error("deleting the root succeeded")
	}
	if err := c.DeleteXPath("//primitive[", false); codeOf(err) != crmexit.InvalidParam {
		t.Errorf("bad xpath: %v", err)
	}
}

func TestQuery(t *testing.T) {
	c := mustParse(t, xpDoc)
	r, err := c.Query("resources", "", true)
	if err != nil || len(r) != 1 || len(r[0].Child) != 0 || r[0].Tag != "resources" {
		t.Fatalf("scoped no-children query: %v %v", r, err)
	}
	r, err = c.Query("", "//primitive", false)
	if err != nil || len(r) != 3 {
		t.Fatalf("xpath query: %d %v", len(r), err)
	}
	// Results are copies: changing them does not change the CIB.
	r[0].CreateAttr("type", "Changed")
	if ids(t, c, "//primitive[@type='Changed']") != "" {
		t.Error("query result aliases the CIB")
	}
	if _, err := c.Query("tags", "", false); codeOf(err) != crmexit.NoSuch {
		t.Errorf("absent section: %v", err)
	}
	if _, err := c.Query("", "//nothing", false); codeOf(err) != crmexit.NoSuch {
		t.Errorf("no match: %v", err)
	}
	r, err = c.Query("bogus", "", false)
	if err != nil || r[0].Tag != "cib" {
		t.Errorf("unknown scope should give the whole CIB: %v", err)
	}
}

func TestErase(t *testing.T) {
	c := mustParse(t, xpDoc)
	c.Erase()
	if v := c.Version(); v != (Version{1, 2, 0}) {
		t.Errorf("version after erasing a configuration %v, want 1.2.0", v)
	}
	c.Erase() // nothing left in the configuration: only num_updates moves
	if v := c.Version(); v != (Version{2, 2, 1}) {
		t.Errorf("version after erasing an empty CIB %v, want 2.2.1", v)
	}
	if len(c.Section("resources").ChildElements()) != 0 || len(c.Section("status").ChildElements()) != 0 {
		t.Error("not erased")
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestValidateMessages(t *testing.T) {
	cases := []struct{ xml, want string }{
		{`<primitive id="x" class="ocf" type="Dummy" foo="bar"/>`, `attribute "foo" is not allowed`},
		{`<primitive class="ocf" type="Dummy"/>`, `"id" is missing`},
		{`<group id="g2"/>`, "at least one primitive"},
		{`<clone id="cl"><primitive id="x1" class="ocf" type="Dummy"/><primitive id="x2" class="ocf" type="Dummy"/></clone>`, "exactly one"},
		{`<primitive id="x" class="ocf" type="Dummy"><bogus/></primitive>`, "unknown element <bogus>"},
	}
	for _, tc := range cases {
		c := mustParse(t, xpDoc)
		c.Section("resources").AddChild(elem(t, tc.xml))
		err := c.Validate()
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.xml, err, tc.want)
		}
		if codeOf(err) != crmexit.Config {
			t.Errorf("%s: code %d", tc.xml, codeOf(err))
		}
	}
	for _, s := range []string{"INFINITY", "+INFINITY", "-INFINITY", "0", "-5", "100"} {
		if _, err := ParseScore(s); err != nil {
			t.Errorf("ParseScore(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "inf", "1.5", "abc", "INFINITY "} {
		if _, err := ParseScore(s); err == nil {
			t.Errorf("ParseScore(%q) succeeded", s)
		}
	}
}

func TestXPathModifyReplace(t *testing.T) {
	c := mustParse(t, xpDoc)
	if err := c.ModifyXPath("//group", elem(t, `<primitive id="b" description="in g"/>`), false); err != nil {
		t.Fatal(err)
	}
	if ids(t, c, "//primitive[@description='in g']") != "b" {
		t.Error("ModifyXPath did not merge")
	}
	if err := c.ModifyXPath("//group", elem(t, `<primitive id="a" description="x"/>`), false); codeOf(err) != crmexit.NoSuch {
		t.Errorf("element outside the match: %v", err)
	}
	if err := c.ModifyXPath("//nothing", elem(t, `<primitive id="a"/>`), false); codeOf(err) != crmexit.NoSuch {
		t.Errorf("no match: %v", err)
	}
	before := c.String()
	if err := c.ReplaceXPath("//group/primitive[1]", elem(t, `<primitive id="a" class="ocf" type="Dummy"/>`)); codeOf(err) != crmexit.Config {
		t.Errorf("replace creating a duplicate id: %v", err)
	}
	if c.String() != before {
		t.Error("failed ReplaceXPath changed the CIB")
	}
	if err := c.ReplaceXPath("//group/primitive[1]", elem(t, `<primitive id="n" class="ocf" type="Dummy"/>`)); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, c, "//group/primitive"); got != "n,c" {
		t.Errorf("after ReplaceXPath: %s", got)
	}
}

func TestUpgrade(t *testing.T) {
	c := mustParse(t, strings.Replace(xpDoc, `validate-with="pacemaker-3.9"`, `validate-with="pacemaker-2.5"`, 1))
	c.SetVersion(Version{0, 30, 7})
	changed, err := c.Upgrade()
	if err != nil || !changed {
		t.Fatalf("upgrade: %v %v", changed, err)
	}
	if v := c.Version(); v != (Version{1, 1, 2}) {
		t.Errorf("version after upgrade %v, want 1.1.2", v)
	}
	if got := c.Root().SelectAttrValue("validate-with", ""); got != LatestSchema {
		t.Errorf("validate-with %q", got)
	}
	before := c.String()
	if changed, err := c.Upgrade(); err != nil || changed || c.String() != before {
		t.Errorf("second upgrade changed something: %v %v", changed, err)
	}
	old := mustParse(t, `<cib validate-with="pacemaker-1.2" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>`)
	if _, err := old.Upgrade(); codeOf(err) != crmexit.Unimplemented {
		t.Errorf("1.x upgrade: %v", err)
	}
}

func TestValidationDisabled(t *testing.T) {
	c := mustParse(t, strings.Replace(xpDoc, `validate-with="pacemaker-3.9"`, `validate-with="none"`, 1))
	if c.SchemaValidation() {
		t.Fatal("validate-with=none should disable validation")
	}
	if err := c.Create("resources", elem(t, `<bar id="y"/>`)); err != nil {
		t.Errorf("with validation disabled, Pacemaker accepts anything: %v", err)
	}
	if err := c.Create("resources", elem(t, `<bar id="y"/>`)); codeOf(err) != crmexit.Exists {
		t.Errorf("duplicates are still caught by create itself: %v", err)
	}
}
