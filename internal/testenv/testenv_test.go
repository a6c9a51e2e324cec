package testenv

import (
	"strings"
	"testing"
)

func TestNormaliseAndBlock(t *testing.T) {
	text := "Current cluster status:\n  * Masters: [ a ]\n  * r\t(ocf::heartbeat:Dummy):   Slave n1\n\nTransition Summary:\n  * Start  r  ( n1 )\n\n"
	lines := Normalise(text)
	st, ok := Block(lines, "Current cluster status:")
	if !ok {
		t.Fatal("status block not found")
	}
	want := "* Promoted: [ a ]|* r (ocf:heartbeat:Dummy): Unpromoted n1"
	if got := strings.Join(st, "|"); got != want {
		t.Errorf("status block = %q, want %q", got, want)
	}
	tr, ok := Block(lines, "Transition Summary:")
	if !ok || strings.Join(tr, "|") != "* Start r ( n1 )" {
		t.Errorf("transition block = %q, %v", tr, ok)
	}
	if _, ok := Block(lines, "Revised Cluster Status:"); ok {
		t.Error("absent header reported present")
	}
}
