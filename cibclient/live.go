package cibclient

import (
	"context"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
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

// Controller connects to the local crmd's API for the requests that are not
// CIB operations (crm_resource --fail). On a CIB file there is no controller:
// the error is crmexit.Disconnect, as when no crmd answers.
func Controller(ctx context.Context, getenv func(string) string) (*ipc.Client, error) {
	if !Live(getenv) {
		return nil, crmexit.New(crmexit.Disconnect, "no controller: CIB_file or CIB_shadow is set")
	}
	sock := getenv(EnvSocket)
	if sock == "" {
		sock = DefaultSocket
	}
	return ipc.Dial(ctx, sock)
}
