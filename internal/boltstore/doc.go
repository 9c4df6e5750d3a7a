// Package boltstore implements trial.Store on bbolt (go.etcd.io/bbolt): one file, one
// writer at a time, readers on consistent snapshots that do not wait for the writer. The
// one exception is bbolt's remapping of a file that a commit has grown: the commit waits
// for open read transactions to end and new ones wait for the remap, so View functions
// should be short.
//
// # Bucket layout
//
// Every key below is bytes; "+" is concatenation, 0x00 a single zero byte (never part of
// an id, a state, an organisation number or a ministry code, so composite keys cannot
// collide), BE64 an 8-byte big-endian unsigned integer (unsigned so that byte order is
// numeric order). Values are JSON unless marked "empty".
//
//	meta
//	├── "schema_version"          BE64 (SchemaVersion)
//	├── "application_id/" + YYYY  BE64 last application number allocated in that year
//	└── "case_number/" + YYYY     BE64 last case number allocated in that year
//	applications
//	└── <application id>          trial.Application   ("2026-000042": sorts in creation order)
//	consultations
//	└── <application id>          bucket; its bucket sequence is the consultation id counter
//	    └── BE64(consultation id) trial.Consultation  (ids "1", "2", … in creation order)
//	events                        bucket sequence = last event sequence number
//	└── BE64(sequence)            trial.Event
//	events_by_application
//	└── <application id> + 0x00 + BE64(sequence)   empty
//	idx_state
//	└── <state> + 0x00 + <application id>          empty
//	idx_applicant
//	└── <organisation number> + 0x00 + <application id>   empty
//	idx_ministry
//	└── <ministry code> + 0x00 + <application id>  empty (a consultation of that ministry exists)
//	requests
//	└── <request key>             trial.RequestRecord
//	requests_by_time
//	└── BE64(record time, Unix ns) + <request key>  empty (finds expired records to prune)
//	timers
//	└── BE64(due time, Unix ns) + <application id> + 0x00 + <timer key>   trial.Timer
//	timers_by_application
//	└── <application id> + 0x00 + <timer key>     the key in timers (replaces a case's timers)
//	idx_flag
//	└── <case flag> + 0x00 + <application id>      empty (the case carries the flag)
//	idx_open_consultation
//	└── <ministry code or "*"> + 0x00 + <due date> + 0x00 + <application id> + 0x00 + BE64(consultation id)
//	                              empty; each REQUESTED consultation has its ministry's entry
//	                              and a "*" entry (every ministry), earliest due first
//
// The index buckets change in the same transaction as the record they index:
// PutApplication reads the previously stored case and removes the entries that no longer
// hold (a changed state, a removed applicant) before it adds the new ones. Check verifies
// that every index entry points at a record that matches it and the other way round.
//
// # Encoding and schema version
//
// Records are the JSON encoding of the trial package's types; their JSON tags are the
// stable on-disk encoding. Adding an optional field needs nothing; renaming or
// reinterpreting one, or changing a key layout above, needs a new SchemaVersion and a
// migration. Open refuses a file whose version is newer than SchemaVersion (written by a
// newer forsok) and runs the migrations of an older one in a single transaction, so a file
// is either entirely at the old version or entirely at the new one.
//
// # Why event sequences are gap-free
//
// AppendEvent takes the number from the events bucket's sequence (Bucket.NextSequence).
// A bucket's sequence is stored in the bucket's header, which bbolt writes as part of the
// transaction's copy-on-write pages: a rolled-back transaction (fn returned an error, the
// context was cancelled, the process died before the commit) discards the increment along
// with everything else, and there is only one writer at a time. So the sequence advances
// only in committed transactions, the committed events are numbered 1, 2, 3, … without
// holes, and numbers follow commit order: a reader that sees event N also sees every event
// below N. The same holds for application ids, case numbers and consultation ids, which
// come from counters in the same transaction. Deleting a draft keeps its events (and its
// events_by_application entries), so deletes leave no holes either.
//
// # Request records
//
// A request record (AIP-155 request ids) counts as absent once it is older than
// Options.RequestTTL (48 hours by default) by its Time field and the store's clock. Each
// PutRequest also deletes a bounded number of expired records, oldest first, found through
// requests_by_time; expiry on reads does not depend on that pruning having run.
package boltstore
