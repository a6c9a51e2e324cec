package rules

import (
	"testing"
	"time"

	"github.com/beevik/etree"
)

func parse(t *testing.T, s string) *etree.Element {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromString(s); err != nil {
		t.Fatal(err)
	}
	return d.Root()
}

func TestExpressions(t *testing.T) {
	attrs := map[string]string{"#uname": "node1", "#kind": "cluster", "num": "10", "ver": "1.10.2"}
	now := time.Date(2020, 3, 4, 12, 30, 0, 0, time.UTC) // a Wednesday
	cases := []struct {
		rule string
		want bool
	}{
		{`<rule><expression attribute="#uname" operation="eq" value="node1"/></rule>`, true},
		{`<rule><expression attribute="#uname" operation="ne" value="node1"/></rule>`, false},
		{`<rule><expression attribute="num" operation="gt" value="9"/></rule>`, true}, // integer, not string
		{`<rule><expression attribute="num" operation="gt" value="9" type="string"/></rule>`, false},
		{`<rule><expression attribute="ver" operation="gt" value="1.9" type="version"/></rule>`, true},
		{`<rule><expression attribute="missing" operation="not_defined"/></rule>`, true},
		{`<rule><expression attribute="missing" operation="defined"/></rule>`, false},
		{`<rule><expression attribute="missing" operation="ne" value="x"/></rule>`, true},
		{`<rule><expression attribute="missing" operation="eq" value="x"/></rule>`, false},
		{`<rule boolean-op="or"><expression attribute="num" operation="lt" value="1"/><expression attribute="#kind" operation="eq" value="cluster"/></rule>`, true},
		{`<rule boolean-op="and"><expression attribute="num" operation="lt" value="1"/><expression attribute="#kind" operation="eq" value="cluster"/></rule>`, false},
		{`<rule><date_expression operation="gt" start="2020-01-01"/></rule>`, true},
		{`<rule><date_expression operation="lt" end="2019-09-20 15:10:52 +00:00"/></rule>`, false},
		{`<rule><date_expression operation="date_spec"><date_spec hours="9-16" weekdays="1-5"/></date_expression></rule>`, true},
		{`<rule><date_expression operation="date_spec"><date_spec hours="13"/></date_expression></rule>`, false},
		{`<rule><date_expression operation="in_range" start="2020-03-01"><duration days="2"/></date_expression></rule>`, false},
		{`<rule><date_expression operation="in_range" start="2020-03-01"><duration weeks="1"/></date_expression></rule>`, true},
		{`<rule><rule boolean-op="or"><expression attribute="#uname" operation="eq" value="x"/></rule></rule>`, false},
	}
	for _, c := range cases {
		got, err := Eval(parse(t, c.rule), &Context{NodeAttrs: attrs, Now: now})
		if err != nil {
			t.Errorf("%s: %v", c.rule, err)
		}
		if got != c.want {
			t.Errorf("%s = %v, want %v", c.rule, got, c.want)
		}
	}
}

func TestScores(t *testing.T) {
	if Add(Infinity, -Infinity) != -Infinity || Add(500000, 600000) != Infinity || Add(3, 4) != 7 {
		t.Fatal("saturating add is wrong")
	}
	for s, want := range map[string]int{"INFINITY": Infinity, "+INFINITY": Infinity, "-INFINITY": -Infinity, "-5": -5, "2000000": Infinity} {
		if got, ok := ParseScore(s); !ok || got != want {
			t.Errorf("ParseScore(%q) = %d, want %d", s, got, want)
		}
	}
	r := parse(t, `<rule score-attribute="pref"/>`)
	if s, has := Score(r, &Context{NodeAttrs: map[string]string{"pref": "42"}}); !has || s != 42 {
		t.Errorf("score-attribute gave %d", s)
	}
}

func FuzzEval(f *testing.F) {
	f.Add(`<rule boolean-op="or"><expression attribute="a" operation="lt" value="1.5"/><date_expression operation="date_spec"><date_spec hours="1-"/></date_expression></rule>`)
	f.Fuzz(func(t *testing.T, s string) {
		d := etree.NewDocument()
		if d.ReadFromString(s) != nil || d.Root() == nil {
			return
		}
		_, _ = Eval(d.Root(), &Context{NodeAttrs: map[string]string{"a": "2"}})
		_, _ = Score(d.Root(), &Context{})
	})
}
