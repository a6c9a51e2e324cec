package cib

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pacer-ha/pacer/crmexit"
)

// A Backend is where a tool reads and writes the CIB: a file now, the live cluster later.
type Backend interface {
	// Read returns the current CIB.
	Read(ctx context.Context) (*CIB, error)
	// Update reads the current CIB, runs fn on a private copy, validates and commits it
	// atomically (all or nothing). fn returning an error aborts with nothing written.
	Update(ctx context.Context, fn func(*CIB) error) error
	// Close releases the backend.
	Close() error
}

// FileBackend keeps the CIB in one XML file (Pacemaker's CIB_file convention).
type FileBackend struct {
	path string
}

// NewFileBackend returns a backend on the CIB file at path.
func NewFileBackend(path string) Backend { return &FileBackend{path: path} }

// Path is the file the backend works on.
func (f *FileBackend) Path() string { return f.path }

// Read parses the file.
func (f *FileBackend) Read(ctx context.Context) (*CIB, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ParseFile(f.path)
}

// Update runs fn on the file's CIB and, when fn succeeds and the result validates,
// writes it back atomically (temporary file, fsync, rename, fsync of the directory).
// A CIB that fn left byte-identical is not rewritten. Concurrent updates of the same
// file (from any process) are serialised with an exclusive flock on the file, so none
// is lost.
func (f *FileBackend) Update(ctx context.Context, fn func(*CIB) error) error {
	unlock, err := lockFile(ctx, f.path)
	if err != nil {
		return err
	}
	defer unlock()
	c, err := f.Read(ctx)
	if err != nil {
		return err
	}
	before, err := c.Bytes()
	if err != nil {
		return err
	}
	// c is private to this call: fn may change it freely, nothing is written on error.
	w := c
	if err := fn(w); err != nil {
		return err
	}
	after, err := w.Bytes()
	if err != nil {
		return err
	}
	if string(before) == string(after) {
		return nil
	}
	if err := w.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return WriteFileAtomic(f.path, after)
}

// Close does nothing for a file.
func (f *FileBackend) Close() error { return nil }

// WriteFileAtomic replaces path with data so that a crash leaves either the old or the
// new content: write a temporary file in the same directory, fsync it, rename it over
// path, fsync the directory. An existing file's permissions are kept.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	mode := os.FileMode(0o600)
	if st, serr := os.Stat(path); serr == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return crmexit.New(crmexit.CantCreate, "cannot write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err == nil {
		if err = tmp.Chmod(mode); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return crmexit.New(crmexit.IOErr, "cannot write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return crmexit.New(crmexit.IOErr, "cannot replace %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		serr := d.Sync()
		_ = d.Close()
		if serr != nil && !errors.Is(serr, os.ErrInvalid) {
			return crmexit.New(crmexit.IOErr, "cannot sync directory %s: %w", dir, serr)
		}
	}
	return nil
}

// lockFile takes an exclusive flock on the file at path, waiting (until ctx ends)
// for other writers. Writers replace the file by rename, so after getting the lock
// it checks that path still names the locked file, and starts again if not.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	for {
		fh, err := os.Open(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, crmexit.New(crmexit.NoInput, "cannot read CIB file %s: %w", path, err)
			}
			return nil, crmexit.New(crmexit.IOErr, "cannot open CIB file %s: %w", path, err)
		}
		for {
			err = syscall.Flock(int(fh.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if err == nil || !errors.Is(err, syscall.EWOULDBLOCK) {
				break
			}
			select {
			case <-ctx.Done():
				_ = fh.Close()
				return nil, crmexit.Wrap(crmexit.Timeout, fmt.Errorf("waiting for another writer of %s: %w", path, ctx.Err()))
			case <-time.After(5 * time.Millisecond):
			}
		}
		if err != nil {
			_ = fh.Close()
			return nil, crmexit.New(crmexit.IOErr, "cannot lock CIB file %s: %w", path, err)
		}
		held, serr := fh.Stat()
		now, perr := os.Stat(path)
		if serr == nil && perr == nil && os.SameFile(held, now) {
			return func() { _ = fh.Close() }, nil // closing releases the lock
		}
		_ = fh.Close() // replaced while we waited: lock the new file instead
	}
}
