package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Context is what a rule is evaluated against.
type Context struct {
	// NodeAttrs are the node's attributes, including #uname, #id and #kind.
	NodeAttrs map[string]string
	// Now is the evaluation time for date expressions.
	Now time.Time
	// Rsc describes the resource for rsc_expression (class, provider, type); nil means
	// rsc_expression is not applicable and evaluates to false.
	Rsc *RscInfo
	// Op describes the operation for op_expression; nil makes them false.
	Op *OpInfo
	// Params and Meta back value-source="param"/"meta" (resource parameters/meta).
	Params, Meta map[string]string
}

// RscInfo identifies a resource agent for rsc_expression.
type RscInfo struct{ Class, Provider, Type string }

// OpInfo identifies an operation for op_expression.
type OpInfo struct {
	Name     string
	Interval time.Duration
}

// Eval reports whether a <rule> element passes. Unknown elements and malformed
// expressions evaluate to false (with an error describing why) rather than aborting,
// the way Pacemaker skips a broken rule.
func Eval(rule *etree.Element, ctx *Context) (bool, error) {
	if rule == nil {
		return true, nil
	}
	or := rule.SelectAttrValue("boolean-op", "and") == "or"
	any := false
	var firstErr error
	for _, ch := range rule.ChildElements() {
		var ok bool
		var err error
		switch ch.Tag {
		case "rule":
			ok, err = Eval(ch, ctx)
		case "expression":
			ok, err = evalAttr(ch, ctx)
		case "date_expression":
			ok, err = evalDate(ch, ctx)
		case "rsc_expression":
			ok = evalRsc(ch, ctx)
		case "op_expression":
			ok, err = evalOp(ch, ctx)
		default:
			continue
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		any = true
		if or && ok {
			return true, firstErr
		}
		if !or && !ok {
			return false, firstErr
		}
	}
	if or {
		// An "or" rule with no expressions passes, like an empty "and".
		return !any, firstErr
	}
	return true, firstErr
}

// Score returns a rule's score: its score attribute, or the node attribute named by
// score-attribute (0 when missing). has is false when neither is set.
func Score(rule *etree.Element, ctx *Context) (score int, has bool) {
	if s := rule.SelectAttr("score"); s != nil {
		v, _ := ParseScore(s.Value)
		return v, true
	}
	if a := rule.SelectAttr("score-attribute"); a != nil {
		if ctx != nil && ctx.NodeAttrs != nil {
			v, _ := ParseScore(ctx.NodeAttrs[a.Value])
			return v, true
		}
		return 0, true
	}
	return 0, false
}

func evalAttr(e *etree.Element, ctx *Context) (bool, error) {
	attr := e.SelectAttrValue("attribute", "")
	op := e.SelectAttrValue("operation", "")
	val, hasVal := attrOf(e, "value")
	switch e.SelectAttrValue("value-source", "literal") {
	case "param":
		val, hasVal = lookup(ctx.Params, val)
	case "meta":
		val, hasVal = lookup(ctx.Meta, val)
	}
	var have string
	var defined bool
	if ctx != nil {
		have, defined = lookup(ctx.NodeAttrs, attr)
	}
	switch op {
	case "defined":
		return defined, nil
	case "not_defined":
		return !defined, nil
	case "lt", "gt", "lte", "gte", "eq", "ne":
	default:
		return false, fmt.Errorf("expression %s: unknown operation %q", e.SelectAttrValue("id", ""), op)
	}
	if !defined || !hasVal {
		// Comparing with nothing: only "ne" can hold.
		return op == "ne" && defined != hasVal, nil
	}
	typ := e.SelectAttrValue("type", "")
	if typ == "" {
		typ = "string"
		if op != "eq" && op != "ne" {
			typ = "integer"
			if strings.Contains(val, ".") || strings.Contains(have, ".") {
				typ = "number"
			}
		}
	}
	c, ok := compare(have, val, typ)
	if !ok {
		// Values that do not parse as the type are compared as strings.
		c = strings.Compare(strings.ToLower(have), strings.ToLower(val))
	}
	switch op {
	case "lt":
		return c < 0, nil
	case "gt":
		return c > 0, nil
	case "lte":
		return c <= 0, nil
	case "gte":
		return c >= 0, nil
	case "eq":
		return c == 0, nil
	}
	return c != 0, nil
}

func attrOf(e *etree.Element, name string) (string, bool) {
	if a := e.SelectAttr(name); a != nil {
		return a.Value, true
	}
	return "", false
}

func lookup(m map[string]string, k string) (string, bool) {
	if m == nil {
		return "", false
	}
	v, ok := m[k]
	return v, ok
}

func compare(a, b, typ string) (int, bool) {
	switch typ {
	case "integer":
		x, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		y, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
		if err1 != nil || err2 != nil {
			// Pacemaker falls back to the number type for decimals.
			return compare(a, b, "number")
		}
		return cmp3(x < y, x > y), true
	case "number":
		x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
		y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		return cmp3(x < y, x > y), true
	case "version":
		return compareVersion(a, b), true
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b)), true
}

func cmp3(lt, gt bool) int {
	if lt {
		return -1
	}
	if gt {
		return 1
	}
	return 0
}

// compareVersion compares dotted numeric versions field by field; missing fields count as 0.
func compareVersion(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int64
		if i < len(pa) {
			x, _ = strconv.ParseInt(pa[i], 10, 64)
		}
		if i < len(pb) {
			y, _ = strconv.ParseInt(pb[i], 10, 64)
		}
		if c := cmp3(x < y, x > y); c != 0 {
			return c
		}
	}
	return 0
}

func evalRsc(e *etree.Element, ctx *Context) bool {
	if ctx == nil || ctx.Rsc == nil {
		return false
	}
	for _, f := range []struct{ attr, have string }{
		{"class", ctx.Rsc.Class}, {"provider", ctx.Rsc.Provider}, {"type", ctx.Rsc.Type},
	} {
		if v, ok := attrOf(e, f.attr); ok && v != f.have {
			return false
		}
	}
	return true
}

func evalOp(e *etree.Element, ctx *Context) (bool, error) {
	if ctx == nil || ctx.Op == nil {
		return false, nil
	}
	if v, ok := attrOf(e, "name"); ok && v != ctx.Op.Name {
		return false, nil
	}
	if v, ok := attrOf(e, "interval"); ok {
		d, err := ParseInterval(v)
		if err != nil {
			return false, fmt.Errorf("op_expression %s: %w", e.SelectAttrValue("id", ""), err)
		}
		if d != ctx.Op.Interval {
			return false, nil
		}
	}
	return true, nil
}

// ParseInterval reads an operation interval: plain seconds, a number with a unit
// (ms, s, m/min, h/hr), or an ISO 8601 duration.
func ParseInterval(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if s[0] == 'P' {
		d, err := ParseDuration(s)
		if err != nil {
			return 0, err
		}
		return d.approx(), nil
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("bad interval %q", s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad interval %q: %w", s, err)
	}
	unit := strings.ToLower(strings.TrimSpace(s[i:]))
	switch unit {
	case "", "s", "sec":
		return time.Duration(n) * time.Second, nil
	case "ms", "msec":
		return time.Duration(n) * time.Millisecond, nil
	case "us", "usec":
		return time.Duration(n) * time.Microsecond, nil
	case "m", "min":
		return time.Duration(n) * time.Minute, nil
	case "h", "hr":
		return time.Duration(n) * time.Hour, nil
	}
	return 0, fmt.Errorf("bad interval unit in %q", s)
}
