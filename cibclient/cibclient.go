package cibclient

import (
	"context"
	"os"

	"github.com/pacer-ha/pacer/cib"
)

// EnvFile names the environment variable that points tools at a CIB file.
const EnvFile = "CIB_file"

// EnvSocket overrides where crmd's socket is.
const EnvSocket = "PACER_SOCKET"

// DefaultSocket is where crmd listens unless PACER_SOCKET says otherwise.
const DefaultSocket = "/run/pacer/crmd.sock"

// Open returns a file backend when CIB_file is set in the environment; otherwise the
// live cluster backend.
func Open(ctx context.Context) (cib.Backend, error) {
	return OpenEnv(ctx, os.Getenv)
}

// OpenEnv is Open with the environment supplied by getenv (for tests and callers
// that carry their own environment).
func OpenEnv(ctx context.Context, getenv func(string) string) (cib.Backend, error) {
	if f := getenv(EnvFile); f != "" {
		return cib.NewFileBackend(f), nil
	}
	sock := getenv(EnvSocket)
	if sock == "" {
		sock = DefaultSocket
	}
	return openLive(ctx, sock)
}
