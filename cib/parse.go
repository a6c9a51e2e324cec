package cib

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// A direct XML parser that builds the etree document. encoding/xml (which etree uses)
// is several times slower, and CIBs of tens of megabytes are parsed on every tool run
// and by the DC; this parser does one pass over the bytes. It enforces XML
// well-formedness as far as a CIB needs: one root, matching tags, unique attributes,
// quoted attribute values, known entities, no '<' in attribute values, and it applies
// XML's end-of-line and attribute-value normalisation as libxml2 does.

const maxDepth = 256

type xmlParser struct {
	data  []byte
	pos   int
	names map[string]string // interned tag and attribute names
	// lines, when non-nil, records each element's starting line (for crm_verify).
	lines   map[*etree.Element]int
	lineNo  int
	lineOff int
}

type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func (p *xmlParser) fail(format string, args ...any) error {
	line := 1 + bytes.Count(p.data[:min(p.pos, len(p.data))], []byte{'\n'})
	return &syntaxError{line: line, msg: fmt.Sprintf(format, args...)}
}

// parseXML parses a whole document.
func parseXML(data []byte) (*etree.Document, error) {
	return parseXMLLines(data, nil)
}

func parseXMLLines(data []byte, lines map[*etree.Element]int) (*etree.Document, error) {
	p := &xmlParser{data: data, names: make(map[string]string, 64), lines: lines, lineNo: 1}
	doc := etree.NewDocument()
	doc.ReadSettings = readSettings()
	doc.WriteSettings = writeSettings()
	// Skip a UTF-8 byte-order mark.
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		p.pos = 3
	}
	if err := p.content(&doc.Element, 0, true); err != nil {
		return nil, err
	}
	return doc, nil
}

func (p *xmlParser) intern(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	p.names[s] = s
	return s
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *xmlParser) skipSpace() {
	for p.pos < len(p.data) && isSpace(p.data[p.pos]) {
		p.pos++
	}
}

func (p *xmlParser) name() ([]byte, error) {
	start := p.pos
	if p.pos >= len(p.data) || !isNameStart(p.data[p.pos]) {
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input, expected a name")
		}
		return nil, p.fail("invalid character %q, expected a name", p.data[p.pos])
	}
	for p.pos < len(p.data) && isNameByte(p.data[p.pos]) {
		p.pos++
	}
	return p.data[start:p.pos], nil
}

// content parses the children of parent until its end tag (or, at top level, the end
// of input).
func (p *xmlParser) content(parent *etree.Element, depth int, top bool) error {
	roots := 0
	for p.pos < len(p.data) {
		if p.data[p.pos] != '<' {
			start := p.pos
			i := bytes.IndexByte(p.data[p.pos:], '<')
			if i < 0 {
				p.pos = len(p.data)
			} else {
				p.pos += i
			}
			raw := p.data[start:p.pos]
			if top {
				for _, c := range raw {
					if !isSpace(c) {
						p.pos = start
						return p.fail("text outside the root element")
					}
				}
			}
			var text string
			if allSpace(raw) {
				// Indentation: the same few strings over and over.
				text = p.intern(normaliseEOL(raw))
			} else {
				var err error
				if text, err = p.decode(raw, false); err != nil {
					return err
				}
				if !utf8.ValidString(text) {
					return p.fail("invalid UTF-8 in text")
				}
			}
			cd := parent.CreateText(text)
			cd.SetData(text) // sets etree's whitespace flag
			continue
		}
		rest := p.data[p.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("</")):
			if top {
				return p.fail("unexpected end tag at top level")
			}
			p.pos += 2
			n, err := p.name()
			if err != nil {
				return err
			}
			if string(n) != parent.FullTag() {
				return p.fail("end tag </%s> does not match <%s>", n, parent.FullTag())
			}
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != '>' {
				return p.fail("expected '>' to close </%s>", n)
			}
			p.pos++
			return nil
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return p.fail("unterminated comment")
			}
			parent.CreateComment(string(rest[4 : 4+end]))
			p.pos += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			if top {
				return p.fail("CDATA outside the root element")
			}
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return p.fail("unterminated CDATA section")
			}
			parent.CreateCData(string(normaliseEOL(rest[9 : 9+end])))
			p.pos += 9 + end + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest[2:], []byte("?>"))
			if end < 0 {
				return p.fail("unterminated processing instruction")
			}
			body := rest[2 : 2+end]
			i := 0
			for i < len(body) && !isSpace(body[i]) {
				i++
			}
			if i == 0 {
				return p.fail("processing instruction without a target")
			}
			inst := bytes.TrimLeft(body[i:], " \t\r\n")
			parent.CreateProcInst(string(body[:i]), string(inst))
			p.pos += 2 + end + 2
		case bytes.HasPrefix(rest, []byte("<!")):
			if !top {
				return p.fail("unexpected <! inside an element")
			}
			// A DOCTYPE: skip to the matching '>', allowing an internal subset in [...].
			nest, i := 0, 2
			for ; i < len(rest); i++ {
				if rest[i] == '[' {
					nest++
				} else if rest[i] == ']' {
					nest--
				} else if rest[i] == '>' && nest <= 0 {
					break
				}
			}
			if i >= len(rest) {
				return p.fail("unterminated <! declaration")
			}
			parent.CreateDirective(string(rest[2:i]))
			p.pos += i + 1
		default:
			if top {
				if roots++; roots > 1 {
					return p.fail("more than one root element")
				}
			}
			if depth >= maxDepth {
				return p.fail("elements nested deeper than %d", maxDepth)
			}
			if err := p.element(parent, depth); err != nil {
				return err
			}
		}
	}
	if !top {
		return p.fail("unexpected end of input: <%s> is not closed", parent.FullTag())
	}
	if roots == 0 {
		return p.fail("no root element")
	}
	return nil
}

