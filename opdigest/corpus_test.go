package opdigest

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/internal/testenv"
)

var durRE = regexp.MustCompile(`^\s*(\d+)\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?\s*$`)

// durMS parses a Pacemaker duration into milliseconds (just enough for the
// corpus: plain numbers are seconds).
func durMS(s string) (uint64, bool) {
	m := durRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	mult := map[string]float64{"": 1000, "s": 1000, "sec": 1000, "ms": 1, "msec": 1, "us": 0.001, "usec": 0.001, "m": 60000, "min": 60000, "h": 3600000, "hr": 3600000}[m[2]]
	return uint64(float64(n) * mult), true
}

// ruleFreeNVPairs collects nvpairs of child sets named tag that carry no
// rule, first value of a name winning (as Pacemaker orders equal-score sets).
func ruleFreeNVPairs(el *etree.Element, tag string) []Param {
	var out []Param
	seen := map[string]bool{}
	for _, set := range el.SelectElements(tag) {
		if set.SelectElement("rule") != nil {
			continue
		}
		for _, nv := range set.SelectElements("nvpair") {
			n := nv.SelectAttrValue("name", "")
			if seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, Param{n, nv.SelectAttrValue("value", "")})
		}
	}
	return out
}

// TestRecordedDigests recomputes every digest recorded in Pacemaker's
// scheduler regression CIBs from the same CIB's configuration. Many cases
// change the configuration on purpose (that is what they test) or had
// passwords scrubbed, so 100% is impossible; the thresholds sit just under
// the measured rates so a regression in the canonical form fails loudly.
func TestRecordedDigests(t *testing.T) {
	dir := filepath.Join(testenv.SharedDir(t), "pacemaker-scheduler", "xml")
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Skipf("no scheduler cases in %s", dir)
	}
	type count struct{ total, ok int }
	var all, restart, secure count
	for _, f := range files {
		doc := etree.NewDocument()
		if err := doc.ReadFromFile(f); err != nil {
			t.Logf("%s: %v", filepath.Base(f), err)
			continue
		}
		cfg := doc.FindElement("/cib/configuration")
		if cfg == nil {
			continue
		}
		prims := map[string]*etree.Element{}
		for _, p := range cfg.FindElements(".//primitive") {
			prims[p.SelectAttrValue("id", "")] = p
		}
		var defTimeout uint64 = 20000
		if od := cfg.SelectElement("op_defaults"); od != nil {
			for _, p := range ruleFreeNVPairs(od, "meta_attributes") {
				if p.Name == "timeout" {
					if ms, ok := durMS(p.Value); ok {
						defTimeout = ms
					}
				}
			}
		}
		for _, lr := range doc.FindElements("/cib/status//lrm_resource") {
			id, _, _ := strings.Cut(lr.SelectAttrValue("id", ""), ":")
			p := prims[id]
			if p == nil {
				continue
			}
			params := ruleFreeNVPairs(p, "instance_attributes")
			for _, op := range lr.SelectElements("lrm_rsc_op") {
				task := op.SelectAttrValue("operation", "")
				interval, _ := strconv.ParseUint(op.SelectAttrValue("interval", "0"), 10, 64)
				o := Op{Name: task, IntervalMS: interval, TimeoutMS: defTimeout}
				for _, def := range p.FindElements("operations/op") {
					iv, _ := durMS(def.SelectAttrValue("interval", "0"))
					if def.SelectAttrValue("name", "") != task || iv != interval {
						continue
					}
					if ms, ok := durMS(def.SelectAttrValue("timeout", "")); ok {
						o.TimeoutMS = ms
					}
					o.Params = ruleFreeNVPairs(def, "instance_attributes")
				}
				in := Input{Params: params, Op: o, Fencing: p.SelectAttrValue("class", "") == "stonith",
					FeatureSet: op.SelectAttrValue("crm_feature_set", "")}
				if a := op.SelectAttr("op-force-restart"); a != nil {
					in.RestartParams = ParseList(a.Value)
				}
				if a := op.SelectAttr("op-secure-params"); a != nil {
					in.SecureParams = ParseList(a.Value)
				}
				got := Compute(in)
				for _, c := range []struct {
					attr string
					got  string
					n    *count
				}{{"op-digest", got.All, &all}, {"op-restart-digest", got.Restart, &restart}, {"op-secure-digest", got.Secure, &secure}} {
					want := op.SelectAttrValue(c.attr, "")
					if want == "" {
						continue
					}
					c.n.total++
					if c.got == want {
						c.n.ok++
					}
				}
			}
		}
	}
	for _, c := range []struct {
		name string
		n    count
		min  float64
	}{{"op-digest", all, 0.93}, {"op-restart-digest", restart, 0.99}, {"op-secure-digest", secure, 0.94}} {
		if c.n.total == 0 {
			t.Errorf("%s: no recorded digests found", c.name)
			continue
		}
		rate := float64(c.n.ok) / float64(c.n.total)
		t.Logf("%s: reproduced %d of %d recorded (%.1f%%)", c.name, c.n.ok, c.n.total, 100*rate)
		if rate < c.min {
			t.Errorf("%s: rate %.3f below %.2f", c.name, rate, c.min)
		}
	}
}
