package store

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

func open(t testing.TB, dir string, keep int) *Store {
	t.Helper()
	s, err := Open(dir, Options{Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// withResources returns a CIB with n Dummy primitives (n changes its content).
func withResources(t testing.TB, n int) *cib.CIB {
	t.Helper()
	c := cib.Empty()
	for i := 0; i < n; i++ {
		e, err := cib.ParseElement([]byte(fmt.Sprintf(`<primitive id="r%d" class="ocf" provider="pacemaker" type="Dummy"/>`, i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Create("resources", e); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestResolveDir(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvDir {
				return v
			}
			return ""
		}
	}
	if d := ResolveDir("/x", env("/y")); d != "/x" {
		t.Error(d)
	}
	if d := ResolveDir("", env("/y")); d != "/y" {
		t.Error(d)
	}
	if d := ResolveDir("", env("")); d != DefaultDir {
		t.Error(d)
	}
}

func TestCommitCurrentHistoryRollback(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 5)
	if _, _, err := s.Current(); crmexit.Of(err) != crmexit.NoSuch {
		t.Fatalf("empty store: %v", err)
	}
	var revs []Revision
	var digests []string
	for i := 1; i <= 8; i++ {
		c := withResources(t, i)
		r, err := s.Commit(c)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, r)
		digests = append(digests, c.Digest())
	}
	for i := 1; i < len(revs); i++ {
		if revs[i] != revs[i-1]+1 {
			t.Fatalf("revisions not consecutive: %v", revs)
		}
	}
	cur, rev, err := s.Current()
	if err != nil || rev != revs[7] || cur.Digest() != digests[7] {
		t.Fatalf("current: rev %d err %v", rev, err)
	}
	h, err := s.History()
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 5 || h[0].Rev != revs[3] || h[4].Rev != revs[7] {
		t.Fatalf("history kept %d: %+v", len(h), h)
	}
	for i, ri := range h {
		if ri.Digest != digests[3+i] || ri.Time.IsZero() || ri.Size == 0 || ri.Version.Epoch != 4+i+1 {
			t.Errorf("history[%d] = %+v", i, ri)
		}
	}
	if _, err := s.Get(revs[0]); crmexit.Of(err) != crmexit.NoSuch {
		t.Errorf("pruned revision: %v", err)
	}
	old, err := s.Get(revs[4])
	if err != nil || old.Digest() != digests[4] {
		t.Fatalf("get: %v", err)
	}
	// Roll back to revision 5's content: new revision, version above current.
	nr, err := s.Rollback(revs[4])
	if err != nil {
		t.Fatal(err)
	}
	cur2, rev2, err := s.Current()
	if err != nil || rev2 != nr || nr != revs[7]+1 {
		t.Fatalf("after rollback: %d %d %v", rev2, nr, err)
	}
	if n := len(cur2.Section("resources").ChildElements()); n != 5 {
		t.Errorf("rolled back content has %d resources, want 5", n)
	}
	if cur2.Version().Compare(cur.Version()) <= 0 {
		t.Errorf("rollback version %v not above %v", cur2.Version(), cur.Version())
	}
	// Reopen: same state.
	_ = s.Close()
	s2 := open(t, dir, 5)
	cur3, rev3, err := s2.Current()
	if err != nil || rev3 != nr || cur3.Digest() != cur2.Digest() {
		t.Fatalf("after reopen: %d %v", rev3, err)
	}
}

func TestDamagedFileIsReportedNotReplaced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	junk := []byte(strings.Repeat("this is not a bbolt database\n", 500))
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("open junk: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(junk) {
		t.Error("damaged file was modified")
	}
	// A valid database whose stored CIB is corrupted is damaged too.
	dir2 := t.TempDir()
	s := open(t, dir2, 3)
	if _, err := s.Commit(withResources(t, 2)); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketData).Put(revKey(1), []byte("garbage"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Current(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("corrupt revision: %v", err)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	_ = open(t, dir, 3)
	_, err := Open(dir, Options{Timeout: 100 * time.Millisecond})
	if crmexit.Of(err) != crmexit.TempFail {
		t.Errorf("second open: %v", err)
	}
}

// The crash test: a child process commits in a loop and reports each commit; it is
// SIGKILLed at a random point; the store must reopen with a whole, valid CIB that is
// at least the last one the child saw committed.
const childEnv = "PACER_STORE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

func crashChild(dir string) {
	s, err := Open(dir, Options{Keep: 10})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	c := cib.Empty()
	for i := 0; ; i++ {
		// Grow the CIB so commits span many pages.
		var b strings.Builder
		fmt.Fprintf(&b, `<primitive id="r%d" class="ocf" provider="pacemaker" type="Dummy" description="%s"/>`, i, strings.Repeat("x", 2000))
		e, err := cib.ParseElement([]byte(b.String()))
		if err == nil {
			err = c.Create("resources", e)
		}
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		rev, err := s.Commit(c)
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		fmt.Printf("%d %d\n", rev, c.Version().Epoch)
	}
}

func TestCrashMidWrite(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := rand.New(rand.NewSource(1))
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Read acknowledgements in the background; kill at a random moment, which
		// lands inside a commit most of the time (the child does nothing else).
		var mu sync.Mutex
		lastRev := 0
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) != 2 || f[0] == "ERR" {
					t.Errorf("child: %s", sc.Text())
					return
				}
				n, _ := strconv.Atoi(f[0])
				mu.Lock()
				lastRev = n
				mu.Unlock()
			}
		}()
		time.Sleep(time.Duration(50+r.Intn(250)) * time.Millisecond)
		_ = cmd.Process.Kill() // SIGKILL, mid-stream
		_ = cmd.Wait()
		<-done
		mu.Lock()
		acked := lastRev
		mu.Unlock()
		s, err := Open(dir, Options{Keep: 10})
		if err != nil {
			t.Fatalf("round %d reopen: %v", round, err)
		}
		c, rev, err := s.Current()
		if err != nil {
			if acked == 0 && crmexit.Of(err) == crmexit.NoSuch {
				_ = s.Close()
				continue // killed before the first commit finished
			}
			t.Fatalf("round %d current: %v", round, err)
		}
		// Every acknowledged commit survives; at most the one in flight is extra.
		if int(rev) < acked {
			t.Errorf("round %d: current revision %d older than last acknowledged %d", round, rev, acked)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		h, err := s.History()
		if err != nil || len(h) == 0 || h[len(h)-1].Rev != rev || h[len(h)-1].Digest != c.Digest() {
			t.Errorf("round %d: history inconsistent with current: %v", round, err)
		}
		for _, ri := range h {
			if _, err := s.Get(ri.Rev); err != nil {
				t.Errorf("round %d: revision %d unreadable: %v", round, ri.Rev, err)
			}
		}
		t.Logf("round %d: killed after %d acknowledged commits; store at revision %d", round, acked, rev)
		_ = s.Close()
	}
}

// Bytes flipped anywhere in the file: the store either reports damage or still
// returns one of the CIBs that were committed, never an empty or mixed one.
func TestCorruptedPages(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for round := 0; round < 20; round++ {
		dir := t.TempDir()
		s, err := Open(dir, Options{Keep: 4})
		if err != nil {
			t.Fatal(err)
		}
		digests := map[string]bool{}
		for i := 1; i <= 6; i++ {
			c := withResources(t, i*3)
			if _, err := s.Commit(c); err != nil {
				t.Fatal(err)
			}
			digests[c.Digest()] = true
		}
		_ = s.Close()
		path := filepath.Join(dir, FileName)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 1+r.Intn(8); k++ {
			data[r.Intn(len(data))] ^= byte(1 + r.Intn(255))
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(dir, Options{Keep: 4, Timeout: time.Second})
		if err != nil {
			if !strings.Contains(err.Error(), "damaged") {
				t.Errorf("round %d: open: %v", round, err)
			}
			continue
		}
		c, _, err := s2.Current()
		switch {
		case err != nil && !strings.Contains(err.Error(), "damaged"):
			t.Errorf("round %d: current: %v", round, err)
		case err == nil && !digests[c.Digest()]:
			t.Errorf("round %d: current CIB is none of the committed ones", round)
		}
		_ = s2.Close()
	}
}
