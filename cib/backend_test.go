package cib

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

func newCIBFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cib.xml")
	b, _ := Empty().Bytes()
	if err := os.WriteFile(p, b, 0o640); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileBackendUpdate(t *testing.T) {
	ctx := context.Background()
	p := newCIBFile(t)
	b := NewFileBackend(p)
	defer b.Close()
	if err := b.Update(ctx, func(c *CIB) error {
		return c.Create("resources", mustElem(`<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>`))
	}); err != nil {
		t.Fatal(err)
	}
	c, err := b.Read(ctx)
	if err != nil || c.Version().Epoch != 2 {
		t.Fatalf("after update: %v %v", err, c.Version())
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("permissions changed to %v", st.Mode().Perm())
	}
	before, _ := os.ReadFile(p)
	boom := errors.New("boom")
	if err := b.Update(ctx, func(c *CIB) error {
		c.Section("resources").CreateElement("junk")
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("fn error not returned: %v", err)
	}
	// fn changing the tree directly into something invalid is refused too.
	if err := b.Update(ctx, func(c *CIB) error {
		c.Section("resources").CreateElement("junk")
		return nil
	}); crmexit.Of(err) != crmexit.Config {
		t.Errorf("invalid direct change: %v", err)
	}
	after, _ := os.ReadFile(p)
	if string(before) != string(after) {
		t.Error("failed updates changed the file")
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if _, err := NewFileBackend(filepath.Join(t.TempDir(), "none.xml")).Read(ctx); crmexit.Of(err) != crmexit.NoInput {
		t.Errorf("missing file: %v", err)
	}
}

// Concurrent writers to one file: every update lands (none is lost to a race).
func TestFileBackendConcurrentUpdates(t *testing.T) {
	ctx := context.Background()
	p := newCIBFile(t)
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			b := NewFileBackend(p)
			errs <- b.Update(ctx, func(c *CIB) error {
				return c.Create("resources", mustElem(fmt.Sprintf(`<primitive id="r%d" class="ocf" provider="pacemaker" type="Dummy"/>`, i)))
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := ParseFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Section("resources").ChildElements()); got != n {
		t.Errorf("%d resources after %d concurrent creates", got, n)
	}
	if v := c.Version(); v.Epoch != 1+n {
		t.Errorf("epoch %d, want %d", v.Epoch, 1+n)
	}
}
