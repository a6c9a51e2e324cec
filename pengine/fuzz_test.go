package pengine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// FuzzSchedule feeds arbitrary XML to the scheduler: it may reject it with an
// error but must never panic or hang.
func FuzzSchedule(f *testing.F) {
	files, _ := filepath.Glob("testdata/features/*.xml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Add(`<cib><configuration><resources><group id="g"/></resources><constraints><rsc_order id="o"><resource_set id="s" require-all="false"/></rsc_order></constraints></configuration></cib>`)
	f.Fuzz(func(t *testing.T, s string) {
		d := etree.NewDocument()
		if d.ReadFromString(s) != nil || d.Root() == nil {
			return
		}
		tr, err := Schedule(d.Root(), time.Unix(1700000000, 0))
		if err != nil {
			return
		}
		_ = tr.GraphXML()
		_ = tr.Dot(true)
		_ = tr.Simulate(d.Root())
	})
}
