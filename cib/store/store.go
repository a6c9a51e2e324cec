package store

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
)

// DefaultDir is where the store lives unless --state-dir or PACER_STATE_DIR says otherwise.
const DefaultDir = "/var/lib/pacer"

// EnvDir names the environment variable that overrides DefaultDir.
const EnvDir = "PACER_STATE_DIR"

// FileName is the database file inside the state directory.
const FileName = "cib.db"

// DefaultKeep is how many revisions are kept when Options.Keep is 0.
const DefaultKeep = 100

// ResolveDir picks the state directory: the flag value if set, else PACER_STATE_DIR,
// else DefaultDir.
func ResolveDir(flagValue string, getenv func(string) string) string {
	if flagValue != "" {
		return flagValue
	}
	if getenv != nil {
		if d := getenv(EnvDir); d != "" {
			return d
		}
	}
	return DefaultDir
}

// Options tune a Store.
type Options struct {
	// Keep is how many revisions to keep (the current one included); 0 means DefaultKeep.
	Keep int
	// Timeout bounds the wait for another process's lock on the database; 0 means 2s.
	Timeout time.Duration
	// NoSync skips fsync (tests and benchmarks only: a crash may lose commits).
	NoSync bool
}

// Revision numbers commits, starting at 1 and never reused.
type Revision uint64

// RevisionInfo describes one stored revision.
type RevisionInfo struct {
	Rev     Revision    `json:"rev"`
	Version cib.Version `json:"version"`
	Digest  string      `json:"digest"` // hex SHA-256 of the CIB's bytes
	Time    time.Time   `json:"time"`
	Size    int         `json:"size"` // uncompressed bytes
}

// Store is an open state database. It is safe for concurrent use by goroutines of
// one process; bbolt's file lock keeps other processes out.
type Store struct {
	db   *bolt.DB
	path string
	keep int
}

var (
	bucketMeta = []byte("meta")
	bucketInfo = []byte("info") // rev -> RevisionInfo JSON (small: History reads only this)
	bucketData = []byte("data") // rev -> deflated CIB XML
	keyCurrent = []byte("current")
	keyFormat  = []byte("format")
	formatV1   = []byte("pacer-cib-store-1")
)

// ErrNoCIB means the store holds no CIB yet (a new state directory).
var ErrNoCIB = errors.New("no CIB has been stored yet")

// Open opens (creating if needed) the store in dir. A database that cannot be read is
// reported as damaged with its path; it is never replaced.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, crmexit.New(crmexit.CantCreate, "cannot create state directory %s: %w (set --state-dir or %s)", dir, err, EnvDir)
	}
	path := filepath.Join(dir, FileName)
	db, err := openDB(path, opts)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, keep: opts.Keep}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// openDB opens bbolt, turning its panics on garbage files into a "damaged" error.
func openDB(path string, opts Options) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, damaged(path, fmt.Errorf("%v", r))
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opts.Timeout,
		NoSync:       opts.NoSync,
		FreelistType: bolt.FreelistMapType,
	})
	if err == nil {
		return db, nil
	}
	if errors.Is(err, bolterr.ErrTimeout) {
		return nil, crmexit.New(crmexit.TempFail, "state database %s is locked by another process (is another crmd running?)", path)
	}
	if errors.Is(err, os.ErrPermission) {
		return nil, crmexit.New(crmexit.NoPerm, "cannot open state database %s: %w", path, err)
	}
	return nil, damaged(path, err)
}

func damaged(path string, err error) error {
	return crmexit.New(crmexit.Digest, "state database %s is damaged: %v; it was left untouched: move it aside to start afresh, or restore a backup", path, err)
}

func (s *Store) init() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = damaged(s.path, fmt.Errorf("%v", r))
		}
	}()
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta != nil {
			if f := meta.Get(keyFormat); !bytes.Equal(f, formatV1) {
				return damaged(s.path, fmt.Errorf("unknown format %q", f))
			}
			if tx.Bucket(bucketInfo) == nil || tx.Bucket(bucketData) == nil {
				return damaged(s.path, errors.New("missing buckets"))
			}
			return nil
		}
		for _, b := range [][]byte{bucketMeta, bucketInfo, bucketData} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("initialising %s: %w", s.path, err)
			}
		}
		return tx.Bucket(bucketMeta).Put(keyFormat, formatV1)
	})
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

func revKey(r Revision) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(r))
	return k[:]
}

func compress(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data) / 8)
	w, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decompress(data []byte, size int) ([]byte, error) {
	out := bytes.NewBuffer(make([]byte, 0, size))
	if _, err := io.Copy(out, flate.NewReader(bytes.NewReader(data))); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// update runs a write transaction, turning bbolt's panics on corrupted pages into
// a "damaged" error (the transaction is then not committed).
func (s *Store) update(fn func(tx *bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged(s.path, fmt.Errorf("%v", r))
		}
	}()
	return s.db.Update(fn)
}

// Commit stores c as the new current revision and drops revisions beyond Keep, all in
// one transaction.
func (s *Store) Commit(c *cib.CIB) (Revision, error) {
	data, err := c.Bytes()
	if err != nil {
		return 0, err
	}
	return s.commitBytes(data, c.Version())
}

