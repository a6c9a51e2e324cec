package cib

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// The serialiser below writes XML the way libxml2 (and so Pacemaker) escapes it, so a
// document read from Pacemaker comes back out byte-identical: in attribute values
// & < > " and tab/newline/CR are escaped; in text & < > and CR.

var attrEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
	"\n", "&#10;", "\r", "&#13;", "\t", "&#9;",
)

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#13;")

// sink is where the serialiser writes: a bytes.Buffer, or a comparer.
type sink interface {
	io.Writer
	io.ByteWriter
	io.StringWriter
}

// sameAs is a sink that only checks whether the output equals ref, without
// building it (used to decide whether a parsed document reproduces its input).
type sameAs struct {
	ref []byte
	off int
	ok  bool
}

func (s *sameAs) WriteString(str string) (int, error) {
	if s.ok && s.off+len(str) <= len(s.ref) && string(s.ref[s.off:s.off+len(str)]) == str {
		s.off += len(str)
	} else {
		s.ok = false
	}
	return len(str), nil
}

func (s *sameAs) Write(b []byte) (int, error) { return s.WriteString(string(b)) }

func (s *sameAs) WriteByte(c byte) error {
	if s.ok && s.off < len(s.ref) && s.ref[s.off] == c {
		s.off++
	} else {
		s.ok = false
	}
	return nil
}

// reproduces reports whether serialising d gives exactly ref.
func reproduces(d *etree.Document, ref []byte) bool {
	s := &sameAs{ref: ref, ok: true}
	writeDoc(s, d)
	return s.ok && s.off == len(ref)
}

// writeDoc serialises every top-level token of the document.
func writeDoc(buf sink, d *etree.Document) {
	for _, t := range d.Child {
		writeToken(buf, t)
	}
}

func writeToken(buf sink, t etree.Token) {
	switch t := t.(type) {
	case *etree.Element:
		writeElement(buf, t)
	case *etree.CharData:
		if t.IsCData() {
			buf.WriteString("<![CDATA[")
			buf.WriteString(t.Data)
			buf.WriteString("]]>")
		} else {
			textEscaper.WriteString(buf, t.Data)
		}
	case *etree.Comment:
		buf.WriteString("<!--")
		buf.WriteString(t.Data)
		buf.WriteString("-->")
	case *etree.ProcInst:
		buf.WriteString("<?")
		buf.WriteString(t.Target)
		if t.Inst != "" {
			buf.WriteByte(' ')
			buf.WriteString(t.Inst)
		}
		buf.WriteString("?>")
	case *etree.Directive:
		buf.WriteString("<!")
		buf.WriteString(t.Data)
		buf.WriteString(">")
	}
}

// writeElement writes e and its subtree; empty elements are self-closed as libxml2 does.
func writeElement(buf sink, e *etree.Element) {
	buf.WriteByte('<')
	buf.WriteString(e.FullTag())
	for _, a := range e.Attr {
		buf.WriteByte(' ')
		buf.WriteString(a.FullKey())
		buf.WriteString(`="`)
		attrEscaper.WriteString(buf, a.Value)
		buf.WriteByte('"')
	}
	if len(e.Child) == 0 {
		buf.WriteString("/>")
		return
	}
	buf.WriteByte('>')
	for _, c := range e.Child {
		writeToken(buf, c)
	}
	buf.WriteString("</")
	buf.WriteString(e.FullTag())
	buf.WriteByte('>')
}

// ElementBytes serialises one element (and its subtree) the way Bytes does.
func ElementBytes(e *etree.Element) []byte {
	var buf bytes.Buffer
	writeElement(&buf, e)
	return buf.Bytes()
}

// Format returns e (which is not modified) laid out the way Pacemaker's tools print
// XML: two-space indentation, one element per line, a final newline.
func Format(e *etree.Element) []byte {
	d := etree.NewDocument()
	d.SetRoot(e.Copy())
	d.Indent(2)
	var buf bytes.Buffer
	writeDoc(&buf, d)
	return buf.Bytes()
}

// compact writes e with whitespace-only text dropped (no layout at all).
func compact(buf sink, e *etree.Element) {
	buf.WriteByte('<')
	buf.WriteString(e.FullTag())
	for _, a := range e.Attr {
		buf.WriteByte(' ')
		buf.WriteString(a.FullKey())
		buf.WriteString(`="`)
		attrEscaper.WriteString(buf, a.Value)
		buf.WriteByte('"')
	}
	var kids []etree.Token
	for _, c := range e.Child {
		if cd, ok := c.(*etree.CharData); ok && cd.IsWhitespace() && !cd.IsCData() {
			continue
		}
		kids = append(kids, c)
	}
	if len(kids) == 0 {
		buf.WriteString("/>")
		return
	}
	buf.WriteByte('>')
	for _, c := range kids {
		if ce, ok := c.(*etree.Element); ok {
			compact(buf, ce)
		} else {
			writeToken(buf, c)
		}
	}
	buf.WriteString("</")
	buf.WriteString(e.FullTag())
	buf.WriteByte('>')
}

// compactBytes is e written without layout.
func compactBytes(e *etree.Element) []byte {
	var buf bytes.Buffer
	compact(&buf, e)
	return buf.Bytes()
}

// OnDiskDigest is the MD5 digest Pacemaker's `cibadmin -5` prints for an element:
// computed over the element written without layout.
func OnDiskDigest(e *etree.Element) string {
	var buf bytes.Buffer
	buf.WriteByte(' ')
	compact(&buf, e)
	buf.WriteByte('\n')
	return fmt.Sprintf("%x", md5.Sum(buf.Bytes()))
}
