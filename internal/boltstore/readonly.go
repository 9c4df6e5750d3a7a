package boltstore

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrReadOnly is returned by Update on a store opened with OpenReadOnly.
var ErrReadOnly = errors.New("boltstore: the store is open read-only")

// OpenReadOnly opens the file at path read-only, sharing its lock with other readers,
// for tools that read a stopped server's data (forsokd archive-export): a running
// server holds the lock, and the open fails with ErrLocked after opts.LockTimeout. The
// file must have this program's schema version; nothing is migrated or cleaned up.
func OpenReadOnly(path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.RequestTTL <= 0 {
		opts.RequestTTL = DefaultRequestTTL
	}
	db, err := openReadOnly(path, opts.LockTimeout)
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		v, err := schemaVersion(tx)
		if err == nil && v != SchemaVersion {
			err = fmt.Errorf("%w: the file has schema version %d, this program reads %d; start forsokd on it once to migrate it", ErrSchemaVersion, v, SchemaVersion)
		}
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	return &Store{db: db, now: opts.Now, ttl: opts.RequestTTL}, nil
}
