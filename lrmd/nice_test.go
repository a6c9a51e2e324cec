package lrmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAgentNice: with Options.AgentNice an agent runs at that nice value,
// not at the executor's (crmd raises its own priority; agents must not
// inherit it). The agent reads its value after a pause: it is set right
// after the start.
func TestAgentNice(t *testing.T) {
	out := filepath.Join(t.TempDir(), "nice")
	root := testRoot(t, map[string]string{"nicedump": "sleep 0.2; nice > " + out + "\nexit 0\n"})
	want := 7
	e := newTestExecutor(t, root, func(o *Options) { o.AgentNice = &want })
	if res := e.Exec(context.Background(), ocfReq("nicedump", "start")); !res.OK() {
		t.Fatalf("nicedump: %+v", res)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != "7" {
		t.Errorf("agent ran at nice %s, want 7", got)
	}
}
