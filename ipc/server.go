package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/pacer-ha/pacer/crmexit"
)

// Handler answers requests. It is called concurrently from many connections.
type Handler interface {
	Handle(ctx context.Context, q Request) Response
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, q Request) Response

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, q Request) Response { return f(ctx, q) }

// Group is the group that may use the socket when it exists (Pacemaker's).
const Group = "haclient"

// Server is a listening local API socket.
type Server struct {
	ln   *net.UnixListener
	path string
	log  *slog.Logger
	wg   sync.WaitGroup
}

// Listen creates the socket at path (replacing a stale one), mode 0660, group
// haclient when that group exists.
func Listen(path string, lg *slog.Logger) (*Server, error) {
	if lg == nil {
		lg = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, crmexit.New(crmexit.CantCreate, "ipc: creating socket directory: %w", err)
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, crmexit.New(crmexit.Exists, "ipc: %s is in use: is crmd already running?", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, crmexit.New(crmexit.CantCreate, "ipc: removing stale socket: %w", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, crmexit.New(crmexit.CantCreate, "ipc: listening on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, crmexit.New(crmexit.CantCreate, "ipc: socket mode: %w", err)
	}
	if g, err := user.LookupGroup(Group); err == nil {
		if gid, err := strconv.Atoi(g.Gid); err == nil {
			if err := os.Chown(path, -1, gid); err != nil {
				lg.Warn("ipc: cannot give the socket to group "+Group, "err", err)
			}
		}
	}
	return &Server{ln: ln, path: path, log: lg}, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Serve accepts connections until ctx ends, then closes the socket and waits for
// the connections to finish.
func (s *Server) Serve(ctx context.Context, h Handler) error {
	go func() {
		<-ctx.Done()
		s.ln.Close()
	}()
	defer func() {
		s.wg.Wait()
		os.Remove(s.path)
	}()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("ipc: accept: %w", err)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.conn(ctx, c, h)
		}()
	}
}

func (s *Server) conn(ctx context.Context, c *net.UnixConn, h Handler) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for {
		b, err := ReadFrame(c)
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				s.log.Warn("ipc: dropping client connection", "err", err)
			}
			return
		}
		q, err := DecodeRequest(b)
		if err != nil {
			s.log.Warn("ipc: rejecting malformed request", "err", err)
			// Answer so the client sees why, then drop the connection: after a bad
			// frame the stream cannot be trusted.
			_ = WriteFrame(c, Response{Code: int(crmexit.Protocol), Err: err.Error()})
			return
		}
		r := h.Handle(ctx, q)
		r.ID = q.ID
		if err := WriteFrame(c, r); err != nil {
			s.log.Warn("ipc: writing response", "err", err)
			return
		}
	}
}
