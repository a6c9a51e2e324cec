package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

const testCIB = `<cib epoch="3" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9" have-quorum="QUORUM">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="alpha"/>
      <node id="2" uname="beta"/>
      <node id="3" uname="gamma"/>
      <node id="r1" uname="remote1" type="remote"/>
    </nodes>
    <resources/>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="alpha" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="3" uname="gamma" in_ccm="false" crmd="offline" join="down" expected="down"/>
  </status>
</cib>
`

type outcome struct {
	code           int
	stdout, stderr string
}

func runIn(t *testing.T, quorum string, args ...string) (outcome, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(path, []byte(strings.Replace(testCIB, "QUORUM", quorum, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CIB_file", path)
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb, func() string { return "beta" })
	data, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatal(rerr)
	}
	return outcome{int(crmexit.Of(err)), out.String(), errb.String()}, string(data)
}

func TestCommands(t *testing.T) {
	for _, tc := range []struct {
		quorum string
		args   []string
		want   outcome
	}{
		{"1", []string{"-l"}, outcome{0, "1 alpha member\n2 beta lost\n3 gamma lost\n", ""}},
		{"1", []string{"-p"}, outcome{0, "alpha\n", ""}},
		{"1", []string{"-q"}, outcome{0, "1\n", ""}},
		{"0", []string{"--quorum"}, outcome{0, "0\n", ""}},
		{"1", []string{"-n"}, outcome{0, "beta\n", ""}},
		{"1", []string{"-i"}, outcome{0, "2\n", ""}},
		{"1", []string{"-N", "3"}, outcome{0, "gamma\n", ""}},
		{"1", []string{"-N", "9"}, outcome{105, "", "error: Node ID 9 not found\n"}},
		{"1", []string{}, outcome{64, "", "crm_node: No command specified\n"}},
		{"1", []string{"-R", "gamma"}, outcome{64, "", "The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed.\n"}},
		{"1", []string{"-R", "nosuch", "--force"}, outcome{105, "", "error: Node 'nosuch' not found\n"}},
	} {
		if got, _ := runIn(t, tc.quorum, tc.args...); got != tc.want {
			t.Errorf("crm_node %v:\n got  %+v\n want %+v", tc.args, got, tc.want)
		}
	}
}

func TestRemove(t *testing.T) {
	got, cib := runIn(t, "1", "-R", "gamma", "--force")
	if got != (outcome{}) {
		t.Fatalf("remove: %+v", got)
	}
	if strings.Contains(cib, `uname="gamma"`) || !strings.Contains(cib, `uname="alpha"`) {
		t.Errorf("after removing gamma:\n%s", cib)
	}
}

// TestRemoveNeedsForceLikePacemaker: Pacemaker checks --force before it
// needs the cluster, so that one message can be compared.
func TestRemoveNeedsForceLikePacemaker(t *testing.T) {
	pcmk, err := exec.LookPath("crm_node")
	if err != nil {
		t.Skip("Pacemaker's crm_node not installed")
	}
	cmd := exec.Command(pcmk, "-R", "gamma")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	got, _ := runIn(t, "1", "-R", "gamma")
	if want := (outcome{code, out.String(), errb.String()}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
