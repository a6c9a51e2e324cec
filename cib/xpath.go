package cib

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/crmexit"
)

// A small XPath 1.0 evaluator covering what Pacemaker's tools and users put in
// cibadmin -A / crm_resource: absolute and relative location paths with / and //,
// name tests and *, ., .., @attr, @*, text(), node(), predicates with and/or/not(),
// comparisons, positions, and the common functions (contains, starts-with, count,
// position, last, name, local-name, string, concat, normalize-space, true, false).

// xnode is a node in a node-set: an element, or one of its attributes (attr >= 0).
type xnode struct {
	e    *etree.Element
	attr int    // index into e.Attr, or -1
	text string // for text() nodes
	kind int    // 0 element, 1 attribute, 2 text
}

func (n xnode) str() string {
	switch n.kind {
	case 1:
		return n.e.Attr[n.attr].Value
	case 2:
		return n.text
	}
	return textContent(n.e)
}

func textContent(e *etree.Element) string {
	var b strings.Builder
	var rec func(*etree.Element)
	rec = func(e *etree.Element) {
		for _, t := range e.Child {
			switch t := t.(type) {
			case *etree.CharData:
				b.WriteString(t.Data)
			case *etree.Element:
				rec(t)
			}
		}
	}
	rec(e)
	return b.String()
}

type xval any // []xnode, string, float64, bool

// XPath returns the elements the expression selects, in document order. Selected
// attributes and text stand for the element holding them (as Pacemaker's query does).
// A syntax error is crmexit.InvalidParam.
func (c *CIB) XPath(expr string) ([]*etree.Element, error) {
	return XPathElements(c.doc, expr)
}

// XPathElements evaluates expr against any document (see CIB.XPath).
func XPathElements(doc *etree.Document, expr string) ([]*etree.Element, error) {
	p := &xparser{src: expr}
	p.lex()
	if p.err != nil {
		return nil, crmexit.New(crmexit.InvalidParam, "invalid XPath %q: %v", expr, p.err)
	}
	ast := p.parseExpr()
	if p.err == nil && p.pos < len(p.toks) {
		p.fail("unexpected %q", p.toks[p.pos].s)
	}
	if p.err != nil {
		return nil, crmexit.New(crmexit.InvalidParam, "invalid XPath %q: %v", expr, p.err)
	}
	docNode := &etree.Element{} // stands for the document node: its only child is the root
	root := doc.Root()
	ctx := &xctx{doc: docNode, root: root}
	v := ast.eval(ctx, xnode{e: docNode, attr: -1}, 1, 1)
	ns, ok := v.([]xnode)
	if !ok {
		return nil, crmexit.New(crmexit.InvalidParam, "invalid XPath %q: it does not select elements", expr)
	}
	var out []*etree.Element
	seen := map[*etree.Element]bool{}
	for _, n := range ns {
		if n.e == docNode || seen[n.e] {
			continue
		}
		seen[n.e] = true
		out = append(out, n.e)
	}
	return out, nil
}

type xctx struct {
	doc  *etree.Element
	root *etree.Element
}

func (x *xctx) children(e *etree.Element) []*etree.Element {
	if e == x.doc {
		if x.root == nil {
			return nil
		}
		return []*etree.Element{x.root}
	}
	return e.ChildElements()
}

func (x *xctx) parent(e *etree.Element) *etree.Element {
	if e == x.root {
		return x.doc
	}
	return e.Parent()
}

// ---- lexer ----

type xtok struct {
	k string // "name", "str", "num", or the operator itself
	s string
}

type xparser struct {
	src  string
	toks []xtok
	pos  int
	err  error
}

func (p *xparser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

func isNameChar(r byte) bool {
	return r == '_' || r == '-' || r == '.' || r == ':' || r >= 0x80 ||
		unicode.IsLetter(rune(r)) || unicode.IsDigit(rune(r))
}

func (p *xparser) lex() {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				p.fail("unterminated string")
				return
			}
			p.toks = append(p.toks, xtok{"str", s[i+1 : i+1+j]})
			i += j + 2
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'):
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			p.toks = append(p.toks, xtok{"num", s[i:j]})
			i = j
		case strings.HasPrefix(s[i:], "//"), strings.HasPrefix(s[i:], ".."), strings.HasPrefix(s[i:], "!="),
			strings.HasPrefix(s[i:], "<="), strings.HasPrefix(s[i:], ">="):
			p.toks = append(p.toks, xtok{s[i : i+2], s[i : i+2]})
			i += 2
		case strings.ContainsRune("/[]()@,=<>|*.+-", rune(c)):
			p.toks = append(p.toks, xtok{string(c), string(c)})
			i++
		case isNameChar(c):
			j := i
			for j < len(s) && isNameChar(s[j]) && !(s[j] == '.' && j+1 < len(s) && s[j+1] == '.') {
				j++
			}
			// a trailing '-' belongs to a name in XPath (e.g. with-rsc), keep as is
			p.toks = append(p.toks, xtok{"name", s[i:j]})
			i = j
		default:
			p.fail("unexpected character %q", c)
			return
		}
	}
}

