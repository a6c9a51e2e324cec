package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

// The live view is tested on the real program: the test binary re-executes
// itself as crm_mon (TestMain) on a pseudo-terminal.
const runAsCrmMon = "PACER_TEST_RUN_AS_CRM_MON"

func TestMain(m *testing.M) {
	if os.Getenv(runAsCrmMon) != "" {
		main()
		return
	}
	os.Exit(m.Run())
}

// ptyScreen collects everything a program writes to its terminal.
type ptyScreen struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

func (s *ptyScreen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *ptyScreen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// waitFor waits until the output after offset from contains want.
func (s *ptyScreen) waitFor(t *testing.T, from int, want string, d time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		out := s.String()
		if i := strings.Index(out[from:], want); i >= 0 {
			return from + i + len(want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%q not shown within %v; screen output:\n%q", want, d, s.String()[from:])
	return 0
}

// startOnPTY runs cmd on a new pseudo-terminal of 60 rows.
func startOnPTY(t *testing.T, cmd *exec.Cmd) *ptyScreen {
	s, _ := startOnPTYFile(t, cmd)
	return s
}

// startOnPTYFile is startOnPTY that also returns the terminal's master side
// (to type on it).
func startOnPTYFile(t *testing.T, cmd *exec.Cmd) (*ptyScreen, *os.File) {
	t.Helper()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 60, Cols: 200})
	if err != nil {
		t.Fatalf("start on a pty: %v", err)
	}
	s := &ptyScreen{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		io.Copy(s, f) // ends with EIO once the program has exited
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		f.Close()
	})
	return s, f
}

func exitCode(t *testing.T, cmd *exec.Cmd, s *ptyScreen) int {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait() }()
	select {
	case err := <-errc:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("wait: %v", err)
		}
		<-s.done
		if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			t.Fatalf("killed by %v instead of exiting", st.Signal())
		}
		return cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10s after the signal; output: %q", s.String())
		return -1
	}
}

func selfAsCrmMon(t *testing.T, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), runAsCrmMon+"=1", "LC_ALL=C"), env...)
	return cmd
}

