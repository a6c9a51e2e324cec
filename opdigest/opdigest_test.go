package opdigest

import (
	"strings"
	"testing"
)

// Vectors measured with Pacemaker 2.1.5 (crm_simulate -S on crafted CIBs and
// digests recorded in its regression CIBs); they pin the canonical form.
func TestKnownVectors(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"empty", map[string]string{}, "f2317cad3d54cec5d7d7aa7d0bf35cf8"},
		{"timeout only", map[string]string{"CRM_meta_timeout": "20000"}, "4811cef7f7f94e3a35a70be7916cb2fd"},
		{"byte order sort", map[string]string{"alpha": "2", "Zeta": "1"}, "9d9650cbdab677ebd0d4a709a657c0cf"},
		{"tab", map[string]string{"x": "a\tb"}, "25f4ce7a2b075fdee36ad85a52703712"},
	}
	for _, c := range cases {
		if got := Digest(c.params); got != c.want {
			t.Errorf("%s: Digest = %s, want %s (canonical %q)", c.name, got, c.want, Canonical(c.params))
		}
	}
}

func TestCanonicalEscaping(t *testing.T) {
	got := string(Canonical(map[string]string{"v": "&<>\"'\n\r\té"}))
	want := ` <parameters v="&amp;&lt;&gt;&quot;&apos;\n\r    é"/>` + "\n"
	if got != want {
		t.Fatalf("Canonical = %q, want %q", got, want)
	}
}

func TestComputeFilters(t *testing.T) {
	base := []Param{{"state", "/run/x"}, {"passwd", "s3cret"}, {"id", "ignored"}, {"CRM_meta_foo", "x"}}
	start := Compute(Input{Params: base, Op: Op{Name: "start", TimeoutMS: 44000}, RestartParams: []string{"state"}, SecureParams: []string{"passwd"}})
	if want := Digest(map[string]string{"state": "/run/x", "passwd": "s3cret"}); start.All != want {
		t.Errorf("start op-digest = %s, want %s (timeout must not count for one-shot ops)", start.All, want)
	}
	if want := Digest(map[string]string{"state": "/run/x"}); start.Restart != want || start.Secure != want {
		t.Errorf("restart %s secure %s, want both %s", start.Restart, start.Secure, want)
	}
	mon := Compute(Input{Params: base, Op: Op{Name: "monitor", IntervalMS: 10000, TimeoutMS: 33000, Params: []Param{{"OCF_CHECK_LEVEL", "10"}}}, SecureParams: []string{"passwd"}})
	if want := Digest(map[string]string{"state": "/run/x", "passwd": "s3cret", "OCF_CHECK_LEVEL": "10", "CRM_meta_timeout": "33000"}); mon.All != want {
		t.Errorf("monitor op-digest = %s, want %s", mon.All, want)
	}
	if want := Digest(map[string]string{"state": "/run/x", "OCF_CHECK_LEVEL": "10"}); mon.Secure != want {
		t.Errorf("monitor secure = %s, want %s", mon.Secure, want)
	}
	if mon.Restart != "" {
		t.Errorf("restart digest computed without a restart list: %q", mon.Restart)
	}
	// The executor's view of the same monitor must agree.
	flat := map[string]string{"state": "/run/x", "passwd": "s3cret", "OCF_CHECK_LEVEL": "10",
		"CRM_meta_interval": "10000", "CRM_meta_timeout": "33000", "CRM_meta_name": "monitor", "crm_feature_set": "3.16.1"}
	if got := FromAction(flat, nil, []string{"passwd"}, false); got != mon {
		t.Errorf("FromAction = %+v, Compute = %+v", got, mon)
	}
	fence := Compute(Input{Params: []Param{{"ip", "1"}, {"pcmk_host_list", "n1"}}, Op: Op{Name: "start"}, SecureParams: []string{}, Fencing: true})
	if fence.Secure != Digest(map[string]string{"ip": "1"}) || fence.All != Digest(map[string]string{"ip": "1", "pcmk_host_list": "n1"}) {
		t.Errorf("fencing digests %+v: pcmk_* must leave only the secure digest", fence)
	}
}

func TestListRoundTrip(t *testing.T) {
	in := []string{"envfile", "op_sleep", "passwd", "state"}
	s := FormatList(in)
	if s != "  envfile op_sleep passwd state  " {
		t.Errorf("FormatList = %q", s)
	}
	if got := ParseList(s); strings.Join(got, ",") != strings.Join(in, ",") {
		t.Errorf("ParseList(%q) = %v", s, got)
	}
	if ParseList("   ") == nil {
		t.Error("ParseList of an empty list must be non-nil")
	}
}

func FuzzCanonical(f *testing.F) {
	f.Add("a", "b&<>\"'\n\t")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, name, value string) {
		c := string(Canonical(map[string]string{name: value}))
		if !strings.HasPrefix(c, " <parameters ") || !strings.HasSuffix(c, "\"/>\n") {
			t.Fatalf("malformed canonical form %q", c)
		}
		body := c[len(" <parameters "+name+`="`) : len(c)-len("\"/>\n")]
		// Escaping deliberately stops at the first multi-byte character.
		for i := 0; i+1 < len(body); i++ {
			if body[i]&0x80 != 0 && body[i+1]&0x80 != 0 {
				if !strings.HasSuffix(value, body[i:]) {
					t.Fatalf("tail %q is not the value's own tail (%q)", body[i:], value)
				}
				body = body[:i]
				break
			}
		}
		for _, bad := range []string{"<", ">", "\"", "'", "\n", "\r", "\t", "\x7f"} {
			if strings.Contains(body, bad) {
				t.Fatalf("value %q left %q unescaped: %q", value, bad, body)
			}
		}
		if Digest(map[string]string{name: value}) != Digest(map[string]string{name: value}) {
			t.Fatal("digest not deterministic")
		}
	})
}

func TestOldFeatureSet(t *testing.T) {
	in := Input{Params: []Param{{"ip", "192.168.100.184"}}, Op: Op{Name: "monitor", IntervalMS: 5000, TimeoutMS: 20000}}
	cur := Compute(in).All
	in.FeatureSet = "1.0.7"
	old := Compute(in).All
	// Recorded by Pacemaker with feature set 1.0.7 (scheduler case inc12).
	if old != "821601077053d93826e4ac2adef1f61d" {
		t.Errorf("1.0.7 digest %s", old)
	}
	if cur == old {
		t.Error("the current digest of a recurring op must include its timeout")
	}
	in.FeatureSet = "3.0.10"
	if Compute(in).All != cur {
		t.Error("feature set 3.0.10 must digest like the current one")
	}
	for _, c := range []struct {
		a, b string
		want int
	}{{"3.0.10", "3.0.9", 1}, {"2.0", "2.0.0", 0}, {"1.0.8", "2.0", -1}, {"3.16.1", "3.16.1", 0}} {
		if got := compareVersions(c.a, c.b); got != c.want {
			t.Errorf("compareVersions(%s, %s) = %d", c.a, c.b, got)
		}
	}
}

// BenchmarkCompute is the scheduler's cost per history entry checked.
func BenchmarkCompute(b *testing.B) {
	in := Input{
		Params:        []Param{{"ip", "10.0.0.5"}, {"cidr_netmask", "24"}, {"nic", "eth0"}, {"iflabel", "vip"}, {"lvs_support", "false"}},
		Op:            Op{Name: "monitor", IntervalMS: 10000, TimeoutMS: 20000, Params: []Param{{"OCF_CHECK_LEVEL", "10"}}},
		RestartParams: []string{"ip", "nic"}, SecureParams: []string{},
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Compute(in)
	}
}
