package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/internal/netcluster"
)

func TestDemoStartsAndStopsCleanly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	cmd := exec.Command(crmdBinary(t), "demo", "--dir", dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	timeout := time.After(30 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("demo ended early:\n%s", strings.Join(got, "\n"))
			}
			got = append(got, l)
			if strings.Contains(l, "Press Ctrl-C") {
				break wait
			}
		case <-timeout:
			t.Fatalf("demo did not settle:\n%s", strings.Join(got, "\n"))
		}
	}
	text := strings.Join(got, "\n")
	for _, n := range []string{"node1", "node2", "node3"} {
		want := "export PACER_SOCKET=" + filepath.Join(dir, n, "run", "crmd.sock")
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// The sockets work while it runs, and the configuration was loaded.
	_, doc, err := netcluster.Status(filepath.Join(dir, "node2", "run", "crmd.sock"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `id="web-server"`) {
		t.Errorf("example configuration not loaded:\n%s", doc)
	}
	// The demo prints its status once the resources run.
	for _, id := range []string{"web-ip", "web-fs", "web-server", "db"} {
		on, idle, err := runningOn(doc, id)
		if err != nil || len(on) != 1 || !idle {
			t.Errorf("%s runs on %v (idle %v, %v); scheduler: %s", id, on, idle, err, pendingActions(doc))
		}
	}
	if on, _, _ := runningOn(doc, "web-fs"); len(on) == 1 {
		if _, err := os.Stat(filepath.Join(dir, on[0], "rsctmp", "Dummy-web-fs.state")); err != nil {
			t.Errorf("web-fs runs on %s but its state file is missing: %v", on[0], err)
		}
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("demo exit after Ctrl-C: %v", err)
	}
	t.Logf("stopped in %v", time.Since(start).Round(time.Millisecond))
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("demo left %s behind (%v)", dir, err)
	}
}
