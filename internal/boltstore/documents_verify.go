package boltstore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// verifyDocuments checks every stored document against the case's hash chain: its
// content, read back chunk by chunk, must hash to the SHA-256 its record holds, and
// that must be the SHA-256 its event carries (hashed into the chain). A changed byte in
// a stored document, a swapped chunk or an edited record is named. recorded maps
// "appID/docID" to the SHA-256 of the document's event.
func verifyDocuments(tx *bolt.Tx, recorded map[string]string, rep *ChainReport) {
	docs, content := tx.Bucket(bucketDocuments), tx.Bucket(bucketContent)
	if docs == nil || content == nil {
		return // a file from before documents
	}
	_ = docs.ForEach(func(appID, _ []byte) error {
		b := docs.Bucket(appID)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, data []byte) error {
			rep.Documents++
			var d trial.Document
			fail := func(format string, args ...any) {
				rep.Problems = append(rep.Problems, trial.ChainProblem{ApplicationID: string(appID),
					Problem: fmt.Sprintf("document %d: ", decodeUint(k)) + fmt.Sprintf(format, args...)})
			}
			if err := json.Unmarshal(data, &d); err != nil {
				fail("cannot be read: %v", err)
				return nil
			}
			want, ok := recorded[string(appID)+"/"+d.ID]
			switch {
			case !ok:
				fail("no event of the case records it: it was added outside the workflow")
			case want != d.SHA256:
				fail("its record says SHA-256 %s, its event (in the hash chain) %s: the record was changed", d.SHA256, want)
			}
			h := sha256.New()
			var size int64
			for i, c := range d.Chunks {
				key, err := chunkKey(c)
				v := content.Get(key)
				if err != nil || v == nil {
					fail("chunk %d (%s) is missing", i, c)
					return nil
				}
				h.Write(v)
				size += int64(len(v))
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != want || size != d.SizeBytes {
				fail("its stored content (%d bytes) hashes to %s, but %s was recorded: the stored bytes were changed", size, got, want)
			}
			return nil
		})
	})
}
