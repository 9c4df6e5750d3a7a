package boltstore

import (
	"bytes"
	"encoding/binary"

	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// The buckets of the layout drawn in the package documentation.
var (
	bucketMeta                = []byte("meta")
	bucketApplications        = []byte("applications")
	bucketConsultations       = []byte("consultations")
	bucketEvents              = []byte("events")
	bucketEventsByApplication = []byte("events_by_application")
	bucketIdxState            = []byte("idx_state")
	bucketIdxApplicant        = []byte("idx_applicant")
	bucketIdxMinistry         = []byte("idx_ministry")
	bucketRequests            = []byte("requests")
	bucketRequestsByTime      = []byte("requests_by_time")
	bucketTimers              = []byte("timers")
	bucketTimersByApplication = []byte("timers_by_application")
	bucketIdxOpenConsultation = []byte("idx_open_consultation")
	bucketIdxFlag             = []byte("idx_flag")
	bucketEventsByParty       = []byte("events_by_party")
	bucketSubscriptions       = []byte("subscriptions")
	bucketSubsByOwner         = []byte("subscriptions_by_owner")
	bucketDeliveries          = []byte("deliveries")
	bucketOutbox              = []byte("outbox")
	bucketCalls               = []byte("calls")

	allBuckets = [][]byte{
		bucketMeta, bucketApplications, bucketConsultations, bucketEvents,
		bucketEventsByApplication, bucketIdxState, bucketIdxApplicant, bucketIdxMinistry,
		bucketRequests, bucketRequestsByTime, bucketTimers, bucketTimersByApplication,
		bucketIdxOpenConsultation, bucketIdxFlag,
		bucketEventsByParty, bucketSubscriptions, bucketSubsByOwner, bucketDeliveries, bucketOutbox,
		bucketCalls, bucketIdxCall, bucketIdxStage,
		bucketIdxMunicipality, bucketIdxCategory, bucketIdxLaw, bucketIdxCreateTime, bucketIdxUpdateTime,
		bucketIdxCaseNumber, bucketIdxPeriodEnd, bucketIdxEvaluationDue, bucketListKeys,
		bucketStatistics, bucketStatisticsCases, bucketIdxCounty, bucketIdxTitle,
	}
)

// Keys in the meta bucket.
var (
	keySchemaVersion = []byte("schema_version")
)

const (
	counterApplicationID = "application_id/"
	counterCaseNumber    = "case_number/"
	counterCallID        = "call_id/"
)

// sep separates the parts of a composite key.
const sep = 0x00

func encodeUint(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

func decodeUint(b []byte) uint64 {
	return binary.BigEndian.Uint64(b)
}

// prefix returns field + 0x00, the start of every composite key for field.
func prefix(field string) []byte {
	b := make([]byte, 0, len(field)+1)
	b = append(b, field...)
	return append(b, sep)
}

// compositeKey returns field + 0x00 + id.
func compositeKey(field, id string) []byte {
	return append(prefix(field), id...)
}

// eventIndexKey returns applicationID + 0x00 + BE64(seq).
func eventIndexKey(applicationID string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(prefix(applicationID), seq)
}

// consultationKey parses a consultation id, "1", "2", …, into its key. Ids that
// NextConsultationID cannot have produced (a sign, leading zeros, zero, not a number)
// have no key.
func consultationKey(id string) ([]byte, bool) {
	n, ok := trial.ParseCounterID(id)
	if !ok {
		return nil, false
	}
	return encodeUint(n), true
}

// has reports whether key exists in b. It does not rely on Get, whose result for an
// empty value is not something to build on.
func has(b *bolt.Bucket, key []byte) bool {
	k, _ := b.Cursor().Seek(key)
	return k != nil && bytes.Equal(k, key)
}

// hasSep reports whether s contains the separator byte, which would make composite
// keys ambiguous.
func hasSep(s string) bool {
	return strings.IndexByte(s, sep) >= 0
}
