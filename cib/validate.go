package cib

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/crmexit"
)

// Problem is one thing wrong with a CIB, tied to the element it is about.
type Problem struct {
	Path    string // e.g. /cib/configuration/resources/primitive[@id='a']
	Tag     string
	ID      string
	Message string
	// Schema is the problem in the words libxml2 uses when Pacemaker validates against
	// its RNG schema (what crm_verify prints), e.g. "Relax-NG validity error : Did not
	// expect element foo there".
	Schema string
	// Element is the element at fault (in the validated document).
	Element *etree.Element `json:"-"`
}

func (p Problem) String() string {
	if p.ID != "" {
		return fmt.Sprintf("<%s id=%q> (%s): %s", p.Tag, p.ID, p.Path, p.Message)
	}
	return fmt.Sprintf("<%s> (%s): %s", p.Tag, p.Path, p.Message)
}

// ValidationError lists every problem Validate found. Its exit code is crmexit.Config.
type ValidationError struct {
	Problems []Problem
}

// Error gives the first problem on one line, with a count of the others.
func (v *ValidationError) Error() string {
	if len(v.Problems) == 0 {
		return "invalid CIB"
	}
	s := "invalid configuration: " + v.Problems[0].String()
	if n := len(v.Problems) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more problem", n)
		if n > 1 {
			s += "s"
		}
		s += "; run crm_verify for the full list)"
	}
	return s
}

