package boltstore

import (
	"errors"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Backup writes a consistent copy of the whole database file to w and returns the number
// of bytes written. The copy is bbolt's hot backup: one read transaction's snapshot,
// written page by page while writers go on (they do not wait for it, except when a commit
// has to grow the file's memory map). The copy is a complete bbolt file: Verify accepts
// it, and Open opens it as it stands.
//
// A slow w keeps the read transaction, and so the pages of that snapshot, alive; callers
// serving a remote client should bound how long a write may stall.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("boltstore: backup: %w", err)
	}
	return n, nil
}

// Ping reports whether the store is open and can start a transaction: nil while it
// serves, an error once it is closed.
func (s *Store) Ping() error {
	return s.db.View(func(*bolt.Tx) error { return nil })
}

// Verify checks the file at path without changing it: it must be a bbolt file whose pages
// pass bbolt's consistency check, written by this package (the meta bucket with a schema
// version this program can read), and, at the current schema version, its records and
// indexes must agree as Check requires. It is what a backup or a file to restore is
// checked with before anything trusts it. Verify opens the file read-only and shares its
// lock, so it fails with ErrLocked while a server has the file open.
func Verify(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("boltstore: verify: %w", err)
	}
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: DefaultLockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("boltstore: verify %s: %w (waited %s)", path, ErrLocked, DefaultLockTimeout)
	}
	if err != nil {
		return fmt.Errorf("boltstore: verify %s: %w", path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		// bbolt maps the file into memory: a page beyond the end of a cut-off copy
		// would fault on access rather than fail the check, so the size comes first.
		if info.Size() < tx.Size() {
			return fmt.Errorf("the file is truncated: %d bytes, its pages need %d", info.Size(), tx.Size())
		}
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			return fmt.Errorf("consistency check failed: %w", errors.Join(errs...))
		}
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return fmt.Errorf("%w: no %q bucket", ErrNotStore, bucketMeta)
		}
		raw := meta.Get(keySchemaVersion)
		if len(raw) != 8 {
			return fmt.Errorf("%w: no valid %q in %q", ErrNotStore, keySchemaVersion, bucketMeta)
		}
		switch v := decodeUint(raw); {
		case v > SchemaVersion:
			return fmt.Errorf("%w: the file has schema version %d, this program supports up to %d", ErrSchemaVersion, v, SchemaVersion)
		case v < SchemaVersion:
			// An older layout is checked by Check after Open has migrated it.
			return nil
		}
		return checkInvariants(tx)
	})
	if err != nil {
		return fmt.Errorf("boltstore: verify %s: %w", path, err)
	}
	return nil
}
