package cib

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pacer-ha/pacer/internal/testenv"
)

func benchInput(b *testing.B) []byte {
	b.Helper()
	gen := filepath.Join(testenv.SharedDir(b), "bench", "gen-cib")
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

func BenchmarkModifyStatusLarge(b *testing.B) {
	c, err := Parse(benchInput(b))
	if err != nil {
		b.Fatal(err)
	}
	ns := c.Section("status").SelectElement("node_state")
	x, _ := ParseElement([]byte(`<node_state id="` + ns.SelectAttrValue("id", "") + `" join="member"/>`))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Modify("status", x, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateResourceLarge(b *testing.B) {
	c, err := Parse(benchInput(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x, _ := ParseElement([]byte(fmt.Sprintf(`<primitive id="bench-%d" class="ocf" provider="pacemaker" type="Dummy"/>`, i)))
		if err := c.Create("resources", x); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXPathLarge(b *testing.B) {
	c, err := Parse(benchInput(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := c.XPath("//lrm_rsc_op[@rc-code='0']")
		if err != nil || len(m) == 0 {
			b.Fatal(err, len(m))
		}
	}
}
