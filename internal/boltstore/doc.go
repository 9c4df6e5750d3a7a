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
//	├── "page_token_key"          32 random bytes: the HMAC key of ListApplications' page tokens
//	├── "application_id/" + YYYY  BE64 last application number allocated in that year
//	├── "case_number/" + YYYY     BE64 last case number allocated in that year
//	└── "call_id/" + YYYY         BE64 last call number allocated in that year
//	applications
//	└── <application id>          trial.Application   ("2026-000042": sorts in creation order)
//	consultations
//	└── <application id>          bucket; its bucket sequence is the consultation id counter
//	    └── BE64(consultation id) trial.Consultation  (ids "1", "2", … in creation order)
//	events                        bucket sequence = last event sequence number
//	└── BE64(sequence)            trial.Event
//	events_by_application         by hash chain: a case's events, and a call's under "calls/<id>"
//	└── <application id or "calls/" + call id> + 0x00 + BE64(sequence)   empty
//	calls                         calls for applications (calls.go)
//	└── <call id>                 trial.Call   ("2027-01": sorts in creation order)
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
//	timers                        a case's, or a call's under its resource name "calls/<id>"
//	└── BE64(due time, Unix ns) + <application id> + 0x00 + <timer key>   trial.Timer
//	timers_by_application
//	└── <application id> + 0x00 + <timer key>     the key in timers (replaces a case's timers)
//	idx_flag
//	└── <case flag> + 0x00 + <application id>      empty (the case carries the flag)
//	idx_open_consultation
//	└── <ministry code or "*"> + 0x00 + <due date> + 0x00 + <application id> + 0x00 + BE64(consultation id)
//	                              empty; each REQUESTED consultation has its ministry's entry
//	                              and a "*" entry (every ministry), earliest due first
//	events_by_party               the feed: who sees each event (trial.Audience), fixed when written
//	└── <party> + 0x00 + BE64(sequence)   empty; party "kdd", "org/<organisation number>", "ministry/<code>"
//	subscriptions                 bucket sequence = last subscription id
//	└── BE64(subscription id)     trial.Subscription (webhook; holds its signing secret)
//	subscriptions_by_owner
//	└── <party> + 0x00 + BE64(subscription id)   empty
//	deliveries
//	└── BE64(subscription id) + BE64(event sequence)   trial.Delivery (state, attempts)
//	outbox
//	└── BE64(subscription id) + BE64(event sequence)   empty; exactly the PENDING deliveries,
//	                              so each subscription's queue is contiguous and in order
//
// The list indexes (indexes.go; idx_state, idx_applicant and idx_flag above are three of
// them) hold what ListApplications filters and orders on, as trial.ListKeysOf derives it
// from the case:
//
//	idx_municipality
//	└── <municipality number> + 0x00 + <application id>   empty (a kommune applicant's)
//	idx_category
//	└── <category> + 0x00 + <application id>      empty
//	idx_law
//	└── <Lovdata id> + 0x00 + <application id>    empty (an exemption departs from that law)
//	idx_create_time
//	└── BE64(create time, Unix ns) + <application id>   empty
//	idx_update_time
//	└── BE64(update time, Unix ns) + <application id>   empty
//	idx_case_number
//	└── BE64(year) + BE64(number) + <application id>    empty; a case without a number has
//	                              0xff × 16, so it sorts after every numbered case
//	idx_period_end
//	└── <ISO date> + 0x00 + <application id>      empty; running trials (ACTIVE,
//	                              EXTENSION_REQUESTED) by their current period's last day
//	idx_evaluation_due
//	└── <ISO date> + 0x00 + <application id>      empty; EVALUATING cases without their
//	                              report, by the report's due date
//	idx_call
//	└── <call id> + 0x00 + <application id>       empty (the case answers that call)
//	idx_stage
//	└── <stage> + 0x00 + <application id>         empty (PRELIMINARY or FINAL; every case)
//	list_keys
//	└── <application id>          binary (listRecord): create and update time, case number
//	                              key, state, period end, evaluation due; what a filter or an
//	                              order looks up by id without decoding the case
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
// # Hash chains
//
// AppendEvent also links the event into its case's hash chain (chain.go): it sets
// PrevHash to the stored hash of the case's last event, found through
// events_by_application, and Hash to trial.EventHash of the event, before storing it. The
// service records the new chain head on the case in the same transaction, indexes the
// event's audience in events_by_party and writes the outbox entries of the subscriptions
// it matches. Audit checks every chain without opening the file for writing.
//
// # Group commit
//
// Update hands its function to one writer goroutine (batch.go), which runs the functions
// that queue while it commits one after the other in a single bbolt transaction and makes
// them durable with one commit, so concurrent actions share the sync instead of paying one
// each; a lone caller is committed at once, without waiting for company. A function that
// fails before writing anything (a refused action) leaves the transaction as it found it
// and fails alone; one that fails after writing rolls the transaction back and is run
// again alone, its batch-mates again without it. No caller hears of its result before the
// transaction it ran in is committed. The one writer keeps the reasoning above intact:
// within a transaction the functions run in order, each sees what the earlier wrote, and
// a transaction's numbers are committed or discarded together.
//
// # Request records
//
// A request record (AIP-155 request ids) counts as absent once it is older than
// Options.RequestTTL (48 hours by default) by its Time field and the store's clock. Each
// PutRequest also deletes a bounded number of expired records, oldest first, found through
// requests_by_time; expiry on reads does not depend on that pruning having run.
package boltstore
