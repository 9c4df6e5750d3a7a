package boltstore

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// Counts is a census of the cases, taken from the index buckets alone.
type Counts struct {
	// States holds the number of cases in each state that has any.
	States map[trial.State]int
	// Flags holds the number of cases carrying each flag that any case carries.
	Flags map[trial.CaseFlag]int
	// OpenConsultations is the number of consultations awaiting a ministry's answer.
	OpenConsultations int
	// OverdueConsultations is the number of open consultations whose due date is before
	// the day given to Counts.
	OverdueConsultations int
}

// Counts counts the cases by state and by flag, and the open and overdue consultations
// (due before today, an ISO date "YYYY-MM-DD"), in one read transaction. It reads index
// keys only, never a record, so it is cheap enough to run on every metrics scrape.
func (s *Store) Counts(today string) (Counts, error) {
	c := Counts{States: map[trial.State]int{}, Flags: map[trial.CaseFlag]int{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		countByField(tx.Bucket(bucketIdxState), func(field string) { c.States[trial.State(field)]++ })
		countByField(tx.Bucket(bucketIdxFlag), func(field string) { c.Flags[trial.CaseFlag(field)]++ })
		p := prefix(allMinistries)
		cur := tx.Bucket(bucketIdxOpenConsultation).Cursor()
		for k, _ := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = cur.Next() {
			c.OpenConsultations++
			due, _, _ := bytes.Cut(k[len(p):], []byte{sep})
			if string(due) < today {
				c.OverdueConsultations++
			}
		}
		return nil
	})
	return c, err
}

// countByField calls count with the first part (before 0x00) of every key of an index
// bucket of composite keys.
func countByField(b *bolt.Bucket, count func(field string)) {
	if b == nil {
		return
	}
	_ = b.ForEach(func(k, _ []byte) error {
		field, _, _ := bytes.Cut(k, []byte{sep})
		count(string(field))
		return nil
	})
}
