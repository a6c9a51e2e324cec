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
