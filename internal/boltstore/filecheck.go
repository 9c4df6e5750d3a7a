package boltstore

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The one check of a database file, shared by Open (initSchema), Verify, Audit and
// Store.Check: how a file is opened to be checked, what makes it a store file of a
// schema this program reads, and the order of the checks (size, pages, invariants).

// openFile opens the file at path, failing with ErrLocked when another process holds
// its lock for longer than opts.Timeout.
func openFile(path string, mode os.FileMode, opts *bolt.Options) (*bolt.DB, error) {
	db, err := bolt.Open(path, mode, opts)
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (waited %s)", ErrLocked, opts.Timeout)
	}
	return db, err
}

// openReadOnly opens the file at path read-only, sharing its lock with other readers,
// to be checked.
func openReadOnly(path string, timeout time.Duration) (*bolt.DB, error) {
	return openFile(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: timeout})
}

// schemaVersion returns the file's schema version: ErrNotStore when the file has no
// valid one (not a file of this package), ErrSchemaVersion when it is newer than this
// program reads. An older version is the caller's to migrate or refuse.
func schemaVersion(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, fmt.Errorf("%w: no %q bucket", ErrNotStore, bucketMeta)
	}
	raw := meta.Get(keySchemaVersion)
	if len(raw) != 8 {
		return 0, fmt.Errorf("%w: no valid %q in %q", ErrNotStore, keySchemaVersion, bucketMeta)
	}
	v := decodeUint(raw)
	if v > SchemaVersion {
		return v, fmt.Errorf("%w: the file has schema version %d, this program supports up to %d: use a newer forsok", ErrSchemaVersion, v, SchemaVersion)
	}
	return v, nil
}

// checkSize refuses a file shorter than its pages. bbolt maps the file into memory: a
// page beyond the end of a cut-off copy would fault on access rather than fail the
// page check, so this comes before anything reads pages.
func checkSize(tx *bolt.Tx, path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.Size() < tx.Size() {
		return fmt.Errorf("the file is truncated: %d bytes, its pages need %d", info.Size(), tx.Size())
	}
	return nil
}

// checkFile runs bbolt's page check and, when the pages hold, this package's invariants
// (check.go) on a file at the current schema version. It returns every problem found,
// and whether the pages hold: when they do not, only the page problems, since the
// invariant check (and any other reader) would read broken pages.
func checkFile(tx *bolt.Tx) (problems []error, pagesHold bool) {
	if problems = checkPages(tx); len(problems) > 0 {
		return problems, false
	}
	if err := checkInvariants(tx); err != nil {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			return j.Unwrap(), true
		}
		return []error{err}, true
	}
	return nil, true
}

// checkPages runs bbolt's consistency check of the file's pages.
func checkPages(tx *bolt.Tx) []error {
	var errs []error
	for err := range tx.Check() {
		errs = append(errs, err)
	}
	return errs
}
