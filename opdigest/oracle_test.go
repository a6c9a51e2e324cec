package opdigest

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// attrEscaper writes a value as an XML attribute that any parser reads back
// unchanged (newline, CR and tab as references, or they would become spaces).
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;",
	"\n", "&#10;", "\r", "&#13;", "\t", "&#9;")

func nvset(id string, ps []Param) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<instance_attributes id="%s">`, id)
	for i, p := range ps {
		fmt.Fprintf(&b, `<nvpair id="%s-%d" name="%s" value="%s"/>`, id, i, p.Name, attrEscaper.Replace(p.Value))
	}
	b.WriteString("</instance_attributes>")
	return b.String()
}

// oracleCIB is a one-node CIB with one Dummy resource and a recurring monitor;
// history, when not empty, is the resource's lrm_resource content.
func oracleCIB(params, opParams []Param, intervalMS, timeoutMS uint64, history string) string {
	return `<cib have-quorum="1" crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>` +
		`<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>` +
		`<nodes><node id="1" uname="n1"/></nodes><resources><primitive class="ocf" id="r1" provider="heartbeat" type="Dummy">` +
		nvset("ia", params) +
		fmt.Sprintf(`<operations><op id="mon" name="monitor" interval="%dms" timeout="%dms">%s</op></operations>`, intervalMS, timeoutMS, nvset("mon-ia", opParams)) +
		`</primitive></resources><constraints/></configuration><status>` +
		`<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>` +
		history + `</lrm_resources></lrm></node_state></status></cib>`
}

// randomParams draws parameter sets over an alphabet rich in characters that
// need escaping. Pacemaker writes characters that need escaping unescaped
// once a multi-byte character precedes them (see doc.go), which corrupts the
// value inside Pacemaker itself, so such characters are dropped there.
func randomParams(rng *rand.Rand) []Param {
	alphabet := []rune("abcXYZ019 _-./:&<>\"'\t\n\r=é€%;\x7f")
	var params []Param
	for _, n := range []string{"state", "fake", "passwd", "Zeta", "a_b", "OCF_x", "op_sleep", "CRM_meta_foo", "id"} {
		if rng.Intn(3) == 0 {
			continue
		}
		var b strings.Builder
		multibyte := false
		for i, l := 0, rng.Intn(12); i < l; i++ {
			r := alphabet[rng.Intn(len(alphabet))]
			if multibyte && strings.ContainsRune("&<>\"'\t\n\r\x7f", r) {
				continue
			}
			multibyte = multibyte || r > 0x7f
			b.WriteRune(r)
		}
		params = append(params, Param{n, b.String()})
	}
	return params
}

// runSimulate runs crm_simulate -S on cib; the resulting CIB is written to
// out.xml in the returned directory.
func runSimulate(t *testing.T, sim, cib string) (stdout string, dir string) {
	t.Helper()
	dir = t.TempDir()
	in := filepath.Join(dir, "in.xml")
	if err := os.WriteFile(in, []byte(cib), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, sim, "-x", in, "-S", "-O", filepath.Join(dir, "out.xml")).CombinedOutput()
	if err != nil {
		t.Fatalf("crm_simulate: %v\n%s\ninput: %s", err, out, cib)
	}
	return string(out), dir
}

// TestAgainstCrmSimulate lets Pacemaker's crm_simulate start a resource with
// random parameters and schedule its monitor, and compares the op-digests it
// records with ours.
func TestAgainstCrmSimulate(t *testing.T) {
	sim, err := exec.LookPath("crm_simulate")
	if err != nil {
		t.Skip("crm_simulate (Debian package pacemaker-cli-utils) not installed")
	}
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for round := 0; round < 8; round++ {
		params := randomParams(rng)
		timeout := uint64(1+rng.Intn(120)) * 1000
		interval := uint64(1+rng.Intn(60)) * 1000
		opParams := []Param{{"OCF_CHECK_LEVEL", fmt.Sprint(rng.Intn(30))}}
		cib := oracleCIB(params, opParams, interval, timeout, "")
		_, dir := runSimulate(t, sim, cib)
		res := etree.NewDocument()
		if err := res.ReadFromFile(filepath.Join(dir, "out.xml")); err != nil {
			t.Fatalf("reading crm_simulate output: %v", err)
		}
		found := 0
		for _, rec := range res.FindElements("//lrm_rsc_op") {
			var o Op
			switch {
			case rec.SelectAttrValue("operation", "") == "start":
				o = Op{Name: "start", TimeoutMS: 20000}
			case rec.SelectAttrValue("operation", "") == "monitor" && rec.SelectAttrValue("interval", "") != "0":
				o = Op{Name: "monitor", IntervalMS: interval, TimeoutMS: timeout, Params: opParams}
			default:
				continue
			}
			found++
			got := Compute(Input{Params: params, Op: o}).All
			if want := rec.SelectAttrValue("op-digest", ""); got != want {
				t.Errorf("round %d %s: digest %s, crm_simulate %s\nparams %q", round, o.Name, got, want, params)
			}
		}
		if found != 2 {
			t.Fatalf("round %d: crm_simulate recorded %d of start+monitor", round, found)
		}
	}
}

// TestSchedulerAgrees gives Pacemaker's scheduler a running resource whose
// recorded start and monitor carry our digests: if they equal what the
// scheduler computes from the configuration, it schedules nothing; a wrong
// digest makes it restart the resource "due to resource definition change".
func TestSchedulerAgrees(t *testing.T) {
	sim, err := exec.LookPath("crm_simulate")
	if err != nil {
		t.Skip("crm_simulate (Debian package pacemaker-cli-utils) not installed")
	}
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	history := func(start, mon string, interval uint64) string {
		return `<lrm_resource id="r1" class="ocf" provider="heartbeat" type="Dummy">` +
			`<lrm_rsc_op id="r1_last_0" operation_key="r1_start_0" operation="start" crm_feature_set="3.16.1" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0" last-rc-change="1" exec-time="1" queue-time="0" op-digest="` + start + `"/>` +
			fmt.Sprintf(`<lrm_rsc_op id="r1_monitor_%d" operation_key="r1_monitor_%d" operation="monitor" crm_feature_set="3.16.1" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" call-id="3" rc-code="0" op-status="0" interval="%d" last-rc-change="1" exec-time="1" queue-time="0" op-digest="%s"/>`, interval, interval, interval, mon) +
			`</lrm_resource>`
	}
	for round := 0; round < 6; round++ {
		params := randomParams(rng)
		timeout := uint64(1+rng.Intn(120)) * 1000
		interval := uint64(1+rng.Intn(60)) * 1000
		opParams := []Param{{"OCF_CHECK_LEVEL", fmt.Sprint(rng.Intn(30))}}
		start := Compute(Input{Params: params, Op: Op{Name: "start", TimeoutMS: 20000}}).All
		mon := Compute(Input{Params: params, Op: Op{Name: "monitor", IntervalMS: interval, TimeoutMS: timeout, Params: opParams}}).All
		out, _ := runSimulate(t, sim, oracleCIB(params, opParams, interval, timeout, history(start, mon, interval)))
		if strings.Contains(out, "Resource action") || strings.Contains(out, "Restart") {
			t.Errorf("round %d: scheduler disagrees with our digests for %q:\n%s", round, params, out)
		}
		// The check must be able to fail: a digest off by one parameter
		// has to trigger the restart.
		if round == 0 {
			wrong := Compute(Input{Params: append(append([]Param{}, params...), Param{"extra", "1"}), Op: Op{Name: "start"}}).All
			out, _ := runSimulate(t, sim, oracleCIB(params, opParams, interval, timeout, history(wrong, mon, interval)))
			if !strings.Contains(out, "Restart") {
				t.Errorf("a wrong start digest did not make the scheduler restart:\n%s", out)
			}
		}
	}
}
