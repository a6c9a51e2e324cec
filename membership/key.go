package membership

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/pacer-ha/pacer/crmexit"
)

// KeySize is the cluster key length: 32 bytes selects AES-256-GCM in memberlist.
const KeySize = 32

// GenerateKey returns a new random cluster key.
func GenerateKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("reading random bytes for the cluster key: %w", err)
	}
	return k, nil
}

// WriteKeyFile writes a new key to path with mode 0600. It refuses to overwrite an
// existing file unless force is set, since replacing the key of a running cluster
// splits it.
func WriteKeyFile(path string, force bool) error {
	k, err := GenerateKey()
	if err != nil {
		return crmexit.Wrap(crmexit.OSErr, err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return crmexit.New(crmexit.Exists, "key file %s already exists (use --force to replace it)", path)
		}
		return crmexit.New(crmexit.CantCreate, "creating key file: %w", err)
	}
	// O_CREATE's mode is filtered by the umask and ignored for an existing file.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return crmexit.New(crmexit.CantCreate, "setting key file mode: %w", err)
	}
	if _, err := f.Write(k); err != nil {
		f.Close()
		return crmexit.New(crmexit.IOErr, "writing key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return crmexit.New(crmexit.IOErr, "syncing key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return crmexit.New(crmexit.IOErr, "closing key file %s: %w", path, err)
	}
	return nil
}

// ReadKeyFile reads a cluster key; it must be exactly KeySize bytes and must not be
// readable by group or others.
func ReadKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, crmexit.New(crmexit.NoInput, "cluster key: %w (create one with: crmd keygen -o %s)", err, path)
		}
		return nil, crmexit.New(crmexit.IOErr, "cluster key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, crmexit.New(crmexit.NoPerm, "cluster key %s has mode %#o: it must not be readable by group or others (chmod 600)", path, st.Mode().Perm())
	}
	k, err := os.ReadFile(path)
	if err != nil {
		return nil, crmexit.New(crmexit.IOErr, "cluster key: %w", err)
	}
	if len(k) != KeySize {
		return nil, crmexit.New(crmexit.Config, "cluster key %s is %d bytes, want %d (create one with: crmd keygen)", path, len(k), KeySize)
	}
	return k, nil
}
