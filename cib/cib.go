package cib

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/crmexit"
)

// CIB is one Cluster Information Base document. The zero value is not usable; get one
// from Parse, ParseFile or Empty. Any number of goroutines may read a CIB at once;
// changing it needs exclusive access (Clone to hand out an independent copy).
type CIB struct {
	doc *etree.Document
	// raw and rawSer keep a document's original bytes when our serialiser would not
	// reproduce them (e.g. attributes split over lines): as long as the document still
	// serialises to rawSer it is unchanged, and Bytes returns raw.
	raw, rawSer []byte
	sizeHint    int // expected serialised size (set once at parse; read-only after)
}

// Version is the CIB's (admin_epoch, epoch, num_updates) triple, compared in that order.
type Version struct{ AdminEpoch, Epoch, NumUpdates int }

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than o.
func (v Version) Compare(o Version) int {
	for _, p := range [][2]int{{v.AdminEpoch, o.AdminEpoch}, {v.Epoch, o.Epoch}, {v.NumUpdates, o.NumUpdates}} {
		switch {
		case p[0] < p[1]:
			return -1
		case p[0] > p[1]:
			return 1
		}
	}
	return 0
}

// String formats the version the way Pacemaker logs it: admin_epoch.epoch.num_updates.
func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.AdminEpoch, v.Epoch, v.NumUpdates)
}

// Section names that may be used as a scope (cibadmin -o) and where each lives.
// The value is the parent section; "" means the root element.
var sectionParent = map[string]string{
	"configuration":    "",
	"status":           "",
	"crm_config":       "configuration",
	"nodes":            "configuration",
	"resources":        "configuration",
	"constraints":      "configuration",
	"rsc_defaults":     "configuration",
	"op_defaults":      "configuration",
	"acls":             "configuration",
	"fencing-topology": "configuration",
	"tags":             "configuration",
	"alerts":           "configuration",
}

// IsSection reports whether name is a CIB section usable as a scope.
func IsSection(name string) bool {
	_, ok := sectionParent[name]
	return ok || name == "cib"
}

func readSettings() etree.ReadSettings {
	return etree.ReadSettings{PreserveCData: true, MaxDepth: 256}
}

// writeSettings escape like libxml2 does, so untouched documents keep their bytes.
func writeSettings() etree.WriteSettings {
	return etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}
}

// Parse reads a CIB document. Malformed XML is crmexit.DataErr; a document whose root
// is not <cib> is crmexit.Config. Parse does not validate the configuration (see
// Validate): tools decide when a CIB must be valid.
func Parse(data []byte) (*CIB, error) {
	doc, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if root.Tag != "cib" {
		return nil, crmexit.New(crmexit.Config, "the document's root element is <%s>, not <cib>: not a CIB", root.Tag)
	}
	c := &CIB{doc: doc, sizeHint: len(data) + len(data)/16}
	if !reproduces(doc, data) {
		c.raw, c.rawSer = bytes.Clone(data), c.serialise()
	}
	return c, nil
}

// ParseWithLines is Parse that also returns the line each element starts on, so
// problems can be reported as FILE:LINE (crm_verify does).
func ParseWithLines(data []byte) (*CIB, map[*etree.Element]int, error) {
	lines := map[*etree.Element]int{}
	doc, err := parseXMLLines(data, lines)
	if err != nil {
		return nil, nil, crmexit.New(crmexit.DataErr, "malformed XML: %v", err)
	}
	if doc.Root().Tag != "cib" {
		return nil, nil, crmexit.New(crmexit.Config, "the document's root element is <%s>, not <cib>: not a CIB", doc.Root().Tag)
	}
	c := &CIB{doc: doc, sizeHint: len(data) + len(data)/16}
	if !reproduces(doc, data) {
		c.raw, c.rawSer = bytes.Clone(data), c.serialise()
	}
	return c, lines, nil
}

// parseDoc parses any XML document with exactly one root element.
func parseDoc(data []byte) (*etree.Document, error) {
	doc, err := parseXML(data)
	if err != nil {
		return nil, crmexit.New(crmexit.DataErr, "malformed XML: %v", err)
	}
	return doc, nil
}

// ParseElement parses a fragment holding exactly one element (what cibadmin -X takes).
func ParseElement(data []byte) (*etree.Element, error) {
	doc, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	e := doc.Root()
	doc.RemoveChild(e)
	return e, nil
}

