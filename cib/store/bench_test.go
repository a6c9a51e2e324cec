package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pacer-ha/pacer/cib"
)

// bigCIB generates a large CIB with ../shared/bench/gen-cib (skips without it).
func bigCIB(b *testing.B) *cib.CIB {
	b.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			b.Skip("repository root not found")
		}
		dir = filepath.Dir(dir)
	}
	gen := filepath.Join(dir, "..", "shared", "bench", "gen-cib")
	if _, err := os.Stat(gen); err != nil {
		b.Skip("gen-cib not available")
	}
	out, err := exec.Command(gen, "16", "2000", "--state", "running").Output()
	if err != nil {
		b.Skipf("gen-cib: %v", err)
	}
	c, err := cib.Parse(out)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	return c
}

func BenchmarkCommitLarge(b *testing.B) {
	c := bigCIB(b)
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Commit(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCurrentLarge(b *testing.B) {
	c := bigCIB(b)
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Commit(c); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := s.Current(); err != nil {
			b.Fatal(err)
		}
	}
}
