package boltstore

import bolt "go.etcd.io/bbolt"

// BucketLen returns how many keys the top-level bucket holds, so tests can see what
// the port's reads hide (expired request records that were or were not pruned).
func BucketLen(s *Store, name string) (n int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(name)).ForEach(func(_, _ []byte) error {
			n++
			return nil
		})
	})
	return n, err
}