// ParseFile reads and parses a CIB file; a missing file is crmexit.NoInput.
func ParseFile(path string) (*CIB, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, crmexit.New(crmexit.NoInput, "cannot read CIB file %s: %w", path, err)
		}
		return nil, crmexit.New(crmexit.IOErr, "cannot read CIB file %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, crmexit.Wrap(crmexit.Of(err), fmt.Errorf("%s: %w", path, err))
	}
	return c, nil
}

// emptyXML is what `cibadmin --empty` prints on Pacemaker 2.1.5.
const emptyXML = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`

// Empty returns a new, empty CIB (what `cibadmin --empty` gives).
func Empty() *CIB {
	c, err := Parse([]byte(emptyXML))
	if err != nil {
		// emptyXML is a constant known to parse; reaching this is a build defect.
		panic("cib: built-in empty CIB does not parse: " + err.Error())
	}
	return c
}

// FromElement wraps a <cib> element (it is copied) as a CIB.
func FromElement(root *etree.Element) (*CIB, error) {
	if root == nil || root.Tag != "cib" {
		return nil, crmexit.New(crmexit.Config, "not a CIB: root element must be <cib>")
	}
	doc := etree.NewDocument()
	doc.ReadSettings = readSettings()
	doc.WriteSettings = writeSettings()
	doc.SetRoot(root.Copy())
	return &CIB{doc: doc}, nil
}

// Root is the <cib> element.
func (c *CIB) Root() *etree.Element { return c.doc.Root() }

// Doc is the underlying document; changes made through it are changes to the CIB.
func (c *CIB) Doc() *etree.Document { return c.doc }

// Section returns the named section element (see IsSection), "cib" for the root, or
// nil when absent.
func (c *CIB) Section(name string) *etree.Element {
	root := c.Root()
	if root == nil {
		return nil
	}
	if name == "cib" || name == "" {
		return root
	}
	parent, ok := sectionParent[name]
	if !ok {
		return nil
	}
	p := root
	if parent != "" {
		p = root.SelectElement(parent)
		if p == nil {
			return nil
		}
	}
	return p.SelectElement(name)
}

// Bytes serialises the document; an unchanged document comes out as it was read.
func (c *CIB) Bytes() ([]byte, error) {
	ser := c.serialise()
	if c.raw != nil && bytes.Equal(ser, c.rawSer) {
		return bytes.Clone(c.raw), nil
	}
	return ser, nil
}

func (c *CIB) serialise() []byte {
	var buf bytes.Buffer
	buf.Grow(c.sizeHint)
	writeDoc(&buf, c.doc)
	return buf.Bytes()
}

// String is the XML text (for logs and tests).
func (c *CIB) String() string {
	b, err := c.Bytes()
	if err != nil {
		return ""
	}
	return string(b)
}

// Clone returns a deep copy.
func (c *CIB) Clone() *CIB {
	d := c.doc.Copy()
	d.ReadSettings = readSettings()
	d.WriteSettings = writeSettings()
	return &CIB{doc: d, raw: c.raw, rawSer: c.rawSer, sizeHint: c.sizeHint}
}

func intAttr(e *etree.Element, name string) int {
	if e == nil {
		return 0
	}
	n, err := strconv.Atoi(e.SelectAttrValue(name, "0"))
	if err != nil {
		return 0
	}
	return n
}

// Version reads admin_epoch, epoch and num_updates (missing or unparsable counts as 0).
func (c *CIB) Version() Version {
	r := c.Root()
	return Version{AdminEpoch: intAttr(r, "admin_epoch"), Epoch: intAttr(r, "epoch"), NumUpdates: intAttr(r, "num_updates")}
}

// SetVersion writes the three counters onto the root element.
func (c *CIB) SetVersion(v Version) {
	r := c.Root()
	r.CreateAttr("admin_epoch", strconv.Itoa(v.AdminEpoch))
	r.CreateAttr("epoch", strconv.Itoa(v.Epoch))
	r.CreateAttr("num_updates", strconv.Itoa(v.NumUpdates))
}

// Digest is a hex SHA-256 of the serialised document: equal digests mean equal bytes.
func (c *CIB) Digest() string {
	b, err := c.Bytes()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