func (p *xparser) peek() xtok {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return xtok{}
}

func (p *xparser) accept(k string) bool {
	if p.peek().k == k {
		p.pos++
		return true
	}
	return false
}

func (p *xparser) acceptName(n string) bool {
	if t := p.peek(); t.k == "name" && t.s == n {
		p.pos++
		return true
	}
	return false
}

// ---- AST ----

type xexpr interface {
	eval(x *xctx, n xnode, pos, size int) xval
}

type binop struct {
	op   string
	l, r xexpr
}

type literal struct{ v xval }

type negate struct{ e xexpr }

type call struct {
	name string
	args []xexpr
}

type step struct {
	axis  string // "child", "desc" (descendant-or-self then child), "attr", "self", "parent"
	test  string // name, "*", "text()", "node()"
	preds []xexpr
}

type path struct {
	abs   bool
	start xexpr // a filter expression the path continues from, or nil
	steps []step
}

type union struct{ l, r xexpr }

func (p *xparser) parseExpr() xexpr { return p.parseOr() }

func (p *xparser) parseOr() xexpr {
	l := p.parseAnd()
	for p.acceptName("or") {
		l = &binop{"or", l, p.parseAnd()}
	}
	return l
}

func (p *xparser) parseAnd() xexpr {
	l := p.parseEq()
	for p.acceptName("and") {
		l = &binop{"and", l, p.parseEq()}
	}
	return l
}

func (p *xparser) parseEq() xexpr {
	l := p.parseRel()
	for {
		switch {
		case p.accept("="):
			l = &binop{"=", l, p.parseRel()}
		case p.accept("!="):
			l = &binop{"!=", l, p.parseRel()}
		default:
			return l
		}
	}
}

func (p *xparser) parseRel() xexpr {
	l := p.parseAdd()
	for {
		op := p.peek().k
		if op == "<" || op == ">" || op == "<=" || op == ">=" {
			p.pos++
			l = &binop{op, l, p.parseAdd()}
			continue
		}
		return l
	}
}

func (p *xparser) parseAdd() xexpr {
	l := p.parseUnary()
	for {
		op := p.peek().k
		if op == "+" || op == "-" {
			p.pos++
			l = &binop{op, l, p.parseUnary()}
			continue
		}
		return l
	}
}

func (p *xparser) parseUnary() xexpr {
	if p.accept("-") {
		return &negate{p.parseUnary()}
	}
	return p.parseUnion()
}

func (p *xparser) parseUnion() xexpr {
	l := p.parsePath()
	for p.accept("|") {
		l = &union{l, p.parsePath()}
	}
	return l
}

func (p *xparser) parsePath() xexpr {
	if p.err != nil {
		return &literal{false}
	}
	t := p.peek()
	switch {
	case t.k == "str":
		p.pos++
		return &literal{t.s}
	case t.k == "num":
		p.pos++
		f, err := strconv.ParseFloat(t.s, 64)
		if err != nil {
			p.fail("bad number %q", t.s)
		}
		return &literal{f}
	case t.k == "(":
		p.pos++
		e := p.parseExpr()
		if !p.accept(")") {
			p.fail("missing )")
		}
		return p.continuePath(e)
	case t.k == "name" && p.pos+1 < len(p.toks) && p.toks[p.pos+1].k == "(" &&
		t.s != "text" && t.s != "node":
		p.pos += 2
		c := &call{name: t.s}
		if !p.accept(")") {
			for {
				c.args = append(c.args, p.parseExpr())
				if p.accept(")") {
					break
				}
				if !p.accept(",") {
					p.fail("expected , or ) in call to %s()", t.s)
					break
				}
			}
		}
		return p.continuePath(c)
	}
	pa := &path{}
	if p.accept("/") {
		pa.abs = true
		if !p.startsStep() {
			return pa
		}
	} else if p.accept("//") {
		pa.abs = true
		pa.steps = append(pa.steps, step{axis: "desc", test: "node()"})
	}
	p.parseSteps(pa)
	return pa
}

