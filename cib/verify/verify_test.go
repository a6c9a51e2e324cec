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
