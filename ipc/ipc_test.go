package ipc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

// fakeCRMD is an in-memory handler with crmd's CAS semantics.
type fakeCRMD struct {
	mu    sync.Mutex
	doc   []byte
	attrs map[string]string
}

func (f *fakeCRMD) Handle(ctx context.Context, q Request) Response {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, _ := cib.Parse(f.doc)
	v := c.Version()
	ver := [3]int{v.AdminEpoch, v.Epoch, v.NumUpdates}
	switch q.Op {
	case OpQuery:
		return Response{Doc: f.doc, Version: ver}
	case OpReplace:
		if q.Base != ver {
			return Response{Code: int(crmexit.TempFail), Err: ConflictPrefix + " moved on"}
		}
		f.doc = q.Doc
		return Response{}
	case OpAttrSet:
		f.attrs[q.Node+"/"+q.Name] = q.Value
		return Response{}
	case OpAttrGet:
		v, ok := f.attrs[q.Node+"/"+q.Name]
		return Response{Value: v, Found: ok}
	case OpAttrDelete:
		delete(f.attrs, q.Node+"/"+q.Name)
		return Response{}
	case OpStatus:
		return Response{Status: &Status{Node: "alpha", DC: "beta", Quorate: true}}
	}
	return Response{Code: int(crmexit.Software), Err: "unreachable"}
}

func serve(t *testing.T, h Handler) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crmd.sock")
	s, err := Listen(path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return path
}

func TestRoundTrip(t *testing.T) {
	emptyDoc, _ := cib.Empty().Bytes()
	f := &fakeCRMD{doc: emptyDoc, attrs: map[string]string{}}
	path := serve(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := DialBackend(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// A concurrent writer moves the CIB once during the first attempt: Update retries.
	calls := 0
	err = b.Update(ctx, func(c *cib.CIB) error {
		calls++
		if calls == 1 {
			f.mu.Lock()
			cc, _ := cib.Parse(f.doc)
			v := cc.Version()
			v.NumUpdates++
			cc.SetVersion(v)
			f.doc, _ = cc.Bytes()
			f.mu.Unlock()
		}
		x, err := cib.ParseElement([]byte(`<primitive id="d1" class="ocf" provider="pacer" type="Dummy"/>`))
		if err != nil {
			return err
		}
		return c.Create("resources", x)
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("fn ran %d times, want 2 (one conflict, one retry)", calls)
	}
	c, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.String(), `id="d1"`) {
		t.Errorf("update lost:\n%s", c)
	}
	cl := b.Client()
	if err := cl.AttrSet(ctx, "alpha", "pingd", "5", 0); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := cl.AttrGet(ctx, "alpha", "pingd"); err != nil || !ok || v != "5" {
		t.Errorf("AttrGet = %q %v %v", v, ok, err)
	}
	if err := cl.AttrDelete(ctx, "alpha", "pingd"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := cl.AttrGet(ctx, "alpha", "pingd"); ok {
		t.Error("attribute survived delete")
	}
	st, err := cl.Status(ctx)
	if err != nil || st.DC != "beta" {
		t.Errorf("Status = %+v %v", st, err)
	}
	// An error code travels back as the error's exit code.
	if err := cl.Replace(ctx, [3]int{9, 9, 9}, []byte("<cib/>")); crmexit.Of(err) != crmexit.TempFail {
		t.Errorf("stale replace: %v (code %d)", err, crmexit.Of(err))
	}
}

func TestMalformedRequestsRejected(t *testing.T) {
	path := serve(t, HandlerFunc(func(ctx context.Context, q Request) Response { return Response{} }))
	for _, raw := range [][]byte{
		{0, 0, 0, 5, '{', '"', 'o', 'p', '"'},                                // truncated JSON
		append([]byte{0, 0, 0, 14}, []byte(`{"op":"bogus"}`)...),             // unknown op
		{0xff, 0xff, 0xff, 0xff},                                             // absurd length
		append([]byte{0, 0, 0, 16}, []byte(`{"op":"replace"}`)...),           // replace without doc
		append([]byte{0, 0, 0, 17}, []byte(`{"op":"attr-set"}`)...),          // no name
		frame(`{"op":"fail","node":"n1"}`),                                   // no resource
		frame(`{"op":"fail","rsc":{"id":"a","class":"ocf","type":"Dummy"}}`), // no node
		frame(`{"op":"fail","node":"n1","rsc":{"id":"a","class":"ocf"}}`),    // no type
	} {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Write(raw)
		b, err := ReadFrame(c)
		if err == nil {
			var r Response
			jsonUnmarshal(b, &r)
			if r.Code != int(crmexit.Protocol) {
				t.Errorf("%q: answered %+v, want a protocol error", raw, r)
			}
			_, err = ReadFrame(c)
		}
		if !errors.Is(err, io.EOF) {
			t.Errorf("%q: connection not closed after a bad request: %v", raw, err)
		}
		c.Close()
	}
}

// frame is s as one length-prefixed frame.
func frame(s string) []byte {
	return append([]byte{0, 0, byte(len(s) >> 8), byte(len(s))}, s...)
}

func TestNotRunning(t *testing.T) {
	ctx := context.Background()
	_, err := Dial(ctx, filepath.Join(t.TempDir(), "none.sock"))
	if crmexit.Of(err) != crmexit.Disconnect {
		t.Fatalf("dial to nothing: %v", err)
	}
}

func TestSecondServerRefused(t *testing.T) {
	path := serve(t, HandlerFunc(func(ctx context.Context, q Request) Response { return Response{} }))
	if _, err := Listen(path, nil); crmexit.Of(err) != crmexit.Exists {
		t.Fatalf("second Listen on a live socket: %v", err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"id":1,"op":"query"}`))
	f.Add([]byte(`{"id":2,"op":"replace","base":[0,1,2],"doc":"PGNpYi8+"}`))
	f.Add([]byte(`{"op":"attr-set","name":"x","dampen_ms":-1}`))
	f.Add([]byte(`{"op":"fail","node":"n1","rsc":{"id":"a","class":"ocf","provider":"pacer","type":"Dummy"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeRequest(b)
		if err == nil && q.Op == "" {
			t.Fatal("accepted a request without an op")
		}
		// Framing must not panic either.
		var buf bytes.Buffer
		buf.Write([]byte{0, 0, byte(len(b) >> 8), byte(len(b))})
		buf.Write(b)
		ReadFrame(&buf)
	})
}
