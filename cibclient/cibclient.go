package cibclient

import (
	"context"
	"os"
	"path/filepath"

	"github.com/pacer-ha/pacer/cib"
)

// EnvFile names the environment variable that points tools at a CIB file.
const EnvFile = "CIB_file"

// EnvShadow names a shadow CIB (Pacemaker's crm_shadow): tools then work on the
// file shadow.NAME in the shadow directory. It takes precedence over CIB_file.
const EnvShadow = "CIB_shadow"

// EnvShadowDir overrides DefaultShadowDir.
const EnvShadowDir = "CIB_shadow_dir"

// DefaultShadowDir is where Pacemaker keeps shadow CIBs.
const DefaultShadowDir = "/var/lib/pacemaker/cib"

// ShadowFile is the file behind a shadow CIB name.
func ShadowFile(name string, getenv func(string) string) string {
	dir := getenv(EnvShadowDir)
	if dir == "" {
		dir = DefaultShadowDir
	}
	return filepath.Join(dir, "shadow."+name)
}

// EnvSocket overrides where crmd's socket is.
const EnvSocket = "PACER_SOCKET"

// DefaultSocket is where crmd listens unless PACER_SOCKET says otherwise.
const DefaultSocket = "/run/pacer/crmd.sock"

// Open returns a file backend when CIB_shadow or CIB_file is set in the environment
// (in that order, as Pacemaker's tools do); otherwise the live cluster backend.
func Open(ctx context.Context) (cib.Backend, error) {
	return OpenEnv(ctx, os.Getenv)
}

// OpenEnv is Open with the environment supplied by getenv (for tests and callers
// that carry their own environment).
func OpenEnv(ctx context.Context, getenv func(string) string) (cib.Backend, error) {
	if name := getenv(EnvShadow); name != "" {
		return cib.NewFileBackend(ShadowFile(name, getenv)), nil
	}
	if f := getenv(EnvFile); f != "" {
		return cib.NewFileBackend(f), nil
	}
	sock := getenv(EnvSocket)
	if sock == "" {
		sock = DefaultSocket
	}
	return openLive(ctx, sock)
}

// Live reports whether the environment points tools at the running cluster
// rather than at a file (neither CIB_shadow nor CIB_file set).
func Live(getenv func(string) string) bool {
	return getenv(EnvShadow) == "" && getenv(EnvFile) == ""
}

// LocalNode is the name of the node the local crmd runs as, when the
// environment points at the live cluster and a crmd answers there; ok is
// false otherwise (on a CIB file the caller falls back to the host name).
// A node's name need not be its host name (crmd run --name), so tools ask.
func LocalNode(ctx context.Context, getenv func(string) string) (name string, ok bool) {
	if !Live(getenv) {
		return "", false
	}
	sock := getenv(EnvSocket)
	if sock == "" {
		sock = DefaultSocket
	}
	return localNode(ctx, sock)
}
