package crmsh

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// SyntaxError reports a malformed command: which word (1-based) of the command was
// wrong and why. Script runners add the line number.
type SyntaxError struct {
	Cmd  string // the command keyword, e.g. "primitive"
	Word int    // 1-based index of the offending word; 0 when it is the end of line
	Tok  string // the offending word, "" at end of line
	Msg  string
	Text string // the whole command as typed
}

func (e *SyntaxError) Error() string {
	where := "at end of line"
	if e.Word > 0 {
		where = fmt.Sprintf("near <%s> (word %d)", e.Tok, e.Word)
	}
	return fmt.Sprintf("syntax in %s: %s %s parsing '%s'", e.Cmd, e.Msg, where, e.Text)
}

// LineError attaches a script line number to an error.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Session applies configure-level commands to one in-memory CIB.
type Session struct {
	root *etree.Element
	out  io.Writer // where show writes
	log  io.Writer // INFO/WARNING messages, like crmsh's stderr
	// idx caches the ids in use so that a long script is not quadratic; it is
	// dropped whenever a command fails or changes ids in bulk.
	idx *idgen
}

// NewSession works on root, the <cib> element. show output goes to out, crmsh's
// informational messages to log; either may be nil.
func NewSession(root *etree.Element, out, log io.Writer) *Session {
	if out == nil {
		out = io.Discard
	}
	if log == nil {
		log = io.Discard
	}
	return &Session{root: root, out: out, log: log}
}

// Apply runs a configure-level script against root with crmsh's `crm -f`
// semantics: each failing command is reported and skipped, the others are applied.
// The returned error joins every failure (nil when all succeeded).
func Apply(root *etree.Element, script string) error {
	return NewSession(root, nil, nil).RunScript(script)
}

// RunScript runs every logical line of script at the configure level.
func (s *Session) RunScript(script string) error {
	var errs []error
	for _, l := range SplitLines(script) {
		if err := s.ExecLine(l.Text); err != nil {
			errs = append(errs, &LineError{Line: l.Num, Err: err})
		}
	}
	return errors.Join(errs...)
}

// ExecLine lexes and runs one command.
func (s *Session) ExecLine(text string) error {
	if rest, ok := rawXML(text); ok {
		return s.Exec([]string{"xml", rest})
	}
	words, err := Lex(text)
	if err != nil {
		return err
	}
	if len(words) == 0 {
		return nil
	}
	return s.Exec(words)
}

// Exec runs one configure command given as words. A command either applies fully
// or leaves the CIB untouched.
// Forget drops the id cache; call it after changing the CIB behind the
// session's back.
func (s *Session) Forget() { s.idx = nil }

func (s *Session) Exec(words []string) error {
	if len(words) == 0 {
		return nil
	}
	if !multiStep[words[0]] {
		// These commands check everything before their single, final change.
		err := s.exec(words)
		if err != nil {
			s.idx = nil // ids may have been reserved for elements never added
		}
		return err
	}
	defer func() { s.idx = nil }()
	cfg := s.config()
	idx := cfg.Index()
	backup := cfg.Copy()
	if err := s.exec(words); err != nil {
		// Put the untouched copy back so a failed command leaves no trace.
		s.root.RemoveChild(s.config())
		s.root.InsertChildAt(idx, backup)
		return err
	}
	return nil
}

// multiStep are the commands that remove or rename elements in several steps:
// they run on a copy to roll back to and drop the id cache. Every other command
// checks everything before its first change (FuzzExec holds them to that);
// copying on every command would make long scripts quadratic.
var multiStep = map[string]bool{"delete": true, "rm": true, "rename": true, "erase": true}

func (s *Session) exec(words []string) error {
	p := &parser{words: words, cmd: words[0], text: strings.Join(words, " ")}
	p.pos = 1
	switch words[0] {
	case "primitive":
		return s.primitive(p, "primitive")
	case "rsc_template":
		return s.primitive(p, "template")
	case "group":
		return s.group(p)
	case "clone":
		return s.clone(p, "clone")
	case "ms", "master":
		if err := s.clone(p, "master"); err != nil {
			return err
		}
		fmt.Fprintf(s.log, "WARNING: \"ms\" is deprecated. Please use \"%s\"\n", msAsClone(words))
		return nil
	case "location":
		return s.location(p)
	case "colocation", "collocation":
		return s.colocation(p)
	case "order":
		return s.order(p)
	case "rsc_ticket":
		return s.ticket(p)
	case "property":
		return s.nvset(p, "crm_config", "cluster_property_set", "cib-bootstrap-options")
	case "rsc_defaults":
		return s.nvset(p, "rsc_defaults", "meta_attributes", "rsc-options")
	case "op_defaults":
		return s.nvset(p, "op_defaults", "meta_attributes", "op-options")
	case "node":
		return s.node(p)
	case "tag":
		return s.tag(p)
	case "fencing_topology":
		return s.fencingTopology(p)
	case "xml":
		return s.xmlCommand(p)
	case "modgroup":
		return s.modgroup(p)
	case "delete", "rm":
		return s.deleteCmd(p)
	case "rename":
		return s.rename(p)
	case "erase":
		return s.erase(p)
	case "show":
		return s.show(p)
	case "verify":
		return s.verify()
	case "commit", "end", "up", "cd", "back", "refresh", "ptest", "simulate":
		return nil
	}
	return fmt.Errorf("%s: No such command", words[0])
}

