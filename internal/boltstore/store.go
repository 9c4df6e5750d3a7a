package boltstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/workflow"
)

// SchemaVersion is the version of the bucket layout and encoding this package writes.
// Open upgrades older files through migrations and refuses newer ones.
const SchemaVersion = 5

// Defaults for the zero values of Options.
const (
	// DefaultLockTimeout is how long Open waits for the file lock by default: long enough
	// for a restarting server to let go of it, short enough for a clear error.
	DefaultLockTimeout = time.Second
	// DefaultRequestTTL is how long request records are remembered by default; api.md
	// promises at least 24 hours.
	DefaultRequestTTL = 48 * time.Hour
)

var (
	// ErrLocked is returned by Open when another process (or another Store in this one)
	// holds the file's lock for longer than Options.LockTimeout.
	ErrLocked = errors.New("database file is locked by another process")
	// ErrSchemaVersion is returned by Open when the file's schema version is newer than
	// SchemaVersion, or older with no migration to it.
	ErrSchemaVersion = errors.New("unsupported schema version")
	// ErrNotStore is returned by Open for a bbolt file that was not written by this package.
	ErrNotStore = errors.New("not a forsok database")
)

// Options configures a Store. The zero value is usable.
type Options struct {
	// Now is the clock, read once at the start of every transaction; it decides when a
	// request record has expired. Nil means time.Now.
	Now func() time.Time
	// LockTimeout is how long Open waits for the file lock before failing with ErrLocked.
	// Zero or negative means DefaultLockTimeout.
	LockTimeout time.Duration
	// RequestTTL is how long a request record is remembered. Zero or negative means
	// DefaultRequestTTL.
	RequestTTL time.Duration
	// MaxBatchSize is the most Update calls that share one commit (see writer in
	// batch.go). Zero or negative means DefaultMaxBatchSize; 1 gives every call a commit
	// of its own, as before group commit (the benchmark compares the two).
	MaxBatchSize int
	// NoSync skips the fsync after each commit: a commit is then acknowledged before it
	// is on disk, and a crash of the machine may lose or corrupt the file. It is for
	// tests that are not about durability, which it makes faster; forsokd never sets it.
	NoSync bool
}

// Store is a trial.Store backed by one bbolt file. It is safe for concurrent use.
type Store struct {
	db  *bolt.DB
	now func() time.Time
	ttl time.Duration
	w   *writer
}

var _ workflow.Store = (*Store)(nil)

// Open opens the database file at path, creating it with mode 0600 if it does not exist,
// creates missing buckets and checks the schema version, migrating an older file.
func Open(path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.RequestTTL <= 0 {
		opts.RequestTTL = DefaultRequestTTL
	}
	if opts.MaxBatchSize <= 0 {
		opts.MaxBatchSize = DefaultMaxBatchSize
	}
	db, err := openFile(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, NoSync: opts.NoSync})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := initSchema(tx); err != nil {
			return err
		}
		return discardPendingUploads(tx)
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	s := &Store{db: db, now: opts.Now, ttl: opts.RequestTTL}
	s.w = newWriter(db, opts.MaxBatchSize, func(btx *bolt.Tx) *writeTx {
		return &writeTx{readTx{tx: btx, now: s.now(), ttl: s.ttl}}
	})
	return s, nil
}

// Close releases the file and its lock. It waits for running transactions, and the
// Update calls already queued, to finish; later ones fail. Calling Close again does
// nothing.
func (s *Store) Close() error {
	if s.w != nil { // nil when opened read-only
		s.w.close()
	}
	return s.db.Close()
}

// View runs fn in a read-only transaction on a consistent snapshot. Readers do not wait
// for the writer.
func (s *Store) View(ctx context.Context, fn func(workflow.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(btx *bolt.Tx) error {
		return fn(&readTx{tx: btx, now: s.now(), ttl: s.ttl})
	})
}

// Update runs fn in a write transaction and commits it when fn returns nil; an error from
// fn rolls back what fn wrote and is returned unchanged. Update returns nil only once the
// commit is on disk. A context cancelled before the transaction starts (including while
// waiting for the writer) stops fn from running; once fn has returned nil the commit goes
// ahead.
//
// Concurrent calls share commits (group commit, batch.go): their fns run one after the
// other in one transaction, each seeing what the earlier ones wrote, and one sync makes
// them all durable. A call whose fn fails does not fail its batch-mates, but when it
// fails after writing, the others' fns run again; so fn may run more than once, and each
// run gets a fresh Tx that carries nothing over from an earlier one.
func (s *Store) Update(ctx context.Context, fn func(workflow.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.w == nil {
		return ErrReadOnly
	}
	return s.w.do(func(tx *trackedTx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Check runs bbolt's consistency check of the file's pages, then checks this package's
// invariants: every index entry matches its record and every record has its index
// entries, and event sequences run 1…N without gaps. It returns every problem found,
// joined, or nil.
func (s *Store) Check() error {
	return s.db.View(func(btx *bolt.Tx) error {
		errs, _ := checkFile(btx)
		return errors.Join(errs...)
	})
}

// migrations[v] upgrades a file from schema version v to v+1, inside the transaction
// that then records the new version. Version 2 added the events' hash chains and the
// feed's audience index (chain.go, migrateToChains); version 3 the list indexes and
// list_keys (indexes.go, migrateListIndexes); version 4 the county and title indexes
// (migrateListIndexes again) and the public statistics (statistics.go,
// migrateStatistics); version 5 the calls for applications (calls.go) and the stage and
// call indexes, which one more rebuild of the list indexes fills (every case from
// before is a FINAL one outside any call).
var migrations = map[uint64]func(*bolt.Tx) error{1: migrateToChains, 2: migrateListIndexes, 3: migrateToStatistics, 4: migrateListIndexes}

// initSchema sets up a new file, or checks and migrates an existing one.
func initSchema(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error {
			empty = false
			return nil
		})
		if !empty {
			return fmt.Errorf("%w: the file has buckets but no %q bucket", ErrNotStore, bucketMeta)
		}
		return createBuckets(tx, SchemaVersion)
	}
	version, err := schemaVersion(tx)
	if err != nil {
		return err
	}
	for ; version < SchemaVersion; version++ {
		migrate, ok := migrations[version]
		if !ok {
			return fmt.Errorf("%w: the file has schema version %d and there is no migration from it to %d",
				ErrSchemaVersion, version, version+1)
		}
		if err := migrate(tx); err != nil {
			return fmt.Errorf("migrate schema from version %d to %d: %w", version, version+1, err)
		}
	}
	return createBuckets(tx, version)
}

// createBuckets creates any missing bucket and records the schema version.
func createBuckets(tx *bolt.Tx, version uint64) error {
	for _, name := range append(allBuckets, documentBuckets...) {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	if err := ensurePageTokenKey(meta); err != nil {
		return err
	}
	if v := meta.Get(keySchemaVersion); v != nil && decodeUint(v) == version {
		return nil
	}
	return meta.Put(keySchemaVersion, encodeUint(version))
}
