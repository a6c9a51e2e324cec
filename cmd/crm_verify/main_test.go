package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

func runV(t *testing.T, stdin string, env map[string]string, args ...string) (string, string, crmexit.Code) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return out.String(), errb.String(), code
}

const good = `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="o">
        <nvpair id="o1" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`

func write(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerify(t *testing.T) {
	goodFile := write(t, good)
	badElem := write(t, strings.Replace(good, "<constraints/>", "<constraints>\n<bogus id=\"x\"/></constraints>", 1))
	dangling := write(t, strings.Replace(good, "<constraints/>", "<constraints>\n<rsc_location id=\"l\" rsc=\"nope\" node=\"n\" score=\"1\"/></constraints>", 1))
	empty := write(t, string(mustBytes(t, cib.Empty())))
	cases := []struct {
		args  []string
		stdin string
		env   map[string]string
		code  crmexit.Code
		err   []string
	}{
		{[]string{"-x", goodFile}, "", nil, 0, nil},
		{[]string{"-p"}, good, nil, 0, nil},
		{[]string{"-X", good}, "", nil, 0, nil},
		{[]string{"-L"}, "", map[string]string{"CIB_file": goodFile}, 0, nil},
		{[]string{"-x", badElem}, "", nil, 78, []string{"cib.xml:13: element bogus: Relax-NG validity error : Did not expect element bogus there", "Errors found during check: config not valid", "-V may provide more details"}},
		{[]string{"-x", dangling}, "", nil, 78, []string{`cib.xml:13: element rsc_location: validity error : IDREF attribute rsc references an unknown ID "nope"`}},
		{[]string{"-x", empty}, "", nil, 78, []string{"Errors found during check: config not valid\n-V may provide more details\n"}},
		{[]string{"-V", "-x", empty}, "", nil, 78, []string{"(unpack_resources) \terror: Resource start-up disabled since no STONITH resources have been defined"}},
		{[]string{"-X", "<cib"}, "", nil, 78, []string{"malformed XML"}},
		{[]string{"-X", strings.Replace(strings.Replace(good, `validate-with="pacemaker-3.9"`, `validate-with="none"`, 1), "<constraints/>", `<constraints><foo id="x"/></constraints>`, 1)}, "", nil, 0,
			[]string{"Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)"}},
		{[]string{"-x", "/nonexistent.xml"}, "", nil, 1, []string{"crm_verify: Couldn't parse input file: /nonexistent.xml"}},
		{[]string{}, "", nil, 1, []string{"No configuration source specified."}},
		{[]string{"-L"}, "", nil, crmexit.Disconnect, []string{"crmd is not running"}},
		{[]string{"--bogus"}, "", nil, crmexit.Usage, []string{"unknown flag"}},
	}
	for _, tc := range cases {
		_, e, code := runV(t, tc.stdin, tc.env, tc.args...)
		if code != tc.code {
			t.Errorf("crm_verify %v: code %d, want %d (stderr %q)", tc.args, code, tc.code, e)
		}
		for _, w := range tc.err {
			if !strings.Contains(e, w) {
				t.Errorf("crm_verify %v: stderr %q lacks %q", tc.args, e, w)
			}
		}
	}
	out, _, code := runV(t, "", nil, "-x", goodFile, "--output-as=xml")
	if code != 0 || !strings.Contains(out, `<status code="0" message="OK"/>`) {
		t.Errorf("xml output: %q", out)
	}
	saved := filepath.Join(t.TempDir(), "saved.xml")
	if _, _, code := runV(t, "", nil, "-x", goodFile, "-S", saved); code != 0 {
		t.Error("save")
	}
	if b, _ := os.ReadFile(saved); string(b) != good {
		t.Error("saved XML differs")
	}
}

func mustBytes(t *testing.T, c *cib.CIB) []byte {
	b, err := c.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Against Pacemaker's own crm_verify on the shared cases: for the configuration
// checks we implement we report the same messages (exit codes and exact output are
// guarded case by case by TestAgreeingCases) (clone instance numbers aside: Pacemaker names only the
// instances its scheduler happened to create actions for).
func TestAgainstPacemaker(t *testing.T) {
	oracle, err := exec.LookPath("crm_verify")
	if err != nil {
		t.Skip("Pacemaker's crm_verify is not installed")
	}
	// Pacemaker's crm_verify takes a while per case: check every other one (every
	// tenth with -short).
	all := sharedCases(t)
	step := 2
	if testing.Short() {
		step = 10
	}
	var files []string
	for i := 0; i < len(all); i += step {
		files = append(files, all[i])
	}
	origins := []string{"(is_op_dup)", "(unpack_resources)", "(unpack_operation_on_fail)", "(set_group_flag)", "(get_minimum_first_instances)", "Blind faith"}
	inst := regexp.MustCompile(`:\d+ `)
	pick := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			for _, o := range origins {
				if strings.Contains(l, o) {
					keep = append(keep, inst.ReplaceAllString(l, " "))
				}
			}
		}
		sort.Strings(keep)
		var u []string
		for i, l := range keep {
			if i == 0 || keep[i-1] != l {
				u = append(u, l)
			}
		}
		return strings.Join(u, "\n")
	}
	agree := 0
	for _, f := range files {
		cmd := exec.Command(oracle, "-VV", "-x", f)
		var pe bytes.Buffer
		cmd.Stderr = &pe
		pcode := 0
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				pcode = ee.ExitCode()
			} else {
				t.Fatal(err)
			}
		}
		_, ours, code := runV(t, "", nil, "-VV", "-x", f)
		name := filepath.Base(f)
		if a, b := pick(pe.String()), pick(ours); a != b {
			t.Errorf("%s: messages differ\npacemaker:\n%s\nours:\n%s", name, a, b)
		}
		if (pcode == 0) == (code == 0) {
			agree++
		}
	}
	t.Logf("exit status agrees with Pacemaker on %d of %d cases", agree, len(files))
}