// ElementPath is an element's location as an XPath, using ids where elements have them.
func ElementPath(e *etree.Element) string {
	var parts []string
	for p := e; p != nil && p.Tag != ""; p = p.Parent() {
		if id := p.SelectAttrValue("id", ""); id != "" {
			parts = append(parts, fmt.Sprintf("%s[@id='%s']", p.Tag, id))
		} else {
			parts = append(parts, p.Tag)
		}
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// ParseScore parses a Pacemaker score: an integer, INFINITY, +INFINITY or -INFINITY.
// Infinite scores come back as ±1000000 (Pacemaker's INFINITY); larger integers clamp.
func ParseScore(s string) (int, error) {
	const inf = 1000000
	switch s {
	case "INFINITY", "+INFINITY":
		return inf, nil
	case "-INFINITY":
		return -inf, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("score %q is not an integer, INFINITY, +INFINITY or -INFINITY", s)
	}
	return int(max(-inf, min(inf, n))), nil
}

type validator struct {
	problems []Problem
	ids      map[string]*etree.Element
	nodeIDs  map[string]*etree.Element
}

func (v *validator) add(e *etree.Element, schema, format string, args ...any) {
	v.problems = append(v.problems, Problem{
		Path: ElementPath(e), Tag: e.Tag, ID: e.SelectAttrValue("id", ""),
		Message: fmt.Sprintf(format, args...), Schema: schema, Element: e,
	})
}

const rng = "Relax-NG validity error : "

func notExpected(tag string) string { return rng + "Did not expect element " + tag + " there" }
func badAttrs(tag string) string    { return rng + "Element " + tag + " failed to validate attributes" }
func badContent(tag string) string  { return rng + "Element " + tag + " failed to validate content" }

// Validate checks the CIB and returns a *ValidationError (exit code crmexit.Config)
// listing every problem: the root and its sections, known element and attribute names
// in the configuration, unique ids, references that must exist, scores, and the
// structure of groups, clones and bundles. Status is not checked (Pacemaker's schema
// leaves it open).
func (c *CIB) Validate() error {
	probs := c.Problems()
	if len(probs) == 0 {
		return nil
	}
	return crmexit.Wrap(crmexit.Config, &ValidationError{Problems: probs})
}

// SchemaValidation reports whether the CIB asks to be validated: Pacemaker skips
// schema validation when validate-with is "none" or absent.
func (c *CIB) SchemaValidation() bool {
	root := c.Root()
	if root == nil {
		return true
	}
	vw := root.SelectAttrValue("validate-with", "")
	return vw != "" && vw != "none"
}

// Problems is Validate's list, empty when the CIB is valid. A CIB whose
// validate-with is "none" (or absent) is not checked, as in Pacemaker; only the
// root element must be <cib>.
func (c *CIB) Problems() []Problem {
	if root := c.Root(); root != nil && root.Tag == "cib" && !c.SchemaValidation() {
		return nil
	}
	v := &validator{ids: map[string]*etree.Element{}, nodeIDs: map[string]*etree.Element{}}
	root := c.Root()
	if root == nil {
		return []Problem{{Path: "/", Tag: "cib", Message: "the document has no root element"}}
	}
	if root.Tag != "cib" {
		v.add(root, notExpected(root.Tag), "the root element must be <cib>")
		return v.problems
	}
	for _, a := range []string{"admin_epoch", "epoch", "num_updates"} {
		if val := root.SelectAttrValue(a, ""); val != "" {
			if n, err := strconv.Atoi(val); err != nil || n < 0 {
				v.add(root, badAttrs("cib"), "attribute %s=%q is not a non-negative integer", a, val)
			}
		}
	}
	var conf *etree.Element
	seen := map[string]bool{}
	for _, ch := range root.ChildElements() {
		switch ch.Tag {
		case "configuration", "status":
			if seen[ch.Tag] {
				v.add(ch, notExpected(ch.Tag), "more than one <%s> section", ch.Tag)
			}
			seen[ch.Tag] = true
			if ch.Tag == "configuration" && conf == nil {
				conf = ch
			}
		default:
			v.add(ch, notExpected(ch.Tag), "element <%s> is not allowed here (the root holds only <configuration> and <status>)", ch.Tag)
		}
	}
	if conf == nil {
		v.add(root, rng+"Expecting an element configuration, got nothing", "the <configuration> section is missing")
		return v.problems
	}
	for _, s := range []string{"crm_config", "nodes", "resources", "constraints"} {
		if conf.SelectElement(s) == nil {
			v.add(conf, rng+"Expecting an element "+s+", got nothing", "required section <%s> is missing", s)
		}
	}
	v.element(conf)
	v.references(conf)
	return v.problems
}

// element checks e against the schema table and recurses into its children.
func (v *validator) element(e *etree.Element) {
	spec, ok := schema[e.Tag]
	if !ok {
		v.add(e, notExpected(e.Tag), "unknown element <%s>", e.Tag)
		return
	}
	for _, a := range e.Attr {
		name := a.FullKey()
		if !contains(spec.attrs, name) {
			v.add(e, rng+"Invalid attribute "+name+" for element "+e.Tag, "attribute %q is not allowed on <%s>", name, e.Tag)
			continue
		}
		if scoreAttrs[name] {
			if _, err := ParseScore(a.Value); err != nil {
				v.add(e, badAttrs(e.Tag), "invalid %s: %v", name, err)
			}
		}
	}
	id := e.SelectAttrValue("id", "")
	if spec.needID && id == "" && e.SelectAttr("id-ref") == nil {
		v.add(e, badAttrs(e.Tag), "required attribute \"id\" is missing or empty")
	}
	if id != "" && e.Tag == "node" {
		// Node ids are cluster-layer names, not schema IDs: unique among nodes only.
		if prev, dup := v.nodeIDs[id]; dup {
			v.add(e, badAttrs(e.Tag), "node id %q is already used by %s", id, ElementPath(prev))
		} else {
			v.nodeIDs[id] = e
		}
	} else if id != "" && !refByID[e.Tag] {
		if prev, dup := v.ids[id]; dup {
			v.add(e, "validity error : ID "+id+" already defined", "id %q is already used by %s", id, ElementPath(prev))
		} else {
			v.ids[id] = e
		}
	}
	for _, ch := range e.ChildElements() {
		if !contains(spec.children, ch.Tag) {
			if _, known := schema[ch.Tag]; known {
				v.add(ch, notExpected(ch.Tag), "element <%s> is not allowed inside <%s>", ch.Tag, e.Tag)
				continue
			}
		}
		v.element(ch)
	}
	v.structure(e)
}

// structure checks what the schema says about how many children some elements need.
func (v *validator) structure(e *etree.Element) {
	count := func(tags ...string) int {
		n := 0
		for _, ch := range e.ChildElements() {
			if contains(tags, ch.Tag) {
				n++
			}
		}
		return n
	}
	switch e.Tag {
	case "group":
		if count("primitive") == 0 {
			v.add(e, rng+"Expecting an element primitive, got nothing", "a group must contain at least one primitive")
		}
	case "clone", "master":
		if n := count("primitive", "group"); n != 1 {
			v.add(e, badContent(e.Tag), "a %s must contain exactly one primitive or group (it has %d)", e.Tag, n)
		}
	case "bundle":
		if count("docker", "rkt", "podman") != 1 {
			v.add(e, badContent(e.Tag), "a bundle must contain exactly one of <docker>, <rkt> or <podman>")
		}
		if count("primitive") > 1 {
			v.add(e, badContent(e.Tag), "a bundle may contain at most one primitive")
		}
	case "primitive":
		if e.SelectAttr("template") == nil && e.SelectAttrValue("type", "") == "" {
			v.add(e, badAttrs(e.Tag), "required attribute \"type\" is missing (or name a template)")
		}
		if e.SelectAttr("template") == nil && e.SelectAttrValue("class", "") == "" {
			v.add(e, badAttrs(e.Tag), "required attribute \"class\" is missing (or name a template)")
		}
	case "nvpair":
		if e.SelectAttr("id-ref") == nil && e.SelectAttr("name") == nil {
			v.add(e, badAttrs(e.Tag), "required attribute \"name\" is missing")
		}
	case "rsc_colocation":
		if e.SelectElement("resource_set") == nil && (e.SelectAttr("rsc") == nil || e.SelectAttr("with-rsc") == nil) {
			v.add(e, badAttrs(e.Tag), "a colocation needs rsc and with-rsc, or resource sets")
		}
	case "rsc_order":
		if e.SelectElement("resource_set") == nil && (e.SelectAttr("first") == nil || e.SelectAttr("then") == nil) {
			v.add(e, badAttrs(e.Tag), "an ordering needs first and then, or resource sets")
		}
	case "rsc_location":
		if e.SelectElement("resource_set") == nil && e.SelectAttr("rsc") == nil && e.SelectAttr("rsc-pattern") == nil {
			v.add(e, badAttrs(e.Tag), "a location constraint needs rsc, rsc-pattern or a resource set")
		}
	case "op":
		if e.SelectAttrValue("name", "") == "" {
			v.add(e, badAttrs(e.Tag), "required attribute \"name\" is missing")
		}
	}
}

// references checks that every IDREF-style attribute names an existing id.
func (v *validator) references(conf *etree.Element) {
	walk(conf, func(e *etree.Element) bool {
		for _, a := range idRefAttrs[e.Tag] {
			if val := e.SelectAttrValue(a, ""); val != "" || (a == "id" && refByID[e.Tag]) {
				if _, ok := v.ids[val]; !ok {
					v.add(e, fmt.Sprintf("validity error : IDREF attribute %s references an unknown ID %q", a, val), "%s=%q refers to an id that does not exist", a, val)
				}
			}
		}
		if ref := e.SelectAttr("id-ref"); ref != nil {
			if _, ok := v.ids[ref.Value]; !ok {
				v.add(e, fmt.Sprintf("validity error : IDREF attribute id-ref references an unknown ID %q", ref.Value), "id-ref=%q refers to an id that does not exist", ref.Value)
			}
		}
		return true
	})
}
