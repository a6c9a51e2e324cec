package main

import (
	"testing"

	"github.com/pacer-ha/pacer/transition"
)

// FuzzDecodeExec: executor messages come from the network; decoding (and
// turning an accepted message's action back into a transition action) must
// reject garbage with an error, never panic.
func FuzzDecodeExec(f *testing.F) {
	a := &transition.Action{Kind: transition.RscOp, Operation: "start", Key: "d_start_0", Node: "n2",
		Rsc: &transition.Primitive{ID: "d", Class: "ocf", Provider: "pacer", Type: "Dummy"}}
	for _, m := range []execMsg{
		{Type: execRequest, From: "n1", To: "n2", ID: 1, Action: toWire(a)},
		{Type: execFail, From: "n1", To: "n2", Action: toWire(failAction("n2", a.Rsc))},
	} {
		b, err := encodeExec(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("X{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeExec(b)
		if err != nil {
			return
		}
		if (m.Type == execRequest || m.Type == execFail || m.Type == recurring) && m.Action == nil {
			t.Fatalf("%s accepted without an action", m.Type)
		}
		if m.Action != nil {
			_ = m.Action.action()
		}
	})
}