// element parses one element starting at '<' and adds it to parent.
func (p *xmlParser) element(parent *etree.Element, depth int) error {
	start := p.pos
	p.pos++ // '<'
	n, err := p.name()
	if err != nil {
		return err
	}
	// Size the attribute slice up front (counting '=' up to the next '>' is an upper
	// bound or a close guess) so adding attributes does not keep reallocating.
	nattr := 0
	if end := bytes.IndexByte(p.data[p.pos:], '>'); end > 0 {
		nattr = bytes.Count(p.data[p.pos:p.pos+end], []byte{'='})
	}
	space, local := "", p.intern(n)
	if i := bytes.IndexByte(n, ':'); i > 0 {
		space, local = p.intern(n[:i]), p.intern(n[i+1:])
	}
	e := &etree.Element{Space: space, Tag: local, Attr: make([]etree.Attr, 0, nattr)}
	parent.AddChild(e)
	if p.lines != nil {
		p.lineNo += bytes.Count(p.data[p.lineOff:start], []byte{'\n'})
		p.lineOff = start
		p.lines[e] = p.lineNo
	}
	for {
		hadSpace := p.pos < len(p.data) && isSpace(p.data[p.pos])
		p.skipSpace()
		if p.pos >= len(p.data) {
			return p.fail("unexpected end of input inside <%s>", n)
		}
		switch p.data[p.pos] {
		case '/':
			if p.pos+1 >= len(p.data) || p.data[p.pos+1] != '>' {
				return p.fail("expected '/>' in <%s>", n)
			}
			p.pos += 2
			return nil
		case '>':
			p.pos++
			return p.content(e, depth+1, false)
		}
		if !hadSpace {
			return p.fail("expected whitespace before attribute in <%s>", n)
		}
		an, err := p.name()
		if err != nil {
			return err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '=' {
			return p.fail("attribute %s in <%s> has no value", an, n)
		}
		p.pos++
		p.skipSpace()
		if p.pos >= len(p.data) || (p.data[p.pos] != '"' && p.data[p.pos] != '\'') {
			return p.fail("value of attribute %s in <%s> is not quoted", an, n)
		}
		q := p.data[p.pos]
		p.pos++
		end := bytes.IndexByte(p.data[p.pos:], q)
		if end < 0 {
			return p.fail("unterminated value of attribute %s in <%s>", an, n)
		}
		raw := p.data[p.pos : p.pos+end]
		if bytes.IndexByte(raw, '<') >= 0 {
			return p.fail("'<' in the value of attribute %s in <%s>", an, n)
		}
		var val string
		if len(raw) <= 16 && bytes.IndexByte(raw, '&') < 0 && bytes.IndexAny(raw, "\t\n\r") < 0 {
			val = p.intern(raw) // short values repeat a lot ("0", "monitor", "true")
		} else if val, err = p.decode(raw, true); err != nil {
			return err
		}
		if !utf8.ValidString(val) {
			return p.fail("invalid UTF-8 in attribute %s", an)
		}
		p.pos += end + 1
		before := len(e.Attr)
		e.CreateAttr(p.intern(an), val)
		if len(e.Attr) == before { // CreateAttr replaced an existing one
			return p.fail("attribute %s appears twice in <%s>", an, n)
		}
	}
}

func allSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func normaliseEOL(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}

// decode resolves entity and character references; in attribute values literal
// tab, newline and CR become spaces (XML attribute-value normalisation).
func (p *xmlParser) decode(raw []byte, attr bool) (string, error) {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 &&
		(!attr || (bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\t') < 0)) {
		return string(raw), nil
	}
	raw = normaliseEOL(raw)
	var b bytes.Buffer
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if attr && (c == '\n' || c == '\t') {
			b.WriteByte(' ')
			continue
		}
		if c != '&' {
			b.WriteByte(c)
			continue
		}
		j := bytes.IndexByte(raw[i:], ';')
		if j < 0 {
			return "", p.fail("'&' not followed by an entity reference (write &amp;)")
		}
		ent := string(raw[i+1 : i+j])
		switch ent {
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "amp":
			b.WriteByte('&')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			var r uint64
			var err error
			switch {
			case len(ent) > 2 && (ent[:2] == "#x" || ent[:2] == "#X"):
				r, err = strconv.ParseUint(ent[2:], 16, 32)
			case len(ent) > 1 && ent[0] == '#':
				r, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				return "", p.fail("unknown entity &%s;", ent)
			}
			if err != nil || !validXMLChar(rune(r)) {
				return "", p.fail("invalid character reference &%s;", ent)
			}
			b.WriteRune(rune(r))
		}
		i += j
	}
	return b.String(), nil
}

func validXMLChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
