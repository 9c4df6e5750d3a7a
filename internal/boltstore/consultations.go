package boltstore

import (
	"bytes"
	"fmt"

	"github.com/forsok/forsok/internal/trial"
)

// allMinistries is the idx_open_consultation prefix under which every open consultation
// is listed, whatever its ministry.
const allMinistries = "*"

// openConsultationKeys returns c's idx_open_consultation keys, or none when it is not open.
func openConsultationKeys(c *trial.Consultation) [][]byte {
	if c == nil || c.State != trial.ConsultationRequested {
		return nil
	}
	key, ok := consultationKey(c.ID)
	if !ok {
		return nil
	}
	var keys [][]byte
	for _, m := range []string{c.Ministry, allMinistries} {
		k := append(prefix(m), c.DueDate...)
		k = append(k, sep)
		k = append(k, c.ApplicationID...)
		k = append(k, sep)
		keys = append(keys, append(k, key...))
	}
	return keys
}

// indexOpenConsultation moves c's entries from what previous had to what c has.
func (w *writeTx) indexOpenConsultation(previous, c *trial.Consultation) error {
	return moveEntries(w.tx.Bucket(bucketIdxOpenConsultation), openConsultationKeys(previous), openConsultationKeys(c))
}

// OpenConsultations implements trial.ReadTx.
func (r *readTx) OpenConsultations(ministry, after string, limit int) ([]*trial.Consultation, string, error) {
	if ministry == "" {
		ministry = allMinistries
	}
	if hasSep(ministry) {
		return nil, "", nil
	}
	p := prefix(ministry)
	c := r.tx.Bucket(bucketIdxOpenConsultation).Cursor()
	k, _ := c.Seek(p)
	if after != "" {
		start := append(bytes.Clone(p), after...)
		k, _ = c.Seek(start)
		if k != nil && bytes.Equal(k, start) {
			k, _ = c.Next()
		}
	}
	var out []*trial.Consultation
	var last []byte
	for ; k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if len(out) == limit {
			return out, string(last[len(p):]), nil
		}
		last = k
		parts := bytes.Split(k[len(p):], []byte{sep})
		if len(parts) < 3 {
			return nil, "", fmt.Errorf("boltstore: malformed open consultation key %q", k)
		}
		appID := string(parts[1])
		idKey := k[len(p)+len(parts[0])+1+len(parts[1])+1:]
		b := r.tx.Bucket(bucketConsultations).Bucket([]byte(appID))
		if b == nil || len(idKey) != 8 {
			return nil, "", fmt.Errorf("boltstore: open consultation index points at a missing consultation %q", k)
		}
		var cons trial.Consultation
		if err := decode("consultation", appID, b.Get(idKey), &cons); err != nil {
			return nil, "", err
		}
		out = append(out, &cons)
	}
	return out, "", nil
}
