package controller

import (
	"testing"
)

// FuzzDecodeMessage: malformed network input is rejected, never a panic, and
// whatever is accepted can be stepped into a node without a panic either.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range []Message{
		{Type: MsgHello, From: "beta", To: "alpha", Term: Term{N: 3, DC: "beta"}, Version: Version{0, 2, 1}},
		{Type: MsgSync, From: "beta", To: "alpha", Term: Term{N: 4, DC: "beta"}, Doc: kvDocWith(Version{Epoch: 3}, nil)},
		{Type: MsgForward, From: "beta", To: "alpha", Req: 7, Op: &Op{Kind: OpAttrSet, Node: "beta", Name: "x", Value: "1"}},
		{Type: MsgReplicate, From: "beta", To: "alpha", Term: Term{N: 1, DC: "beta"}, Seq: 1, Doc: []byte("{}")},
	} {
		b, _ := m.Encode()
		f.Add(b)
	}
	f.Add([]byte(`{"type":"ack","from":"x","to":"y","seq":-1}`))
	f.Add([]byte(`nonsense`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMessage(b)
		if err != nil {
			return
		}
		if m.From == "" || m.To == "" {
			t.Fatalf("accepted a message without from/to: %+v", m)
		}
		n, err := New(Config{Self: "alpha", Nodes: three, Model: kvModel{}, ElectionTicks: 5, AckTicks: 5, RequestTicks: 5},
			HardState{Doc: kvDocWith(Version{Epoch: 1}, nil)})
		if err != nil {
			t.Fatal(err)
		}
		n.MemberUp("beta")
		n.MemberUp("gamma")
		n.Ready()
		m.To = "alpha"
		_ = n.Step(m)
		n.Tick()
		n.Ready()
	})
}
