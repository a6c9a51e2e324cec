package crmsh

import (
	"strings"
)

// parser is a cursor over one command's words.
type parser struct {
	words []string
	pos   int
	cmd   string
	text  string
}

func (p *parser) done() bool { return p.pos >= len(p.words) }
func (p *parser) peek() string {
	if p.done() {
		return ""
	}
	return p.words[p.pos]
}
func (p *parser) next() string {
	w := p.peek()
	p.pos++
	return w
}

// errAt reports a syntax error at the word with 0-based index i.
func (p *parser) errAt(i int, msg string) error {
	e := &SyntaxError{Cmd: p.cmd, Msg: msg, Text: p.text}
	if i < len(p.words) {
		e.Word = i + 1
		e.Tok = p.words[i]
	}
	return e
}

// errHere reports a syntax error at the current word.
func (p *parser) errHere(msg string) error { return p.errAt(p.pos, msg) }

// needID reads an object id.
func (p *parser) needID(what string) (string, error) {
	if p.done() {
		return "", p.errHere("expected " + what)
	}
	w := p.peek()
	if !validID(w) {
		return "", p.errHere("invalid " + what)
	}
	p.pos++
	return w, nil
}

// splitNV splits name=value; ok is false when there is no '='.
func splitNV(w string) (name, value string, ok bool) {
	i := strings.IndexByte(w, '=')
	if i <= 0 {
		return w, "", false
	}
	return w[:i], w[i+1:], true
}

// nvpair is one name=value of an attribute list; HasValue is false for a bare name.
type nvpair struct {
	Name, Value string
	HasValue    bool
}

// attrList is a parsed `params|meta|utilization|attributes` list.
type attrList struct {
	Kind  string // instance_attributes, meta_attributes, utilization
	SetID string // from $id=
	Pairs []nvpair
}

// readPairs reads name=value words (and $id=) until a word in stop or the end.
func (p *parser) readPairs(l *attrList, stop func(string) bool) error {
	for !p.done() {
		w := p.peek()
		if stop(w) {
			return nil
		}
		n, v, ok := splitNV(w)
		switch {
		case n == "$id" && ok:
			if !validID(v) {
				return p.errHere("invalid id")
			}
			l.SetID = v
		case strings.HasPrefix(n, "$"):
			return p.errHere("unknown attribute")
		case ok:
			l.Pairs = append(l.Pairs, nvpair{n, v, true})
		default:
			if !validName(n) {
				return p.errHere("expected name=value")
			}
			l.Pairs = append(l.Pairs, nvpair{Name: n})
		}
		p.pos++
	}
	return nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r == '(' || r == ')' || r == '[' || r == ']' || r == '{' || r == '}' || r == ':' || r == '"' || r == '\'' {
			return false
		}
	}
	return true
}
