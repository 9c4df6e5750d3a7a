package boltstore

import (
	"errors"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
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
	db, err := openReadOnly(path, DefaultLockTimeout)
	if err != nil {
		return fmt.Errorf("boltstore: verify %s: %w", path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkSize(tx, path); err != nil {
			return err
		}
		// The pages before anything reads the meta bucket from them.
		if errs := checkPages(tx); len(errs) > 0 {
			return fmt.Errorf("consistency check failed: %w", errors.Join(errs...))
		}
		v, err := schemaVersion(tx)
		if err != nil || v < SchemaVersion {
			// An older layout is checked by Check after Open has migrated it.
			return err
		}
		return checkInvariants(tx)
	})
	if err != nil {
		return fmt.Errorf("boltstore: verify %s: %w", path, err)
	}
	return nil
}
