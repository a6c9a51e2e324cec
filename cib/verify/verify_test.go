package verify

import (
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/cib"
)

func parse(t *testing.T, s string) *cib.CIB {
	t.Helper()
	c, err := cib.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseInterval(t *testing.T) {
	cases := map[string]int64{
		"0": 0, "": 0, "10": 10000, "10s": 10000, "10000ms": 10000, "1m": 60000, "2min": 120000,
		"1h": 3600000, "P40S": 40000, "PT40S": 40000, "PT1M": 60000, "P1D": 86400000, "PT1H30M": 5400000,
	}
	for in, want := range cases {
		got, ok := ParseInterval(in)
		if !ok || got != want {
			t.Errorf("ParseInterval(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"abc", "10x", "P1X", "-5"} {
		if _, ok := ParseInterval(bad); ok {
			t.Errorf("ParseInterval(%q) accepted", bad)
		}
	}
}

func cibWith(crm, resources, constraints string) string {
	return `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config><cluster_property_set id="o">` + crm +
		`</cluster_property_set></crm_config><nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources>` + resources +
		`</resources><constraints>` + constraints + `</constraints></configuration><status/></cib>`
}

const noFence = `<nvpair id="o1" name="stonith-enabled" value="false"/>`

func messages(fs []Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.String())
	}
	return strings.Join(s, "\n")
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name, crm, res, cons string
		want                 []string // substrings that must appear
		none                 []string // substrings that must not
	}{
		{"no stonith", "", `<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>`, "",
			[]string{"(unpack_resources) \terror: Resource start-up disabled since no STONITH resources have been defined"}, []string{"Blind faith"}},
		{"stonith device", "", `<primitive id="f" class="stonith" type="fence_xvm"/>`, "", nil, []string{"STONITH", "Blind"}},
		{"watchdog", `<nvpair id="w" name="have-watchdog" value="true"/>`, `<primitive id="a" class="ocf" type="Dummy"/>`, "", nil, []string{"STONITH"}},
		{"fencing off", noFence, `<primitive id="a" class="ocf" type="Dummy"/>`, "", []string{"Blind faith: not fencing unseen nodes"}, []string{"STONITH"}},
		{"duplicate recurring op", noFence, `<primitive id="a" class="ocf" type="Dummy"><operations>
			<op id="m1" name="monitor" interval="10s"/><op id="m2" name="monitor" interval="10000ms" role="Slave"/>
			<op id="s1" name="start" interval="0"/><op id="s2" name="start" interval="0"/></operations></primitive>`, "",
			[]string{"Operation m2 is duplicate of m1 (do not use same name and interval combination more than once per resource)"}, []string{"s2"}},
		{"on-fail stop", noFence, `<clone id="c"><primitive id="a" class="ocf" type="Dummy"><operations><op id="x" name="stop" interval="0" on-fail="stop"/></operations></primitive></clone>`, "",
			[]string{"Resetting 'on-fail' for a:0 stop action", "for a:1 stop action"}, []string{"a:2"}},
		{"ordered false", noFence, `<group id="g"><primitive id="a" class="ocf" type="Dummy"/><meta_attributes id="gm"><nvpair id="gm1" name="ordered" value="false"/></meta_attributes></group>`, "",
			[]string{"'ordered' group meta-attribute is deprecated"}, nil},
		{"ordered true", noFence, `<group id="g"><primitive id="a" class="ocf" type="Dummy"/><meta_attributes id="gm"><nvpair id="gm1" name="ordered" value="true"/></meta_attributes></group>`, "",
			nil, []string{"ordered"}},
		{"require-all", noFence, `<clone id="c"><primitive id="a" class="ocf" type="Dummy"/></clone><primitive id="b" class="ocf" type="Dummy"/>`,
			`<rsc_order id="o" first="c" then="b" require-all="false"/>`, []string{"require-all in ordering constraints is deprecated"}, nil},
		{"poweroff", noFence + `<nvpair id="o2" name="stonith-action" value="poweroff"/>`, `<primitive id="a" class="ocf" type="Dummy"/>`, "",
			[]string{"(unpack_config) \twarning: Support for stonith-action of 'poweroff' is deprecated"}, nil},
		{"off", noFence + `<nvpair id="o2" name="stonith-action" value="off"/>`, `<primitive id="a" class="ocf" type="Dummy"/>`, "", nil, []string{"poweroff"}},
		{"restart-type once", noFence, `<primitive id="a" class="ocf" type="Dummy"><meta_attributes id="am"><nvpair id="am1" name="restart-type" value="restart"/></meta_attributes></primitive>
			<primitive id="b" class="ocf" type="Dummy"><meta_attributes id="bm"><nvpair id="bm1" name="restart-type" value="restart"/></meta_attributes></primitive>`, "",
			[]string{"(pe__unpack_resource) \twarning: Support for restart-type is deprecated and will be removed in a future release"}, nil},
		{"two templates colocated", noFence, `<template id="t1" class="ocf" type="Dummy"/><template id="t2" class="ocf" type="Dummy"/>`,
			`<rsc_colocation id="tc" rsc="t1" with-rsc="t2" score="INFINITY"/>`,
			[]string{"(unpack_colocation_tags) \terror: Ignoring constraint 'tc' because two templates or tags cannot be colocated"}, nil},
		{"template with primitive", noFence, `<template id="t1" class="ocf" type="Dummy"/><primitive id="a" class="ocf" type="Dummy"/>`,
			`<rsc_colocation id="tc" rsc="t1" with-rsc="a" score="INFINITY"/>`, nil, []string{"cannot be colocated"}},
	}
	for _, tc := range cases {
		got := messages(Check(parse(t, cibWith(tc.crm, tc.res, tc.cons))))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: missing %q in\n%s", tc.name, w, got)
			}
		}
		for _, n := range tc.none {
			if strings.Contains(got, n) {
				t.Errorf("%s: unexpected %q in\n%s", tc.name, n, got)
			}
		}
	}
}

func TestCheckRestartTypeOnce(t *testing.T) {
	res := `<primitive id="a" class="ocf" type="Dummy"><meta_attributes id="am"><nvpair id="am1" name="restart-type" value="restart"/></meta_attributes></primitive>
		<primitive id="b" class="ocf" type="Dummy"><meta_attributes id="bm"><nvpair id="bm1" name="restart-type" value="restart"/></meta_attributes></primitive>`
	if got := messages(Check(parse(t, cibWith(noFence, res, "")))); strings.Count(got, "restart-type") != 1 {
		t.Errorf("restart-type should be warned about once:\n%s", got)
	}
}

func TestMalformedNodeStates(t *testing.T) {
	s := strings.Replace(cibWith(noFence, `<primitive id="a" class="ocf" type="Dummy"/>`, ""), "<status/>",
		`<status><node_state id="1" uname="n1"/><node_state uname="n2"/><node_state id="3"/></status>`, 1)
	got := messages(Check(parse(t, s)))
	for _, w := range []string{"(unpack_node_state) \twarning: Ignoring malformed node_state entry without id", "Ignoring malformed node_state entry without uname"} {
		if strings.Count(got, w) != 1 {
			t.Errorf("want %q once in\n%s", w, got)
		}
	}
}
