package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/ipc"
)

// testCIB has the local host as node 3 so that commands without -N work
// the same for both tools.
func testCIB(host string) string {
	return `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="n1"/>
      <node id="2" uname="n2"/>
      <node id="3" uname="` + host + `"/>
    </nodes>
    <resources>
      <primitive class="ocf" id="d1" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="3" uname="` + host + `" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>
`
}

type outcome struct {
	code           int
	stdout, stderr string
}

func runPacer(args []string, env map[string]string) outcome {
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	err := run(context.Background(), args, &out, &errb, getenv)
	return outcome{int(crmexit.Of(err)), out.String(), errb.String()}
}

func runPacemaker(t *testing.T, bin string, args []string, env map[string]string) outcome {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", bin, err)
	}
	return outcome{code, out.String(), errb.String()}
}

func flatten(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range strings.Split(string(data), "\n") {
		b.WriteString(strings.TrimSpace(l))
	}
	s := b.String()
	if i := strings.Index(s, ` cib-last-written="`); i >= 0 {
		j := strings.Index(s[i+19:], `"`)
		s = s[:i] + s[i+19+j+1:]
	}
	return s
}

// TestAgainstPacemaker runs the same sequence of commands through Pacer's
// crm_attribute and Pacemaker's, each on its own copy of a CIB, comparing
// exit codes and output after every command and the CIBs at the end.
func TestAgainstPacemaker(t *testing.T) {
	pcmk, err := exec.LookPath("crm_attribute")
	if err != nil {
		t.Skip("Pacemaker's crm_attribute (pacemaker-cli-utils) not installed")
	}
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no hostname")
	}
	dir := t.TempDir()
	pcmkCIB, pacerCIB := filepath.Join(dir, "pcmk.xml"), filepath.Join(dir, "pacer.xml")
	for _, p := range []string{pcmkCIB, pacerCIB} {
		if err := os.WriteFile(p, []byte(testCIB(host)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ocf := map[string]string{"OCF_RESOURCE_INSTANCE": "s1:0"}
	steps := []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"-N", "n1", "-n", "location", "-v", "office"}, nil},
		{[]string{"-N", "n1", "-n", "location", "-G"}, nil},
		{[]string{"-N", "n1", "-n", "location", "-G", "-q"}, nil},
		{[]string{"-N", "n2", "-n", "location", "-G"}, nil},
		{[]string{"-N", "n1", "-n", "location", "-v", "home"}, nil},
		{[]string{"-N", "n1", "-n", "location", "-l", "reboot", "-v", "5"}, nil},
		{[]string{"-N", "n1", "-n", "location", "-l", "reboot", "-G"}, nil},
		{[]string{"-N", "n2", "-n", "location", "-l", "reboot", "-v", "5"}, nil},
		{[]string{"-n", "cluster-delay", "-v", "60s", "-t", "crm_config"}, nil},
		{[]string{"-n", "cluster-delay", "-G", "-t", "crm_config"}, nil},
		{[]string{"-n", "nope", "-G", "-t", "crm_config"}, nil},
		{[]string{"-n", "nope", "-G", "-t", "crm_config", "-d", "dflt"}, nil},
		{[]string{"-n", "resource-stickiness", "-v", "1", "-t", "rsc_defaults"}, nil},
		{[]string{"-n", "timeout", "-v", "30s", "-t", "op_defaults"}, nil},
		{[]string{"-n", "timeout", "-G", "-t", "op_defaults"}, nil},
		{[]string{"-n", "timeout", "-D", "-t", "op_defaults"}, nil},
		{[]string{"-N", "n1", "-n", "location", "-D"}, nil},
		{[]string{"-N", "n1", "-n", "location", "-D"}, nil},
		{[]string{"-N", "nosuch", "-n", "x", "-v", "1"}, nil},
		{[]string{"-n", "x", "-v", "1"}, nil},
		{[]string{"-n", "bar", "-v", "2", "-l", "forever"}, nil},
		{[]string{"-n", "baz", "-v", "2", "-l", "reboot"}, nil},
		{[]string{"-n", "foo", "-v", "1", "-z", "-N", "n2"}, nil},
		{[]string{"-n", "foo", "-G", "-z", "-N", "n2"}, nil},
		{[]string{"-p", "-v", "5"}, nil},
		{[]string{"-p", "-v", "5", "-N", "n1"}, ocf},
		{[]string{"-p", "-G", "-N", "n1"}, ocf},
		{[]string{"--promotion=other", "-v", "7", "-N", "n1"}, ocf},
		{[]string{"-p", "-v", "10"}, ocf},
		{[]string{"-G", "-N", "n1", "-l", "reboot"}, nil},
		{[]string{"-p", "-D", "-N", "n1"}, ocf},
	}
	for _, s := range steps {
		want := runPacemaker(t, pcmk, s.args, merge(s.env, "CIB_file", pcmkCIB))
		got := runPacerEnv(t, s.args, merge(s.env, "CIB_file", pacerCIB))
		if got != want {
			t.Errorf("crm_attribute %s:\n got  rc %d out %q err %q\n want rc %d out %q err %q",
				strings.Join(s.args, " "), got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
		}
	}
	if a, b := flatten(t, pcmkCIB), flatten(t, pacerCIB); a != b {
		t.Errorf("CIBs differ:\npacemaker: %s\npacer:     %s", a, b)
	}
}

