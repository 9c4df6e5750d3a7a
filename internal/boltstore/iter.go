package boltstore

import (
	"bytes"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Iteration over index keys and id lists, the building blocks of the nodes and plans.

// keyRange iterates b's keys in [lo, hi) (nil lo: from the first, nil hi: to the last),
// ascending or descending, strictly after from in that direction (nil: from the start).
// The keys are bbolt's memory, valid until the transaction ends.
func keyRange(b *bolt.Bucket, lo, hi []byte, desc bool, from []byte) func() ([]byte, bool) {
	c := b.Cursor()
	started := false
	return func() ([]byte, bool) {
		var k []byte
		switch {
		case started && desc:
			k, _ = c.Prev()
		case started:
			k, _ = c.Next()
		case desc:
			// The last key below end, where end is the lower of hi and from.
			end := hi
			if from != nil && (end == nil || bytes.Compare(from, end) < 0) {
				end = from
			}
			if end == nil {
				k, _ = c.Last()
			} else if k, _ = c.Seek(end); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		default:
			start := lo
			if from != nil && bytes.Compare(from, start) >= 0 {
				start = from
			}
			if k, _ = c.Seek(start); k != nil && from != nil && bytes.Equal(k, from) {
				k, _ = c.Next()
			}
		}
		started = true
		if k == nil || desc && lo != nil && bytes.Compare(k, lo) < 0 || !desc && hi != nil && bytes.Compare(k, hi) >= 0 {
			return nil, false
		}
		return k, true
	}
}

// countRange counts b's keys in [lo, hi), up to limit.
func countRange(b *bolt.Bucket, lo, hi []byte, limit int) int {
	next := keyRange(b, lo, hi, false, nil)
	n := 0
	for _, ok := next(); ok && n < limit; _, ok = next() {
		n++
	}
	return n
}

// prefixEnd returns the first key after every key that starts with p, nil when there is
// none (p is empty or all 0xff).
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// sliceIter iterates sorted ids strictly after after.
func sliceIter(ids []string, after string, desc bool) idIter {
	i, j := 0, len(ids) // the ids left are ids[i:j]
	if after != "" {
		pos, found := slices.BinarySearch(ids, after)
		if desc {
			j = pos
		} else if i = pos; found {
			i++
		}
	}
	return func() (string, bool) {
		if i >= j {
			return "", false
		}
		if desc {
			j--
			return ids[j], true
		}
		i++
		return ids[i-1], true
	}
}

// filterIter passes on the ids of it that keep accepts.
func filterIter(it idIter, keep func(string) bool) idIter {
	return func() (string, bool) {
		for {
			id, ok := it()
			if !ok || keep(id) {
				return id, ok
			}
		}
	}
}

// merge combines id iterators of one direction into one, without duplicates.
func merge(its []idIter, desc bool) idIter {
	if len(its) == 1 {
		return its[0]
	}
	heads := make([]string, len(its))
	live := make([]bool, len(its))
	for i, it := range its {
		heads[i], live[i] = it()
	}
	before := func(a, b string) bool { return a < b && !desc || a > b && desc }
	return func() (string, bool) {
		best := -1
		for i := range its {
			if live[i] && (best < 0 || before(heads[i], heads[best])) {
				best = i
			}
		}
		if best < 0 {
			return "", false
		}
		id := heads[best]
		for i := range its {
			for live[i] && heads[i] == id {
				heads[i], live[i] = its[i]()
			}
		}
		return id, true
	}
}
