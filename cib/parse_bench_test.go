package cib

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func benchInput(b *testing.B) []byte {
	b.Helper()
	gen := filepath.Join(sharedDir(b), "bench", "gen-cib")
	out, err := exec.Command(gen, "16", "2000", "--state", "running").Output()
	if err != nil {
		b.Skipf("gen-cib: %v", err)
	}
	return out
}

func BenchmarkParseLarge(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBytesLarge(b *testing.B) {
	c, err := Parse(benchInput(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateLarge(b *testing.B) {
	c, err := Parse(benchInput(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

var _ = os.Getenv