// CommitBytes is Commit for a document the caller already holds serialised
// (and knows to parse, with version v): crmd persists every replicated CIB
// and would otherwise parse and serialise a large CIB again each time.
func (s *Store) CommitBytes(data []byte, v cib.Version) (Revision, error) {
	return s.commitBytes(data, v)
}

func (s *Store) commitBytes(data []byte, v cib.Version) (Revision, error) {
	sum := sha256.Sum256(data)
	z, err := compress(data)
	if err != nil {
		return 0, fmt.Errorf("compressing CIB: %w", err)
	}
	var rev Revision
	err = s.update(func(tx *bolt.Tx) error {
		info, blobs := tx.Bucket(bucketInfo), tx.Bucket(bucketData)
		last, _ := info.Cursor().Last()
		rev = 1
		if last != nil {
			rev = Revision(binary.BigEndian.Uint64(last)) + 1
		}
		ri := RevisionInfo{Rev: rev, Version: v, Digest: hex.EncodeToString(sum[:]), Time: time.Now().UTC(), Size: len(data)}
		j, err := json.Marshal(ri)
		if err != nil {
			return err
		}
		if err := info.Put(revKey(rev), j); err != nil {
			return err
		}
		if err := blobs.Put(revKey(rev), z); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Put(keyCurrent, revKey(rev)); err != nil {
			return err
		}
		// Prune from the oldest end; there are at most a few beyond Keep.
		// (info holds only small records, so counting it is cheap.)
		n := 0
		cur := info.Cursor()
		for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
			n++
		}
		var drop [][]byte
		for k, _ := cur.First(); k != nil && n > s.keep; k, _ = cur.Next() {
			drop = append(drop, append([]byte(nil), k...))
			n--
		}
		for _, k := range drop {
			if err := info.Delete(k); err != nil {
				return err
			}
			if err := blobs.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, crmexit.New(crmexit.IOErr, "committing CIB to %s: %w", s.path, err)
	}
	return rev, nil
}

// view runs a read transaction, turning bbolt's panics on corrupted pages into a
// "damaged" error.
func (s *Store) view(fn func(tx *bolt.Tx) error) (err error) {
	// A corrupted page can point outside the mapped file: make that a panic we can
	// recover rather than a crash of the whole daemon.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged(s.path, fmt.Errorf("%v", r))
		}
	}()
	return s.db.View(fn)
}

// Current returns the current CIB and its revision; a new store gives ErrNoCIB
// (crmexit.NoSuch).
func (s *Store) Current() (*cib.CIB, Revision, error) {
	var rev Revision
	var c *cib.CIB
	err := s.view(func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketMeta).Get(keyCurrent)
		if k == nil {
			return crmexit.Wrap(crmexit.NoSuch, ErrNoCIB)
		}
		if len(k) != 8 {
			return damaged(s.path, errors.New("bad current-revision key"))
		}
		rev = Revision(binary.BigEndian.Uint64(k))
		var err error
		c, err = s.load(tx, rev)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return c, rev, nil
}

// load reads, checks and parses one revision inside a transaction.
func (s *Store) load(tx *bolt.Tx, rev Revision) (*cib.CIB, error) {
	j := tx.Bucket(bucketInfo).Get(revKey(rev))
	z := tx.Bucket(bucketData).Get(revKey(rev))
	if j == nil || z == nil {
		return nil, crmexit.New(crmexit.NoSuch, "revision %d is not in %s (see History for what is kept)", rev, s.path)
	}
	var ri RevisionInfo
	if err := json.Unmarshal(j, &ri); err != nil {
		return nil, damaged(s.path, fmt.Errorf("revision %d: %w", rev, err))
	}
	data, err := decompress(z, ri.Size)
	if err != nil {
		return nil, damaged(s.path, fmt.Errorf("revision %d: %w", rev, err))
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != ri.Digest {
		return nil, damaged(s.path, fmt.Errorf("revision %d: digest mismatch", rev))
	}
	c, err := cib.Parse(data)
	if err != nil {
		return nil, damaged(s.path, fmt.Errorf("revision %d: %w", rev, err))
	}
	return c, nil
}

// Get returns a stored revision.
func (s *Store) Get(rev Revision) (*cib.CIB, error) {
	var c *cib.CIB
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		c, err = s.load(tx, rev)
		return err
	})
	return c, err
}

// History lists the kept revisions, oldest first.
func (s *Store) History() ([]RevisionInfo, error) {
	var out []RevisionInfo
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInfo).ForEach(func(k, v []byte) error {
			var ri RevisionInfo
			if err := json.Unmarshal(v, &ri); err != nil {
				return damaged(s.path, fmt.Errorf("revision info %x: %w", k, err))
			}
			out = append(out, ri)
			return nil
		})
	})
	return out, err
}

// Rollback makes an old revision's content current again, as a new revision. Its
// version is set just above the current one (epoch+1, num_updates 0) so that the
// rolled-back CIB wins over copies elsewhere in the cluster.
func (s *Store) Rollback(rev Revision) (Revision, error) {
	old, err := s.Get(rev)
	if err != nil {
		return 0, err
	}
	cur, _, err := s.Current()
	if err != nil {
		return 0, err
	}
	v := cur.Version()
	v.Epoch++
	v.NumUpdates = 0
	old.SetVersion(v)
	return s.Commit(old)
}
