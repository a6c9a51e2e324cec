package netcluster

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// namespaces is the set of network namespace names.
func namespaces(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			set[f[0]] = true
		}
	}
	return set
}

// TestCleanLeftoversSparesLiveProcesses: a crashed run's namespaces go, those
// of a live process (another test run) stay.
func TestCleanLeftoversSparesLiveProcesses(t *testing.T) {
	Available(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadNS := fmt.Sprintf("%s%d-0-x", Prefix, dead.Process.Pid)
	liveNS := fmt.Sprintf("%s%d-99-x", Prefix, os.Getpid())
	for _, ns := range []string{deadNS, liveNS} {
		if err := sh("ip", "netns", "add", ns); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	CleanLeftovers()
	list := namespaces(t)
	if list[deadNS] {
		t.Errorf("%s (pid %d exited) was not removed", deadNS, dead.Process.Pid)
	}
	if !list[liveNS] {
		t.Errorf("%s of this live process was removed", liveNS)
	}
}

// TestNetCutAndTeardown: two fixtures of one process get distinct names, the
// nodes reach each other until cut, and everything is gone afterwards.
func TestNetCutAndTeardown(t *testing.T) {
	var names []string
	t.Run("fixtures", func(t *testing.T) {
		a := NewNet(t, []string{"a", "b"})
		b := NewNet(t, []string{"a"})
		if a.Namespace("a") == b.Namespace("a") {
			t.Fatalf("two fixtures share namespace %s", a.Namespace("a"))
		}
		names = append(names, a.Namespace("a"), a.Namespace("b"), a.sw, b.Namespace("a"), b.sw)
		ping := func() error {
			return sh(append(a.Wrap("a"), "ping", "-c1", "-W1", strings.Split(a.Addrs()[1], ":")[0])...)
		}
		if _, err := exec.LookPath("ping"); err != nil {
			return
		}
		if err := ping(); err != nil {
			t.Fatalf("a cannot reach b: %v", err)
		}
		a.Cut("b")
		if err := ping(); err == nil {
			t.Error("a reaches b through a cut link")
		}
		a.Heal("b")
		if err := ping(); err != nil {
			t.Errorf("a cannot reach b after healing: %v", err)
		}
	})
	list := namespaces(t)
	for _, ns := range names {
		if list[ns] {
			t.Errorf("namespace %s left behind", ns)
		}
	}
}
