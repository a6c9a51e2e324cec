package cibclient

import (
	"context"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/ipc"
)

// openLive connects to crmd's local API socket. A missing socket is
// crmexit.Disconnect (102) with a hint about CIB_file.
func openLive(ctx context.Context, sock string) (cib.Backend, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := ipc.DialBackend(ctx, sock)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func localNode(ctx context.Context, sock string) (string, bool) {
	cl, err := ipc.Dial(ctx, sock)
	if err != nil {
		return "", false
	}
	defer cl.Close()
	st, err := cl.Status(ctx)
	if err != nil || st.Node == "" {
		return "", false
	}
	return st.Node, true
}
