package membership

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/clusterconf"
	"github.com/pacer-ha/pacer/crmexit"
)

func testTiming() clusterconf.Timing {
	t := clusterconf.DefaultTiming()
	t.ProbeInterval = 100 * time.Millisecond
	t.ProbeTimeout = 50 * time.Millisecond
	t.GossipInterval = 20 * time.Millisecond
	t.PushPull = time.Second
	return t
}

func quietLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("test", t.Name())
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func start(t *testing.T, name string, key []byte, id int) *Membership {
	t.Helper()
	m, err := Create(Config{ClusterName: "test", NodeName: name, BindAddr: "127.0.0.1", BindPort: 0,
		Key: key, Timing: testTiming(), Meta: Meta{ID: id}, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

func mustKey(t *testing.T) []byte {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// waitEvent returns the first event from m for which ok is true, or fails.
func waitEvent(t *testing.T, m *Membership, d time.Duration, ok func(Event) bool) Event {
	t.Helper()
	tm := time.NewTimer(d)
	defer tm.Stop()
	for {
		select {
		case ev := <-m.Events():
			if ok(ev) {
				return ev
			}
		case <-tm.C:
			t.Fatalf("no matching event within %v", d)
		}
	}
}

func TestJoinMessageFail(t *testing.T) {
	key := mustKey(t)
	a, b, c := start(t, "a", key, 1), start(t, "b", key, 2), start(t, "c", key, 3)
	for _, m := range []*Membership{b, c} {
		if _, err := m.Join(context.Background(), []string{"a/" + a.LocalAddr()}); err != nil {
			t.Fatal(err)
		}
	}
	ev := waitEvent(t, a, 5*time.Second, func(e Event) bool { return e.Kind == Join && e.Node == "c" })
	if ev.Meta.ID != 3 {
		t.Errorf("c's metadata id = %d, want 3", ev.Meta.ID)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(b.Members()) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("b sees %d members, want 3", len(b.Members()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Send(ctx, "a", []byte("hello a")); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-a.Messages():
		if string(msg) != "hello a" {
			t.Errorf("a got %q", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a did not receive the message")
	}
	if err := a.SetMeta(Meta{ID: 1, CIB: [3]int{0, 7, 2}}, time.Second); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, b, 5*time.Second, func(e Event) bool { return e.Kind == Update && e.Node == "a" && e.Meta.CIB == [3]int{0, 7, 2} })

	// A crash (no Leave) is detected as a failure, fast.
	killed := time.Now()
	c.Shutdown()
	waitEvent(t, a, 5*time.Second, func(e Event) bool { return e.Kind == Fail && e.Node == "c" })
	t.Logf("failure of c detected after %v", time.Since(killed).Round(time.Millisecond))

	// A graceful leave is reported as such.
	if err := b.Leave(time.Second); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, a, 5*time.Second, func(e Event) bool { return e.Kind == Leave && e.Node == "b" })
}

func TestWrongKeyCannotJoin(t *testing.T) {
	key := mustKey(t)
	a, b := start(t, "a", key, 1), start(t, "b", key, 2)
	if _, err := b.Join(context.Background(), []string{"a/" + a.LocalAddr()}); err != nil {
		t.Fatal(err)
	}
	intruder := start(t, "intruder", mustKey(t), 9)
	if n, err := intruder.Join(context.Background(), []string{"a/" + a.LocalAddr()}); err == nil {
		t.Fatalf("join with the wrong key succeeded (%d contacted)", n)
	}
	// Nor can the cluster pull it in.
	if n, err := a.Join(context.Background(), []string{"intruder/" + intruder.LocalAddr()}); err == nil {
		t.Fatalf("joining the intruder from inside succeeded (%d contacted)", n)
	}
	time.Sleep(500 * time.Millisecond) // several gossip/probe rounds
	for _, m := range []*Membership{a, b} {
		for _, mem := range m.Members() {
			if mem.Name == "intruder" {
				t.Errorf("intruder is a member of %v", names(m.Members()))
			}
		}
	}
	if got := len(intruder.Members()); got != 1 {
		t.Errorf("intruder sees %d members, want only itself", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := intruder.Send(ctx, "a", []byte("x")); err == nil {
		t.Error("intruder could send to a")
	}
}

// TestTrafficIsEncrypted captures what a node sends to a listener that has no key
// and checks none of it is plaintext: the node's name and metadata never show.
func TestTrafficIsEncrypted(t *testing.T) {
	key := mustKey(t)
	const marker = "node-name-MARKER-1234"
	a, err := Create(Config{ClusterName: "test", NodeName: marker, BindAddr: "127.0.0.1", Key: key,
		Timing: testTiming(), Meta: Meta{ID: 4242}, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		var buf bytes.Buffer
		io.Copy(&buf, conn) // until the joiner gives up waiting for our (absent) answer
		got <- buf.Bytes()
	}()
	if _, err := a.Join(context.Background(), []string{"x/" + ln.Addr().String()}); err == nil {
		t.Error("join against a keyless listener succeeded")
	}
	var data []byte
	select {
	case data = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the join never connected to the listener")
	}
	if len(data) < 32 {
		t.Fatalf("captured only %d bytes; the test saw no traffic", len(data))
	}
	for _, plain := range []string{marker, "4242", "127.0.0.1"} {
		if bytes.Contains(data, []byte(plain)) {
			t.Errorf("captured traffic contains %q in plaintext", plain)
		}
	}
}

func names(ms []Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "authkey")
	if err := WriteKeyFile(p, false); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || st.Size() != KeySize {
		t.Fatalf("key file mode %v size %d", st.Mode().Perm(), st.Size())
	}
	k1, err := ReadKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFile(p, false); crmexit.Of(err) != crmexit.Exists {
		t.Fatalf("overwrite without force: %v", err)
	}
	if err := WriteKeyFile(p, true); err != nil {
		t.Fatal(err)
	}
	k2, _ := ReadKeyFile(p)
	if bytes.Equal(k1, k2) {
		t.Error("two generated keys are equal")
	}
	os.Chmod(p, 0o644)
	if _, err := ReadKeyFile(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key accepted: %v", err)
	}
	os.Chmod(p, 0o600)
	os.WriteFile(p, []byte("short"), 0o600)
	if _, err := ReadKeyFile(p); crmexit.Of(err) != crmexit.Config {
		t.Errorf("short key: %v", err)
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "none")); crmexit.Of(err) != crmexit.NoInput {
		t.Errorf("missing key: %v", err)
	}
}

// FuzzNotifyMsg: whatever arrives as a user message is either delivered, recorded
// as a leave notice or dropped, never a panic.
func FuzzNotifyMsg(f *testing.F) {
	f.Add([]byte("Mhello"))
	f.Add([]byte("Lnode1"))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0})
	m := &Membership{log: slog.New(slog.NewTextHandler(io.Discard, nil)), events: newQueue[Event](), msgs: newQueue[[]byte](), leaving: map[string]bool{}, peers: map[string]peer{}}
	defer m.events.close()
	defer m.msgs.close()
	go func() { // drain, as crmd's loop would
		for range m.msgs.out {
		}
	}()
	f.Fuzz(func(t *testing.T, b []byte) {
		(*delegate)(m).NotifyMsg(b)
	})
}