func sharedCases(t *testing.T) []string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("repository root not found")
		}
		dir = filepath.Dir(dir)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "..", "shared", "pacemaker-scheduler", "xml", "*.xml"))
	if len(files) == 0 {
		t.Skip("../shared is absent")
	}
	return files
}

// TestAgreeingCases guards the cases on which our crm_verify agrees exactly with
// Pacemaker's (exit code, stdout and stderr, without and with -V): every case listed
// in testdata/agreeing.txt must still agree. Run with -v to see the totals and the
// newly agreeing cases to add to the list.
func TestAgreeingCases(t *testing.T) {
	oracle, err := exec.LookPath("crm_verify")
	if err != nil {
		t.Skip("Pacemaker's crm_verify is not installed")
	}
	files := sharedCases(t)
	data, err := os.ReadFile(filepath.Join("testdata", "agreeing.txt"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			listed[l] = true
		}
	}
	variants := [][]string{nil, {"-V"}}
	total := map[string]int{}
	var newly []string
	for i, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		for _, v := range variants {
			key := strings.TrimSpace(strings.Join(v, " ") + " " + name)
			if testing.Short() && !listed[key] && i%10 != 0 {
				continue
			}
			args := append(append([]string(nil), v...), "-x", f)
			cmd := exec.Command(oracle, args...)
			var po, pe bytes.Buffer
			cmd.Stdout, cmd.Stderr = &po, &pe
			pcode := 0
			if err := cmd.Run(); err != nil {
				ee, ok := err.(*exec.ExitError)
				if !ok {
					t.Fatal(err)
				}
				pcode = ee.ExitCode()
			}
			out, errs, code := runV(t, "", nil, args...)
			agree := int(code) == pcode && out == po.String() && errs == pe.String()
			if agree {
				total[strings.Join(v, " ")]++
				if !listed[key] {
					newly = append(newly, key)
				}
			} else if listed[key] {
				t.Errorf("crm_verify %s no longer agrees with Pacemaker:\npacemaker (exit %d):\n%s%s\nours (exit %d):\n%s%s",
					strings.Join(args, " "), pcode, po.String(), pe.String(), code, out, errs)
			}
		}
	}
	t.Logf("exact agreement with Pacemaker over %d cases: plain %d, -V %d", len(files), total[""], total["-V"])
	if len(newly) > 0 {
		t.Logf("agreeing but not listed in testdata/agreeing.txt:\n%s", strings.Join(newly, "\n"))
	}
}
