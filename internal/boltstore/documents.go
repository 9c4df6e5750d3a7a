package boltstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// Documents, their content and the journal (issue 12):
//
//	documents
//	└── <application id>          bucket; its bucket sequence is the document id counter
//	    └── BE64(document id)     trial.Document (ids "1", "2", … in creation order)
//	journal
//	└── <entry id>                trial.JournalEntry ("2026-000017": year, then sequence)
//	content
//	└── SHA-256(chunk) (32 bytes) the chunk's bytes (workflow.ChunkSize, a document's last shorter)
//	content_refs
//	└── SHA-256(chunk)            BE64 how many documents and pending uploads name the chunk
//	uploads                       bucket sequence = last upload id
//	└── BE64(upload id)           JSON list of the staged chunks' keys (a pending upload)
//
// Content is addressed by its hash, so identical chunks — identical files above all —
// are stored once. Staging writes at most stageChunks chunks per transaction, so that a
// 50 MiB upload never holds more than a few MiB of dirty pages; the pending upload
// record holds the staged chunks' references until Tx.CommitContent hands them to the
// document or DiscardContent (or Open, after a crash) drops them.

var (
	bucketDocuments   = []byte("documents")
	bucketJournal     = []byte("journal")
	bucketContent     = []byte("content")
	bucketContentRefs = []byte("content_refs")
	bucketUploads     = []byte("uploads")

	documentBuckets = [][]byte{bucketDocuments, bucketJournal, bucketContent, bucketContentRefs, bucketUploads}
)

// counterJournalEntry is the meta counter of journal entries per year.
const counterJournalEntry = "journal_entry/"

// stageChunks is how many chunks one staging transaction writes (1 MiB): bbolt holds a
// transaction's values and then its dirty pages in memory until the commit.
const stageChunks = 4

var _ workflow.ContentStore = (*Store)(nil)

