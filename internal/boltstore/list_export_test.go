package boltstore

import (
	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// SetPageTokenKey replaces the store's page token key, so that tests (and the fuzz
// corpus) can hold tokens that verify.
func SetPageTokenKey(s *Store, key []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyPageTokenKey, key) })
}

// StoredListKeys returns the list keys PutApplication derives from stored case data.
func StoredListKeys(id string, data []byte) (trial.ListKeys, error) { return storedListKeys(id, data) }

// ListBuckets are the buckets schema version 3 added or rebuilds.
func ListBuckets() []string {
	var names []string
	for _, b := range applicationIndexes {
		names = append(names, string(b))
	}
	return names
}
