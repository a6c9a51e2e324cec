package cibclient

import (
	"context"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

// openLive connects to crmd's socket. crmd does not exist yet: the crmd engineer
// replaces this body with a real client implementing cib.Backend.
func openLive(ctx context.Context, sock string) (cib.Backend, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, crmexit.New(crmexit.Disconnect,
		"cannot connect to the cluster: crmd is not running at %s (PACER_SOCKET); set CIB_file=FILE to work on a file", sock)
}
