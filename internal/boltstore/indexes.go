package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// The list indexes: what ListApplications filters and orders on, derived from the case
// alone by trial.ListKeysOf and written by PutApplication in the transaction that writes
// the case (idx_ministry, which comes from the consultations, is PutConsultation's).
var (
	bucketIdxMunicipality  = []byte("idx_municipality")
	bucketIdxCategory      = []byte("idx_category")
	bucketIdxLaw           = []byte("idx_law")
	bucketIdxCreateTime    = []byte("idx_create_time")
	bucketIdxUpdateTime    = []byte("idx_update_time")
	bucketIdxCaseNumber    = []byte("idx_case_number")
	bucketIdxPeriodEnd     = []byte("idx_period_end")
	bucketIdxEvaluationDue = []byte("idx_evaluation_due")
	bucketListKeys         = []byte("list_keys")
	bucketIdxStage         = []byte("idx_stage")
	bucketIdxCall          = []byte("idx_call")
	bucketIdxCounty        = []byte("idx_county")
	bucketIdxTitle         = []byte("idx_title")

	// applicationIndexes are the buckets listEntries fills.
	applicationIndexes = [][]byte{
		bucketIdxState, bucketIdxApplicant, bucketIdxFlag, bucketIdxMunicipality,
		bucketIdxCategory, bucketIdxLaw, bucketIdxCreateTime, bucketIdxUpdateTime,
		bucketIdxCaseNumber, bucketIdxPeriodEnd, bucketIdxEvaluationDue, bucketListKeys,
		bucketIdxCall, bucketIdxStage,
		bucketIdxCounty, bucketIdxTitle,
	}
)

// indexEntry is one key (with its value, nil for an index entry's empty value) that a
// case puts in a bucket.
type indexEntry struct {
	bucket []byte
	key    []byte
	value  []byte
}

// listEntries returns every entry the case with id and keys k has in applicationIndexes.
func listEntries(id string, k trial.ListKeys) []indexEntry {
	var es []indexEntry
	add := func(bucket, key []byte) { es = append(es, indexEntry{bucket: bucket, key: key}) }
	add(bucketIdxState, compositeKey(string(k.State), id))
	for _, org := range k.Applicants {
		add(bucketIdxApplicant, compositeKey(org, id))
	}
	for _, f := range k.Flags {
		add(bucketIdxFlag, compositeKey(string(f), id))
	}
	for _, m := range k.Municipalities {
		add(bucketIdxMunicipality, compositeKey(m, id))
	}
	for _, l := range k.Laws {
		add(bucketIdxLaw, compositeKey(l, id))
	}
	for _, c := range k.Counties {
		add(bucketIdxCounty, compositeKey(c, id))
	}
	for _, w := range k.TitleWords {
		add(bucketIdxTitle, compositeKey(w, id))
	}
	if k.Category != "" {
		add(bucketIdxCategory, compositeKey(string(k.Category), id))
	}
	add(bucketIdxCreateTime, append(encodeUint(timeNanos(k.CreateTime)), id...))
	add(bucketIdxUpdateTime, append(encodeUint(timeNanos(k.UpdateTime)), id...))
	add(bucketIdxCaseNumber, append(caseNumberKey(k.CaseNumber), id...))
	if k.PeriodEnd != "" {
		add(bucketIdxPeriodEnd, compositeKey(k.PeriodEnd, id))
	}
	if k.EvaluationDue != "" {
		add(bucketIdxEvaluationDue, compositeKey(k.EvaluationDue, id))
	}
	if k.Call != "" {
		add(bucketIdxCall, compositeKey(k.Call, id))
	}
	add(bucketIdxStage, compositeKey(string(k.Stage), id))
	return append(es, indexEntry{bucket: bucketListKeys, key: []byte(id), value: encodeListRecord(k)})
}

// checkListKeys refuses values that would make a composite key ambiguous. The domain's
// validation never lets one through; the store must not be corrupted if it did.
func checkListKeys(id string, k trial.ListKeys) error {
	values := append(slices.Concat(k.Applicants, k.Municipalities, k.Laws, k.Counties, k.TitleWords), string(k.State), string(k.Category), k.PeriodEnd, k.EvaluationDue, k.Call, string(k.Stage))
	for _, f := range k.Flags {
		values = append(values, string(f))
	}
	if hasSep(id) || slices.ContainsFunc(values, hasSep) {
		return fmt.Errorf("boltstore: put application %q: an indexed value contains a NUL byte", id)
	}
	return nil
}