func (p *xparser) continuePath(e xexpr) xexpr {
	if p.peek().k != "/" && p.peek().k != "//" && p.peek().k != "[" {
		return e
	}
	pa := &path{start: e}
	for p.peek().k == "[" {
		// predicates on a filter expression: apply as a self step
		s := step{axis: "self", test: "node()"}
		p.parsePreds(&s)
		pa.steps = append(pa.steps, s)
	}
	if p.accept("//") {
		pa.steps = append(pa.steps, step{axis: "desc", test: "node()"})
		p.parseSteps(pa)
	} else if p.accept("/") {
		p.parseSteps(pa)
	}
	return pa
}

func (p *xparser) startsStep() bool {
	k := p.peek().k
	return k == "name" || k == "*" || k == "@" || k == "." || k == ".."
}

func (p *xparser) parseSteps(pa *path) {
	for {
		pa.steps = append(pa.steps, p.parseStep())
		if p.err != nil {
			return
		}
		if p.accept("//") {
			pa.steps = append(pa.steps, step{axis: "desc", test: "node()"})
			continue
		}
		if !p.accept("/") {
			return
		}
	}
}

func (p *xparser) parseStep() step {
	s := step{axis: "child"}
	switch {
	case p.accept("."):
		return step{axis: "self", test: "node()"}
	case p.accept(".."):
		return step{axis: "parent", test: "node()"}
	case p.accept("@"):
		s.axis = "attr"
	}
	t := p.peek()
	switch {
	case t.k == "*":
		p.pos++
		s.test = "*"
	case t.k == "name":
		p.pos++
		name := t.s
		if i := strings.Index(name, "::"); i >= 0 {
			// explicit axes: child::, attribute::, self::, parent::, descendant-or-self::
			ax, rest := name[:i], name[i+2:]
			switch ax {
			case "child":
			case "attribute":
				s.axis = "attr"
			case "self":
				s.axis = "self"
			case "parent":
				s.axis = "parent"
			case "descendant", "descendant-or-self":
				s.axis = "descendant"
				if ax == "descendant-or-self" {
					s.axis = "descendant-or-self"
				}
			default:
				p.fail("unsupported axis %s::", ax)
			}
			name = rest
			if name == "" {
				if p.accept("*") {
					name = "*"
				} else if n := p.peek(); n.k == "name" {
					p.pos++
					name = n.s
				}
			}
		}
		if (name == "text" || name == "node") && p.accept("(") {
			if !p.accept(")") {
				p.fail("expected ) after %s(", name)
			}
			name += "()"
		}
		s.test = name
	default:
		p.fail("expected a step, found %q", t.s)
		return s
	}
	p.parsePreds(&s)
	return s
}

func (p *xparser) parsePreds(s *step) {
	for p.accept("[") {
		s.preds = append(s.preds, p.parseExpr())
		if !p.accept("]") {
			p.fail("missing ]")
			return
		}
	}
}

// ---- evaluation ----

func (l *literal) eval(*xctx, xnode, int, int) xval { return l.v }

func (n *negate) eval(x *xctx, c xnode, pos, size int) xval {
	return -toNum(n.e.eval(x, c, pos, size))
}

func (u *union) eval(x *xctx, c xnode, pos, size int) xval {
	a, _ := u.l.eval(x, c, pos, size).([]xnode)
	b, _ := u.r.eval(x, c, pos, size).([]xnode)
	return docOrder(x, append(append([]xnode(nil), a...), b...))
}

