package crmsh

import (
	"fmt"
	"strings"
	"testing"
)

// bigScript is 2000 primitives, 2000 rule locations and 200 groups.
func bigScript() string {
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "primitive p%d ocf:heartbeat:Dummy params fake=%d op monitor interval=10s\n", i, i)
	}
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "location l%d p%d rule 100: #uname eq n%d\n", i, i, i%5)
	}
	for i := 0; i < 2000; i += 10 {
		fmt.Fprintf(&b, "group g%d p%d p%d p%d\n", i, i, i+1, i+2)
	}
	return b.String()
}

func BenchmarkBigScript(b *testing.B) {
	script := bigScript()
	for i := 0; i < b.N; i++ {
		root := newRoot(b)
		if err := Apply(root, script); err != nil {
			b.Fatal(err)
		}
	}
}