// timeNanos is t as Unix nanoseconds, clamped to what a BE64 key holds in order: times
// before 1970 count as 1970, times past 2262 as the largest.
func timeNanos(t time.Time) uint64 {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case !t.Before(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return uint64(t.UnixNano())
}

// noCaseNumber is the case number key of a case without one: above every number, so
// such cases sort last ascending and first descending (trial.OrderCaseNumber).
var noCaseNumber = bytes.Repeat([]byte{0xff}, 16)

// caseNumberKey returns BE64(year) + BE64(number), or noCaseNumber.
func caseNumberKey(caseNumber string) []byte {
	year, n, ok := trial.ParseCaseNumber(caseNumber)
	if !ok {
		return slices.Clone(noCaseNumber)
	}
	return binary.BigEndian.AppendUint64(encodeUint(uint64(year)), n)
}

// listRecord is the value of a case in list_keys: its scalar list keys, so a filter or an
// order looks them up by id without decoding the case.
//
//	byte 0      format (1)
//	1..8        BE64 create time, Unix ns (timeNanos)
//	9..16       BE64 update time
//	17..32      case number key (caseNumberKey)
//	then        state, period end, evaluation due: each one length byte and the bytes
type listRecord []byte

const (
	listRecordFormat = 1
	listRecordFixed  = 33
)

func encodeListRecord(k trial.ListKeys) []byte {
	b := make([]byte, 0, listRecordFixed+3+len(k.State)+20)
	b = append(b, listRecordFormat)
	b = binary.BigEndian.AppendUint64(b, timeNanos(k.CreateTime))
	b = binary.BigEndian.AppendUint64(b, timeNanos(k.UpdateTime))
	b = append(b, caseNumberKey(k.CaseNumber)...)
	for _, s := range []string{string(k.State), k.PeriodEnd, k.EvaluationDue} {
		b = append(b, byte(min(len(s), 255)))
		b = append(b, s[:min(len(s), 255)]...)
	}
	return b
}

// valid reports whether the record has its format and all its parts.
func (r listRecord) valid() bool {
	if len(r) < listRecordFixed || r[0] != listRecordFormat {
		return false
	}
	off := listRecordFixed
	for range 3 {
		if off >= len(r) {
			return false
		}
		off += 1 + int(r[off])
	}
	return off == len(r)
}

func (r listRecord) createTime() uint64 { return binary.BigEndian.Uint64(r[1:9]) }
func (r listRecord) updateTime() uint64 { return binary.BigEndian.Uint64(r[9:17]) }
func (r listRecord) caseKey() []byte    { return r[17:33] }

// str returns the i-th of the length-prefixed strings.
func (r listRecord) str(i int) []byte {
	off := listRecordFixed
	for range i {
		off += 1 + int(r[off])
	}
	return r[off+1 : off+1+int(r[off])]
}

func (r listRecord) state() []byte         { return r.str(0) }
func (r listRecord) periodEnd() []byte     { return r.str(1) }
func (r listRecord) evaluationDue() []byte { return r.str(2) }

// indexView is the part of a stored application the indexes derive from. Decoding only
// these fields keeps PutApplication from decoding the whole previous case; application
// makes the skeleton that trial.ListKeysOf reads, so the derivation is the domain's.
type indexView struct {
	State      trial.State    `json:"state"`
	CaseNumber string         `json:"caseNumber"`
	Category   trial.Category `json:"category"`
	Title      string         `json:"title"`
	Applicants []struct {
		OrganisationNumber string `json:"organisationNumber"`
		MunicipalityNumber string `json:"municipalityNumber"`
		CountyNumber       string `json:"countyNumber"`
	} `json:"applicants"`
	Exemptions []struct {
		LawID string `json:"lawId"`
	} `json:"exemptions"`
	Flags    []trial.CaseFlag `json:"flags"`
	Decision *struct {
		ApprovedEnd string `json:"approvedEnd"`
	} `json:"decision"`
	Extensions []struct {
		State       trial.ExtensionState `json:"state"`
		ApprovedEnd string               `json:"approvedEnd"`
	} `json:"extensions"`
	EvaluationDue    string          `json:"evaluationDue"`
	EvaluationReport json.RawMessage `json:"evaluationReport"`
	Call             string          `json:"call"`
	Stage            trial.Stage     `json:"stage"`
	CreateTime       time.Time       `json:"createTime"`
	UpdateTime       time.Time       `json:"updateTime"`
}

func (v *indexView) application() *trial.Application {
	app := &trial.Application{
		State: v.State, CaseNumber: v.CaseNumber, Category: v.Category, Flags: v.Flags, Title: v.Title,
		EvaluationDue: v.EvaluationDue, CreateTime: v.CreateTime, UpdateTime: v.UpdateTime,
		Call: v.Call, Stage: v.Stage,
	}
	for _, a := range v.Applicants {
		app.Applicants = append(app.Applicants, trial.Applicant{OrganisationNumber: a.OrganisationNumber, MunicipalityNumber: a.MunicipalityNumber, CountyNumber: a.CountyNumber})
	}
	for _, e := range v.Exemptions {
		app.Exemptions = append(app.Exemptions, trial.Exemption{LawID: e.LawID})
	}
	if v.Decision != nil {
		app.Decision = &trial.Decision{ApprovedEnd: v.Decision.ApprovedEnd}
	}
	for _, e := range v.Extensions {
		app.Extensions = append(app.Extensions, trial.Extension{State: e.State, ApprovedEnd: e.ApprovedEnd})
	}
	if len(v.EvaluationReport) > 0 && string(v.EvaluationReport) != "null" {
		app.EvaluationReport = &trial.EvaluationReport{}
	}
	return app
}

// storedListKeys returns the list keys of the stored case data.
func storedListKeys(id string, data []byte) (trial.ListKeys, error) {
	var v indexView
	if err := decode("application", id, data, &v); err != nil {
		return trial.ListKeys{}, err
	}
	return trial.ListKeysOf(v.application(), nil), nil
}

// reindexApplication moves the case's entries in applicationIndexes from those of the
// stored data old (nil: none) to those of app (nil: none, the case is deleted).
// Entries that stay the same are not written again, so an update touches only the index
// pages of the keys that changed (update_time, and state on a transition).
func (w *writeTx) reindexApplication(id string, old []byte, app *trial.Application) error {
	var before, after []indexEntry
	if old != nil {
		k, err := storedListKeys(id, old)
		if err != nil {
			return err
		}
		before = listEntries(id, k)
	}
	if app != nil {
		k := trial.ListKeysOf(app, nil)
		if err := checkListKeys(id, k); err != nil {
			return err
		}
		after = listEntries(id, k)
	}
	type at struct{ bucket, key string }
	want := make(map[at][]byte, len(after))
	for _, e := range after {
		want[at{string(e.bucket), string(e.key)}] = e.value
	}
	unchanged := map[at]bool{}
	for _, e := range before {
		k := at{string(e.bucket), string(e.key)}
		v, ok := want[k]
		switch {
		case !ok:
			if err := w.tx.Bucket(e.bucket).Delete(e.key); err != nil {
				return fmt.Errorf("boltstore: delete %s entry %q: %w", e.bucket, e.key, err)
			}
		case bytes.Equal(v, e.value):
			unchanged[k] = true
		}
	}
	for _, e := range after {
		if unchanged[at{string(e.bucket), string(e.key)}] {
			continue
		}
		if err := w.tx.Bucket(e.bucket).Put(e.key, e.value); err != nil {
			return fmt.Errorf("boltstore: put %s entry %q: %w", e.bucket, e.key, err)
		}
	}
	return nil
}

// migrateListIndexes builds applicationIndexes from the stored cases (schema version 3).
// It empties them first, so it gives the same result however often it runs.
func migrateListIndexes(tx *bolt.Tx) error {
	for _, name := range applicationIndexes {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return fmt.Errorf("empty %s: %w", name, err)
			}
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
	}
	return tx.Bucket(bucketApplications).ForEach(func(id, data []byte) error {
		k, err := storedListKeys(string(id), data)
		if err != nil {
			return err
		}
		for _, e := range listEntries(string(id), k) {
			if err := tx.Bucket(e.bucket).Put(e.key, e.value); err != nil {
				return fmt.Errorf("put %s entry %q: %w", e.bucket, e.key, err)
			}
		}
		return nil
	})
}

// checkListIndexes reports every entry of applicationIndexes that the stored cases do not
// imply, every implied entry that is missing, and every list_keys value that differs.
func checkListIndexes(tx *bolt.Tx) []error {
	var errs []error
	want := map[string]map[string][]byte{}
	for _, name := range applicationIndexes {
		want[string(name)] = map[string][]byte{}
	}
	_ = tx.Bucket(bucketApplications).ForEach(func(id, data []byte) error {
		k, err := storedListKeys(string(id), data)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		for _, e := range listEntries(string(id), k) {
			want[string(e.bucket)][string(e.key)] = e.value
		}
		return nil
	})
	for _, name := range applicationIndexes {
		w := want[string(name)]
		_ = tx.Bucket(name).ForEach(func(k, v []byte) error {
			value, ok := w[string(k)]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%s: stale entry %q", name, k))
			case !bytes.Equal(value, v):
				errs = append(errs, fmt.Errorf("%s: entry %q is %x, want %x", name, k, v, value))
			}
			delete(w, string(k))
			return nil
		})
		for k := range w {
			errs = append(errs, fmt.Errorf("%s: missing entry %q", name, k))
		}
	}
	return errs
}