// docOrder sorts and de-duplicates a node-set by document position.
func docOrder(x *xctx, ns []xnode) []xnode {
	order := map[*etree.Element]int{}
	i := 0
	walk(x.root, func(e *etree.Element) bool { order[e] = i; i++; return true })
	type key struct {
		e    *etree.Element
		attr int
		kind int
		text string
	}
	seen := map[key]bool{}
	out := ns[:0]
	for _, n := range ns {
		k := key{n.e, n.attr, n.kind, n.text}
		if !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	sortNodes(out, func(a, b xnode) bool {
		if order[a.e] != order[b.e] {
			return order[a.e] < order[b.e]
		}
		return a.kind < b.kind || (a.kind == b.kind && a.attr < b.attr)
	})
	return out
}

func sortNodes(ns []xnode, less func(a, b xnode) bool) {
	sort.SliceStable(ns, func(i, j int) bool { return less(ns[i], ns[j]) })
}

func (pa *path) eval(x *xctx, c xnode, pos, size int) xval {
	var cur []xnode
	switch {
	case pa.start != nil:
		v, ok := pa.start.eval(x, c, pos, size).([]xnode)
		if !ok {
			return []xnode{}
		}
		cur = v
	case pa.abs:
		cur = []xnode{{e: x.doc, attr: -1}}
	default:
		cur = []xnode{c}
	}
	for i := 0; i < len(pa.steps); i++ {
		s := pa.steps[i]
		// "//name" without positional predicates is the descendant axis: do it in one walk
		if s.axis == "desc" && i+1 < len(pa.steps) && pa.steps[i+1].axis == "child" && !hasPositional(pa.steps[i+1].preds) {
			nx := pa.steps[i+1]
			var out []xnode
			for _, n := range cur {
				if n.kind != 0 {
					continue
				}
				for _, ch := range x.children(n.e) {
					walk(ch, func(e *etree.Element) bool {
						if nameMatch(nx.test, e) {
							out = append(out, xnode{e: e, attr: -1})
						}
						return true
					})
				}
			}
			if len(cur) > 1 {
				out = docOrder(x, out)
			}
			cur = filterPreds(x, out, nx.preds)
			i++ // the child step was done by the walk
			continue
		}
		var next []xnode
		for _, n := range cur {
			next = append(next, filterPreds(x, s.apply(x, n), s.preds)...)
		}
		if len(cur) > 1 {
			next = docOrder(x, next)
		}
		cur = next
	}
	if cur == nil {
		cur = []xnode{}
	}
	return cur
}

// hasPositional reports whether any predicate may depend on the position of a node
// among its siblings' matches (a number, position(), last(), arithmetic), in which
// case "//x[...]" must be evaluated step by step rather than as one tree walk.
func hasPositional(preds []xexpr) bool {
	for _, p := range preds {
		if mayBePositional(p) {
			return true
		}
	}
	return false
}

func mayBePositional(e xexpr) bool {
	switch e := e.(type) {
	case *literal:
		_, num := e.v.(float64)
		return num
	case *negate:
		return true
	case *binop:
		if e.op == "+" || e.op == "-" {
			return true // a number: selects by position
		}
		return usesPositionFn(e.l) || usesPositionFn(e.r) // a boolean
	case *call:
		switch e.name {
		case "position", "last", "count", "number", "string-length", "sum":
			return true
		}
		for _, a := range e.args {
			if usesPositionFn(a) {
				return true
			}
		}
		return false
	case *path, *union:
		return false // a node-set: true when non-empty, whatever the position
	}
	return true
}

// usesPositionFn reports whether e calls position() or last() outside nested paths.
func usesPositionFn(e xexpr) bool {
	switch e := e.(type) {
	case *call:
		if e.name == "position" || e.name == "last" {
			return true
		}
		for _, a := range e.args {
			if usesPositionFn(a) {
				return true
			}
		}
	case *binop:
		return usesPositionFn(e.l) || usesPositionFn(e.r)
	case *negate:
		return usesPositionFn(e.e)
	}
	return false
}

func nameMatch(test string, e *etree.Element) bool {
	return test == "*" || test == "node()" || test == e.Tag || test == e.FullTag()
}

func (s step) apply(x *xctx, n xnode) []xnode {
	var out []xnode
	switch s.axis {
	case "child":
		if n.kind != 0 {
			return nil
		}
		if s.test == "text()" {
			for _, t := range n.e.Child {
				if cd, ok := t.(*etree.CharData); ok {
					out = append(out, xnode{e: n.e, attr: -1, kind: 2, text: cd.Data})
				}
			}
			return out
		}
		for _, ch := range x.children(n.e) {
			if nameMatch(s.test, ch) {
				out = append(out, xnode{e: ch, attr: -1})
			}
		}
	case "attr":
		if n.kind != 0 {
			return nil
		}
		for i, a := range n.e.Attr {
			if s.test == "*" || s.test == "node()" || s.test == a.FullKey() {
				out = append(out, xnode{e: n.e, attr: i, kind: 1})
			}
		}
	case "self":
		if n.kind != 0 || nameMatch(s.test, n.e) {
			out = append(out, n)
		}
	case "parent":
		if n.kind != 0 {
			return []xnode{{e: n.e, attr: -1}}
		}
		if p := x.parent(n.e); p != nil && (s.test == "node()" || nameMatch(s.test, p)) {
			out = append(out, xnode{e: p, attr: -1})
		}
	case "desc", "descendant", "descendant-or-self":
		if n.kind != 0 {
			return nil
		}
		self := s.axis != "descendant"
		walkX(x, n.e, self, func(e *etree.Element) {
			if e != x.doc && nameMatch(s.test, e) {
				out = append(out, xnode{e: e, attr: -1})
			} else if e == x.doc && s.test == "node()" {
				out = append(out, xnode{e: e, attr: -1})
			}
		})
	}
	return out
}

func walkX(x *xctx, e *etree.Element, self bool, fn func(*etree.Element)) {
	if self {
		fn(e)
	}
	for _, ch := range x.children(e) {
		walkX(x, ch, true, fn)
	}
}

func filterPreds(x *xctx, ns []xnode, preds []xexpr) []xnode {
	for _, pr := range preds {
		var keep []xnode
		for i, n := range ns {
			v := pr.eval(x, n, i+1, len(ns))
			if f, ok := v.(float64); ok {
				if int(f) == i+1 && f == math.Trunc(f) {
					keep = append(keep, n)
				}
			} else if toBool(v) {
				keep = append(keep, n)
			}
		}
		ns = keep
	}
	return ns
}

func (b *binop) eval(x *xctx, c xnode, pos, size int) xval {
	switch b.op {
	case "or":
		return toBool(b.l.eval(x, c, pos, size)) || toBool(b.r.eval(x, c, pos, size))
	case "and":
		return toBool(b.l.eval(x, c, pos, size)) && toBool(b.r.eval(x, c, pos, size))
	case "+":
		return toNum(b.l.eval(x, c, pos, size)) + toNum(b.r.eval(x, c, pos, size))
	case "-":
		return toNum(b.l.eval(x, c, pos, size)) - toNum(b.r.eval(x, c, pos, size))
	}
	return compare(b.op, b.l.eval(x, c, pos, size), b.r.eval(x, c, pos, size))
}

// compare implements XPath's comparison rules, including node-set existential semantics.
func compare(op string, l, r xval) bool {
	if ln, ok := l.([]xnode); ok {
		for _, n := range ln {
			if compare(op, n.str(), r) {
				return true
			}
		}
		return false
	}
	if rn, ok := r.([]xnode); ok {
		for _, n := range rn {
			if compare(op, l, n.str()) {
				return true
			}
		}
		return false
	}
	switch op {
	case "=", "!=":
		var eq bool
		_, lb := l.(bool)
		_, rb := r.(bool)
		_, lf := l.(float64)
		_, rf := r.(float64)
		switch {
		case lb || rb:
			eq = toBool(l) == toBool(r)
		case lf || rf:
			eq = toNum(l) == toNum(r)
		default:
			eq = toStr(l) == toStr(r)
		}
		return eq == (op == "=")
	}
	a, b := toNum(l), toNum(r)
	switch op {
	case "<":
		return a < b
	case ">":
		return a > b
	case "<=":
		return a <= b
	case ">=":
		return a >= b
	}
	return false
}

func toBool(v xval) bool {
	switch v := v.(type) {
	case bool:
		return v
	case float64:
		return v != 0 && !math.IsNaN(v)
	case string:
		return v != ""
	case []xnode:
		return len(v) > 0
	}
	return false
}

func toStr(v xval) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		if v == math.Trunc(v) && !math.IsInf(v, 0) {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []xnode:
		if len(v) == 0 {
			return ""
		}
		return v[0].str()
	}
	return ""
}