// TestLiveViewRedrawsOnChange changes a CIB file under a running crm_mon and
// checks the screen shows the change, then that SIGINT restores the terminal.
func TestLiveViewRedrawsOnChange(t *testing.T) {
	data, err := os.ReadFile(caseFile(t, "clone-anon-failcount"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// A long interval: only the CIB's change can explain a redraw.
	cmd := selfAsCrmMon(t, []string{"CIB_file=" + path}, "-i", "1h")
	s := startOnPTY(t, cmd)
	at := s.waitFor(t, 0, enterScreen, 10*time.Second)
	at = s.waitFor(t, at, "Online: [ srv01 srv02 srv03 srv04 ]", 10*time.Second)
	if strings.Contains(s.String(), "standby") {
		t.Fatal("standby shown before the change")
	}

	// Put srv02 in standby the way a tool does: a new nvpair, epoch bumped.
	err = cib.NewFileBackend(path).Update(context.Background(), func(c *cib.CIB) error {
		node := c.Section("nodes").FindElement("node[@uname='srv02']")
		if node == nil {
			return errors.New("no node srv02")
		}
		ia := node.CreateElement("instance_attributes")
		ia.CreateAttr("id", "nodes-srv02-test")
		nv := ia.CreateElement("nvpair")
		nv.CreateAttr("id", "nodes-srv02-test-standby")
		nv.CreateAttr("name", "standby")
		nv.CreateAttr("value", "on")
		v := c.Version()
		v.Epoch++
		c.SetVersion(v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	at = s.waitFor(t, at, "Node srv02: standby", 5*time.Second)
	s.waitFor(t, at, "Online: [ srv01 srv03 srv04 ]", time.Second)

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, s); code != int(crmexit.OK) {
		t.Errorf("exit code %d after SIGINT, want 0", code)
	}
	out := s.String()
	if !strings.HasSuffix(out, leaveScreen) {
		t.Errorf("terminal not restored (cursor shown, alternate screen left) at exit; output ends %q", out[max(0, len(out)-80):])
	}
}

// TestLiveViewFileRemoved checks that a CIB file going away ends the view with
// the terminal restored and an error.
func TestLiveViewFileRemoved(t *testing.T) {
	data, err := os.ReadFile(caseFile(t, "clone-anon-failcount"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := selfAsCrmMon(t, []string{"CIB_file=" + path})
	s := startOnPTY(t, cmd)
	s.waitFor(t, 0, "Node List:", 10*time.Second)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, s); code != int(crmexit.Disconnect) {
		t.Errorf("exit code %d when the CIB went away, want %d", code, crmexit.Disconnect)
	}
	out := s.String()
	i := strings.LastIndex(out, leaveScreen)
	if i < 0 || !strings.Contains(out[i:], "Connection to the CIB terminated") {
		t.Errorf("want the terminal restored, then the error; output %q", out)
	}
}

// TestLiveWaitingLikeCrmMon compares crm_mon without a reachable cluster with
// Pacemaker's on a pseudo-terminal: both wait for the cluster on the
// alternate screen, and SIGINT and SIGTERM restore the terminal and end with
// the same exit code.
func TestLiveWaitingLikeCrmMon(t *testing.T) {
	oracle, err := exec.LookPath("crm_mon")
	if err != nil {
		t.Skip("crm_mon (pacemaker-cli-utils) not installed")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		theirs := exec.Command(oracle)
		theirs.Env = append(os.Environ(), "LC_ALL=C")
		ours := selfAsCrmMon(t, []string{"PACER_SOCKET=" + filepath.Join(t.TempDir(), "none.sock")})
		var codes []int
		for _, cmd := range []*exec.Cmd{theirs, ours} {
			s := startOnPTY(t, cmd)
			s.waitFor(t, 0, waitingText, 10*time.Second)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			codes = append(codes, exitCode(t, cmd, s))
			out := s.String()
			if !strings.Contains(out, "\x1b[?1049h") || !strings.Contains(out[strings.LastIndex(out, waitingText):], "\x1b[?1049l") {
				t.Errorf("%s: alternate screen not entered, or not left after %v: %q", cmd.Path, sig, out)
			}
		}
		if codes[0] != codes[1] {
			t.Errorf("%v while waiting: exit %d, crm_mon exits %d", sig, codes[1], codes[0])
		}
	}
}

// TestNotATerminal: with a CIB file and stdout not a terminal, crm_mon prints
// the status once and exits, as Pacemaker's does.
func TestNotATerminal(t *testing.T) {
	cmd := selfAsCrmMon(t, []string{"CIB_file=" + caseFile(t, "clone-anon-failcount")})
	var out bytes.Buffer
	cmd.Stdout = &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("crm_mon without a terminal kept running")
	}
	if strings.Contains(out.String(), "\x1b[") || !strings.Contains(out.String(), "Node List:") {
		t.Errorf("want the plain status once, got %q", out.String())
	}
}

// TestLiveViewQuitKey types 'q' into a running view: it exits 0 with the
// terminal restored, echo and line editing included.
func TestLiveViewQuitKey(t *testing.T) {
	cmd := selfAsCrmMon(t, []string{"CIB_file=" + caseFile(t, "clone-anon-failcount")})
	s, f := startOnPTYFile(t, cmd)
	s.waitFor(t, 0, "Node List:", 10*time.Second)
	const modes = unix.ICANON | unix.ECHO
	during, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if during.Lflag&modes != 0 {
		t.Errorf("keys not read one at a time without echo while showing: lflag %#x", during.Lflag)
	}
	if _, err := f.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, s); code != int(crmexit.OK) {
		t.Errorf("exit code %d after 'q', want 0", code)
	}
	if out := s.String(); !strings.HasSuffix(out, leaveScreen) {
		t.Errorf("terminal not restored after 'q': output ends %q", out[max(0, len(out)-80):])
	}
	after, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag&modes != modes {
		t.Errorf("line editing and echo not restored: lflag %#x", after.Lflag)
	}
}