// runPacerEnv runs Pacer's tool with env also set in the process
// environment (the CIB client reads CIB_file from there).
func runPacerEnv(t *testing.T, args []string, env map[string]string) outcome {
	for k, v := range env {
		t.Setenv(k, v)
	}
	defer func() {
		for k := range env {
			if k != "CIB_file" {
				os.Unsetenv(k)
			}
		}
	}()
	return runPacer(args, env)
}

func merge(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range m {
		out[a] = b
	}
	return out
}

func TestSanitizeID(t *testing.T) {
	for in, want := range map[string]string{"status-1-master-s1:0": "status-1-master-s1.0", "a b/c": "a.b.c", "ok-1_x.y": "ok-1_x.y"} {
		if got := sanitizeID(in); got != want {
			t.Errorf("sanitizeID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTransientViaDaemon: without CIB_file, transient attributes (-l reboot,
// --promotion) go through crmd's attribute API, not into the CIB directly.
func TestTransientViaDaemon(t *testing.T) {
	host, _ := os.Hostname()
	sock := filepath.Join(t.TempDir(), "crmd.sock")
	srv, err := ipc.Listen(sock, nil)
	if err != nil {
		t.Skipf("cannot listen on a unix socket: %v", err)
	}
	var mu sync.Mutex
	attrs := map[string]string{}
	var ops []string
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go srv.Serve(ctx, ipc.HandlerFunc(func(_ context.Context, q ipc.Request) ipc.Response {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, q.Op)
		switch q.Op {
		case ipc.OpQuery:
			return ipc.Response{ID: q.ID, Doc: []byte(testCIB(host)), Version: [3]int{0, 1, 0}}
		case ipc.OpAttrSet:
			attrs[q.Node+"/"+q.Name] = q.Value
		case ipc.OpAttrDelete:
			delete(attrs, q.Node+"/"+q.Name)
		case ipc.OpAttrGet:
			v, ok := attrs[q.Node+"/"+q.Name]
			return ipc.Response{ID: q.ID, Value: v, Found: ok}
		default:
			return ipc.Response{ID: q.ID, Code: int(crmexit.Unimplemented), Err: "not in this stand-in"}
		}
		return ipc.Response{ID: q.ID}
	}))
	t.Setenv("CIB_file", "")
	t.Setenv("PACER_SOCKET", sock)
	env := map[string]string{"CIB_file": "", "PACER_SOCKET": sock, "OCF_RESOURCE_INSTANCE": "db:1"}
	if got := runPacer([]string{"-p", "-v", "10"}, env); got.code != 0 {
		t.Fatalf("promotion: %+v", got)
	}
	if got := runPacer([]string{"-N", "n1", "-n", "loc", "-l", "reboot", "-v", "x"}, env); got.code != 0 {
		t.Fatalf("reboot attribute: %+v", got)
	}
	if got := runPacer([]string{"-N", "n1", "-n", "loc", "-l", "reboot", "-G"}, env); got.code != 0 || got.stdout != "scope=status  name=loc value=x\n" {
		t.Errorf("query: %+v", got)
	}
	if got := runPacer([]string{"-N", "n1", "-n", "loc", "-l", "reboot", "-D"}, env); got.code != 0 || got.stdout != "Deleted status attribute: id=status-1-loc name=loc\n" {
		t.Errorf("delete: %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if attrs["/master-db:1"] != "10" {
		t.Errorf("promotion score not set through the attribute API: %v (ops %v)", attrs, ops)
	}
	if _, ok := attrs["n1/loc"]; ok {
		t.Errorf("deleted attribute still set: %v", attrs)
	}
	for _, op := range ops {
		if op == ipc.OpReplace {
			t.Errorf("a transient attribute was written to the CIB directly (ops %v)", ops)
		}
	}
}
