package cib

import (
	"strings"
	"testing"
)

const xpDoc = `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="n1"/>
      <node id="2" uname="n2"/>
    </nodes>
    <resources>
      <primitive id="a" class="ocf" provider="pacemaker" type="Dummy">
        <meta_attributes id="a-meta">
          <nvpair id="a-m1" name="target-role" value="Stopped"/>
        </meta_attributes>
      </primitive>
      <group id="g">
        <primitive id="b" class="ocf" provider="heartbeat" type="IPaddr2"/>
        <primitive id="c" class="ocf" provider="pacemaker" type="Dummy"/>
      </group>
    </resources>
    <constraints>
      <rsc_location id="l1" rsc="a" node="n1" score="INFINITY"/>
    </constraints>
  </configuration>
  <status/>
</cib>`

func ids(t *testing.T, c *CIB, expr string) string {
	t.Helper()
	m, err := c.XPath(expr)
	if err != nil {
		t.Fatalf("XPath(%q): %v", expr, err)
	}
	var out []string
	for _, e := range m {
		id := e.SelectAttrValue("id", "")
		if id == "" {
			id = e.Tag
		}
		out = append(out, id)
	}
	return strings.Join(out, ",")
}

func TestXPath(t *testing.T) {
	c, err := Parse([]byte(xpDoc))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ expr, want string }{
		{"//primitive", "a,b,c"},
		{"/cib/configuration/resources/primitive", "a"},
		{"/cib/configuration/resources/*", "a,g"},
		{`//primitive[@id="b"]`, "b"},
		{"//primitive[@id='a' and @class='ocf']", "a"},
		{"//primitive[@type='Dummy' or @id='b']", "a,b,c"},
		{"//primitive[not(@provider='pacemaker')]", "b"},
		{"//group/primitive[1]", "b"},
		{"//group/primitive[last()]", "c"},
		{"//group/primitive[position()=2]", "c"},
		{"//nvpair[@name='target-role']", "a-m1"},
		{"//nvpair[@name='target-role']/..", "a-meta"},
		{"//primitive[@id='a']/@type", "a"},
		{"//primitive[meta_attributes]", "a"},
		{"//primitive[contains(@type,'IP')]", "b"},
		{"//primitive[starts-with(@id,'c')]", "c"},
		{"//node[@uname='n2']", "2"},
		{"//*[@id='g']//primitive", "b,c"},
		{"//rsc_location[@score='INFINITY']", "l1"},
		{"/cib", "cib"},
		{"//group[count(primitive)=2]", "g"},
		{"//primitive[@id='x'] | //primitive[@id='c'] | //primitive[@id='a']", "a,c"},
		{"//nothing", ""},
		{"//resources/child::group", "g"},
		{"//status", "status"},
		{"//primitive[2]", "c"},
		{"//primitive[@class='ocf'][1]", "a,b"},
		{"//primitive[position()=1]", "a,b"},
		{"//primitive[last()]", "a,c"},
		{"//primitive[1+1]", "c"},
		{"//primitive[@type='Dummy' and position()=2]", "c"},
		{"//primitive[count(meta_attributes)]", "a"},
		{"//*[@id='c']", "c"},
	}
	for _, tc := range cases {
		if got := ids(t, c, tc.expr); got != tc.want {
			t.Errorf("XPath(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{"//primitive[", "//primitive[@id='a'", "]", "//@", "'unterminated", "1+1"} {
		if _, err := c.XPath(bad); err == nil {
			t.Errorf("XPath(%q) succeeded, want a syntax error", bad)
		}
	}
}