// Document implements workflow.ReadTx.
func (r *readTx) Document(applicationID, id string) (*trial.Document, error) {
	key, ok := consultationKey(id)
	b := r.tx.Bucket(bucketDocuments).Bucket([]byte(applicationID))
	if !ok || applicationID == "" || b == nil {
		return nil, trial.ErrNotFound
	}
	data := b.Get(key)
	if data == nil {
		return nil, trial.ErrNotFound
	}
	d := new(trial.Document)
	if err := decode("document", applicationID+"/"+id, data, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Documents implements workflow.ReadTx.
func (r *readTx) Documents(applicationID string) ([]*trial.Document, error) {
	if applicationID == "" {
		return nil, nil
	}
	b := r.tx.Bucket(bucketDocuments).Bucket([]byte(applicationID))
	if b == nil {
		return nil, nil
	}
	var out []*trial.Document
	err := b.ForEach(func(k, v []byte) error {
		d := new(trial.Document)
		if err := decode("document", applicationID+"/"+strconv.FormatUint(decodeUint(k), 10), v, d); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// JournalEntry implements workflow.ReadTx.
func (r *readTx) JournalEntry(id string) (*trial.JournalEntry, error) {
	data := r.tx.Bucket(bucketJournal).Get([]byte(id))
	if id == "" || data == nil {
		return nil, trial.ErrNotFound
	}
	e := new(trial.JournalEntry)
	if err := decode("journal entry", id, data, e); err != nil {
		return nil, err
	}
	return e, nil
}

// JournalEntries implements workflow.ReadTx.
func (r *readTx) JournalEntries(after string, limit int) ([]*trial.JournalEntry, error) {
	c := r.tx.Bucket(bucketJournal).Cursor()
	var k, v []byte
	if after == "" {
		k, v = c.First()
	} else {
		k, v = c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	var out []*trial.JournalEntry
	for ; k != nil && len(out) < limit; k, v = c.Next() {
		e := new(trial.JournalEntry)
		if err := decode("journal entry", string(k), v, e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// NextDocumentID implements workflow.Tx.
func (w *writeTx) NextDocumentID(applicationID string) (string, error) {
	if applicationID == "" || !has(w.tx.Bucket(bucketApplications), []byte(applicationID)) {
		return "", trial.ErrNotFound
	}
	b, err := w.tx.Bucket(bucketDocuments).CreateBucketIfNotExists([]byte(applicationID))
	if err != nil {
		return "", fmt.Errorf("boltstore: documents of %q: %w", applicationID, err)
	}
	n, err := b.NextSequence()
	if err != nil {
		return "", fmt.Errorf("boltstore: document id of %q: %w", applicationID, err)
	}
	return strconv.FormatUint(n, 10), nil
}

// PutDocument implements workflow.Tx. Every chunk it names must be stored.
func (w *writeTx) PutDocument(d *trial.Document) error {
	key, ok := consultationKey(d.ID)
	if !ok || d.ApplicationID == "" {
		return fmt.Errorf("boltstore: put document %q/%q: bad id", d.ApplicationID, d.ID)
	}
	content := w.tx.Bucket(bucketContent)
	for _, c := range d.Chunks {
		k, err := chunkKey(c)
		if err != nil || !has(content, k) {
			return fmt.Errorf("boltstore: put document %s: chunk %s is not stored", trial.DocumentName(d.ApplicationID, d.ID), c)
		}
	}
	b, err := w.tx.Bucket(bucketDocuments).CreateBucketIfNotExists([]byte(d.ApplicationID))
	if err != nil {
		return fmt.Errorf("boltstore: documents of %q: %w", d.ApplicationID, err)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// NextJournalEntryID implements workflow.Tx.
func (w *writeTx) NextJournalEntryID(year int) (string, error) {
	n, err := w.nextCounter(counterJournalEntry, year)
	if err != nil {
		return "", err
	}
	return trial.FormatJournalEntryID(year, n), nil
}

// PutJournalEntry implements workflow.Tx.
func (w *writeTx) PutJournalEntry(e *trial.JournalEntry) error {
	if e.ID == "" {
		return errors.New("boltstore: put journal entry: no id")
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bucketJournal).Put([]byte(e.ID), data)
}

// CommitContent implements workflow.Tx: the upload's references pass to the document.
func (w *writeTx) CommitContent(uploadID string) error {
	key, ok := consultationKey(uploadID)
	b := w.tx.Bucket(bucketUploads)
	if !ok || !has(b, key) {
		return fmt.Errorf("boltstore: upload %q is not pending", uploadID)
	}
	return b.Delete(key)
}

// NextDocumentID implements workflow.Tx.
func (t *trackedTx) NextDocumentID(applicationID string) (string, error) {
	t.wrote = true
	return t.writeTx.NextDocumentID(applicationID)
}

// PutDocument implements workflow.Tx.
func (t *trackedTx) PutDocument(d *trial.Document) error {
	t.wrote = true
	return t.writeTx.PutDocument(d)
}

// NextJournalEntryID implements workflow.Tx.
func (t *trackedTx) NextJournalEntryID(year int) (string, error) {
	t.wrote = true
	return t.writeTx.NextJournalEntryID(year)
}

// PutJournalEntry implements workflow.Tx.
func (t *trackedTx) PutJournalEntry(e *trial.JournalEntry) error {
	t.wrote = true
	return t.writeTx.PutJournalEntry(e)
}

// CommitContent implements workflow.Tx.
func (t *trackedTx) CommitContent(uploadID string) error {
	t.wrote = true
	return t.writeTx.CommitContent(uploadID)
}

func chunkKey(hexKey string) ([]byte, error) {
	k, err := hex.DecodeString(hexKey)
	if err != nil || len(k) != sha256.Size {
		return nil, fmt.Errorf("boltstore: bad chunk key %q", hexKey)
	}
	return k, nil
}

// StageContent implements workflow.ContentStore.
func (s *Store) StageContent(ctx context.Context, r io.Reader) (string, []string, error) {
	var uploadID uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUploads)
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		uploadID = n
		return b.Put(encodeUint(n), []byte("[]"))
	})
	if err != nil {
		return "", nil, fmt.Errorf("boltstore: stage content: %w", err)
	}
	id := strconv.FormatUint(uploadID, 10)
	var keys []string
	buf := make([]byte, stageChunks*workflow.ChunkSize)
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			return "", nil, errors.Join(err, s.DiscardContent(context.WithoutCancel(ctx), id))
		}
		n, err := io.ReadFull(r, buf)
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			done = true
		case err != nil:
			return "", nil, errors.Join(fmt.Errorf("boltstore: stage content: %w", err), s.DiscardContent(context.WithoutCancel(ctx), id))
		}
		if n == 0 {
			break
		}
		err = s.db.Update(func(tx *bolt.Tx) error {
			added, err := putChunks(tx, buf[:n])
			if err != nil {
				return err
			}
			all := append(slices.Clone(keys), added...)
			data, err := json.Marshal(all)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketUploads).Put(encodeUint(uploadID), data); err != nil {
				return err
			}
			keys = all
			return nil
		})
		if err != nil {
			return "", nil, errors.Join(fmt.Errorf("boltstore: stage content: %w", err), s.DiscardContent(context.WithoutCancel(ctx), id))
		}
	}
	return id, keys, nil
}

// putChunks stores data's chunks, adds a reference to each and returns their keys.
// bbolt keeps a reference to a value until the commit, so each chunk is its own copy.
func putChunks(tx *bolt.Tx, data []byte) ([]string, error) {
	content, refs := tx.Bucket(bucketContent), tx.Bucket(bucketContentRefs)
	var keys []string
	for off := 0; off < len(data); off += workflow.ChunkSize {
		chunk := data[off:min(off+workflow.ChunkSize, len(data))]
		sum := sha256.Sum256(chunk)
		k := sum[:]
		var n uint64
		if v := refs.Get(k); v != nil {
			n = decodeUint(v)
		}
		if n == 0 || !has(content, k) {
			if err := content.Put(bytes.Clone(k), bytes.Clone(chunk)); err != nil {
				return nil, err
			}
		}
		if err := refs.Put(bytes.Clone(k), encodeUint(n+1)); err != nil {
			return nil, err
		}
		keys = append(keys, hex.EncodeToString(k))
	}
	return keys, nil
}

// DiscardContent implements workflow.ContentStore.
func (s *Store) DiscardContent(_ context.Context, uploadID string) error {
	key, ok := consultationKey(uploadID)
	if !ok {
		return fmt.Errorf("boltstore: discard upload %q: bad id", uploadID)
	}
	return s.db.Update(func(tx *bolt.Tx) error { return discardUpload(tx, key) })
}

// discardUpload drops the pending upload key and every chunk only it references.
func discardUpload(tx *bolt.Tx, key []byte) error {
	uploads := tx.Bucket(bucketUploads)
	data := uploads.Get(key)
	if data == nil {
		return nil // committed, or discarded already
	}
	var keys []string
	if err := json.Unmarshal(data, &keys); err != nil {
		return fmt.Errorf("boltstore: pending upload %d: %w", decodeUint(key), err)
	}
	content, refs := tx.Bucket(bucketContent), tx.Bucket(bucketContentRefs)
	for _, h := range keys {
		k, err := chunkKey(h)
		if err != nil {
			return err
		}
		var n uint64
		if v := refs.Get(k); v != nil {
			n = decodeUint(v)
		}
		if n <= 1 {
			if err := content.Delete(k); err != nil {
				return err
			}
			if err := refs.Delete(k); err != nil {
				return err
			}
			continue
		}
		if err := refs.Put(k, encodeUint(n-1)); err != nil {
			return err
		}
	}
	return uploads.Delete(key)
}

// discardPendingUploads drops every upload still pending when the file is opened: the
// process that staged it died before committing or discarding it.
func discardPendingUploads(tx *bolt.Tx) error {
	b := tx.Bucket(bucketUploads)
	var keys [][]byte
	if err := b.ForEach(func(k, _ []byte) error {
		keys = append(keys, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := discardUpload(tx, k); err != nil {
			return err
		}
	}
	return nil
}

// Chunk implements workflow.ContentStore.
func (s *Store) Chunk(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k, err := chunkKey(key)
	if err != nil {
		return nil, trial.ErrNotFound
	}
	var out []byte
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketContent).Get(k)
		if v == nil {
			return trial.ErrNotFound
		}
		out = bytes.Clone(v)
		return nil
	})
	return out, err
}

// PendingUploads returns how many uploads are staged and not committed.
func (s *Store) PendingUploads() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketUploads).Stats().KeyN
		return nil
	})
	return n, err
}

// ContentStats returns how many chunks and content bytes the file holds.
func (s *Store) ContentStats() (chunks int, size int64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketContent).ForEach(func(_, v []byte) error {
			chunks++
			size += int64(len(v))
			return nil
		})
	})
	return chunks, size, err
}