func toNum(v xval) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case bool:
		if v {
			return 1
		}
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(toStr(v)), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func (f *call) eval(x *xctx, c xnode, pos, size int) xval {
	arg := func(i int) xval {
		if i < len(f.args) {
			return f.args[i].eval(x, c, pos, size)
		}
		if c.kind == 0 {
			return []xnode{c}
		}
		return c.str()
	}
	switch f.name {
	case "not":
		return !toBool(arg(0))
	case "true":
		return true
	case "false":
		return false
	case "position":
		return float64(pos)
	case "last":
		return float64(size)
	case "count":
		ns, _ := arg(0).([]xnode)
		return float64(len(ns))
	case "contains":
		return strings.Contains(toStr(arg(0)), toStr(arg(1)))
	case "starts-with":
		return strings.HasPrefix(toStr(arg(0)), toStr(arg(1)))
	case "string":
		return toStr(arg(0))
	case "number":
		return toNum(arg(0))
	case "boolean":
		return toBool(arg(0))
	case "string-length":
		return float64(len([]rune(toStr(arg(0)))))
	case "normalize-space":
		return strings.Join(strings.Fields(toStr(arg(0))), " ")
	case "concat":
		var b strings.Builder
		for i := range f.args {
			b.WriteString(toStr(arg(i)))
		}
		return b.String()
	case "name", "local-name":
		ns, _ := arg(0).([]xnode)
		if len(ns) == 0 {
			return ""
		}
		if ns[0].kind == 1 {
			return ns[0].e.Attr[ns[0].attr].Key
		}
		if ns[0].e == x.doc {
			return ""
		}
		return ns[0].e.Tag
	}
	return false
}