// msAsClone is crmsh's suggested clone command for an ms command.
func msAsClone(words []string) string {
	out := append([]string{"clone"}, words[1:]...)
	hasMeta := false
	for _, w := range words {
		hasMeta = hasMeta || w == "meta"
	}
	if !hasMeta {
		out = append(out, "meta")
	}
	return strings.Join(append(out, "promotable=true"), " ")
}

// rawXML recognises an `xml <element>` line, whose XML must not go through the
// shell-like lexer (it would strip the attribute quotes).
func rawXML(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "xml") || len(t) < 4 || (t[3] != ' ' && t[3] != '\t') {
		return "", false
	}
	return strings.TrimSpace(t[3:]), true
}

// config returns <configuration>, creating it when the document lacks one.
func (s *Session) config() *etree.Element {
	c := s.root.SelectElement("configuration")
	if c == nil {
		c = s.root.CreateElement("configuration")
	}
	return c
}

// section returns a child section of <configuration>, creating it at the end.
func (s *Session) section(name string) *etree.Element {
	c := s.config()
	e := c.SelectElement(name)
	if e == nil {
		e = c.CreateElement(name)
	}
	return e
}

// isRef reports whether an element's id attribute refers to another element
// rather than defining one.
func isRef(e *etree.Element) bool {
	switch e.Tag {
	case "resource_ref", "obj_ref", "role", "crm_config_ref":
		return true
	}
	return false
}

func walk(e *etree.Element, fn func(*etree.Element) bool) bool {
	if !fn(e) {
		return false
	}
	for _, c := range e.ChildElements() {
		if !walk(c, fn) {
			return false
		}
	}
	return true
}

// byID finds the element defining id anywhere in the configuration.
func (s *Session) byID(id string) *etree.Element {
	if s.idx != nil {
		if !s.idx.used[id] {
			return nil
		}
		if e := s.idx.elems[id]; e != nil && e.SelectAttrValue("id", "") == id && e.Parent() != nil {
			return e
		}
	}
	var found *etree.Element
	walk(s.config(), func(e *etree.Element) bool {
		if !isRef(e) && e.SelectAttrValue("id", "") == id {
			found = e
			return false
		}
		return true
	})
	return found
}

// idgen hands out unique ids the way crmsh does: the base if free, else base-0,
// base-1, ...
type idgen struct {
	used  map[string]bool
	elems map[string]*etree.Element // ids defined when the cache was built
}

func (s *Session) ids() *idgen {
	if s.idx != nil {
		return s.idx
	}
	g := &idgen{used: map[string]bool{}, elems: map[string]*etree.Element{}}
	walk(s.root, func(e *etree.Element) bool {
		if !isRef(e) {
			if v := e.SelectAttrValue("id", ""); v != "" {
				g.used[v] = true
				if g.elems[v] == nil {
					g.elems[v] = e
				}
			}
		}
		return true
	})
	s.idx = g
	return g
}

func (g *idgen) new(base string) string {
	base = sanitizeID(base)
	if !g.used[base] {
		g.used[base] = true
		return base
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%s-%d", base, i)
		if !g.used[c] {
			g.used[c] = true
			return c
		}
	}
}

func (g *idgen) take(id string) { g.used[id] = true }

// sanitizeID makes a string usable as an XML ID: characters outside the NCName
// set become '_', and a leading digit or punctuation is prefixed.
func sanitizeID(s string) string {
	var b strings.Builder
	for i, r := range s {
		ok := r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127
		if !ok {
			r = '_'
		}
		if i == 0 && (r == '-' || r == '.') {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// validID reports whether s can be an object id given by the user.
func validID(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
		return false
	}
	return sanitizeID(s) == s
}

// resourceTags are the elements that are resources (or templates) in <resources>.
var resourceTags = map[string]bool{"primitive": true, "group": true, "clone": true, "master": true, "template": true, "bundle": true}

// resource finds a resource element by id.
func (s *Session) resource(id string) *etree.Element {
	e := s.byID(id)
	if e != nil && resourceTags[e.Tag] {
		return e
	}
	return nil
}
