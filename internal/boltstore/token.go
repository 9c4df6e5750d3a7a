package boltstore

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// Page tokens of ListApplications. They are not go.einride.tech/aip/pagination's: those
// hold an offset and an unkeyed checksum of the request, so a client can forge one, and
// an offset shifts when a case is created or deleted between pages. These hold a
// position in the order (keyset) under an HMAC. A token is opaque to clients and tamper-proof:
//
//	base64url( version | fingerprint | position | mac )
//
//	version      1 byte, tokenVersion
//	fingerprint  16 bytes, SHA-256 of the query without its page size and token
//	             (visibility, filter, order), truncated
//	position     the order key of the last case on the page: its id for create_time,
//	             BE64(update time) + id for update_time, case number key + id for
//	             case_number
//	mac          16 bytes, HMAC-SHA256 of what precedes it under the store's secret key,
//	             truncated
//
// The key (keyPageTokenKey in meta) is made from crypto/rand when a file is first opened
// and never leaves the file, so a token verifies only in the store that made it, and
// survives restarts. A token whose MAC fails (edited, truncated, from another store) is
// malformed (workflow.ErrBadPageToken); one with a valid MAC but another query's
// fingerprint does not match the query (workflow.ErrPageTokenMismatch). The service
// turns both into INVALID_ARGUMENT on page_token.
//
// The next page starts strictly after the position, in the query's order, whatever
// changed in between: a case created, deleted or changed between pages neither shifts
// the others nor makes the token invalid, and no position is listed twice. A case whose
// order key changes between pages moves with it: in update_time order a case changed
// after its page was read is listed again at its new place (ascending) or not again
// (descending). Today's date is not pinned: *_within_days filters count from the day each
// page is read.

const (
	tokenVersion   = 2
	fingerprintLen = 16
	macLen         = 16
)

// keyPageTokenKey is the meta key of the page tokens' HMAC key.
var keyPageTokenKey = []byte("page_token_key")

// ensurePageTokenKey gives the file its page token key if it has none yet.
func ensurePageTokenKey(meta *bolt.Bucket) error {
	if len(meta.Get(keyPageTokenKey)) == sha256.Size {
		return nil
	}
	key := make([]byte, sha256.Size)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("page token key: %w", err)
	}
	return meta.Put(keyPageTokenKey, key)
}

// queryFingerprint identifies what a page token may continue: the visibility, the filter
// and the order, each in a canonical form, so equal queries written differently (states
// in another order, a filter with other spacing, "name" for "create_time") match.
func queryFingerprint(q trial.Query) []byte {
	states := make([]string, len(q.States))
	for i, s := range q.States {
		states[i] = string(s)
	}
	slices.Sort(states)
	states = slices.Compact(states)
	canonical := strings.Join([]string{
		"states=" + strings.Join(states, ","),
		"applicant=" + q.ApplicantOrganisation,
		"ministry=" + q.ConsultedMinistry,
		"filter=" + q.Filter.String(),
		"order=" + q.Order.String(),
	}, "\x00")
	sum := sha256.Sum256([]byte(canonical))
	return sum[:fingerprintLen]
}

// PageTokenMAC implements workflow.ReadTx: the truncated HMAC of payload under the
// store's page token key, for the page tokens of every list.
func (r *readTx) PageTokenMAC(payload []byte) ([]byte, error) {
	key := r.tx.Bucket(bucketMeta).Get(keyPageTokenKey)
	if len(key) != sha256.Size {
		return nil, fmt.Errorf("boltstore: the file has no page token key")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("forsok page token\x00"))
	m.Write(payload)
	return m.Sum(nil)[:macLen], nil
}

func (r *readTx) makePageToken(fp, position []byte) (string, error) {
	payload := append(append([]byte{tokenVersion}, fp...), position...)
	mac, err := r.PageTokenMAC(payload)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(append(payload, mac...)), nil
}

// parsePageToken returns the position a token continues from, after checking that this
// store made it and for a query with the fingerprint fp.
func (r *readTx) parsePageToken(token string, fp []byte) ([]byte, error) {
	data, err := base64.RawURLEncoding.DecodeString(token)
	// The decoder skips line breaks and ignores the unused bits of the last character;
	// only the one string the store issued is the token.
	if err != nil || base64.RawURLEncoding.EncodeToString(data) != token || len(data) < 1+fingerprintLen+1+macLen {
		return nil, workflow.ErrBadPageToken
	}
	payload, mac := data[:len(data)-macLen], data[len(data)-macLen:]
	want, err := r.PageTokenMAC(payload)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, want) || payload[0] != tokenVersion {
		return nil, workflow.ErrBadPageToken
	}
	if !bytes.Equal(payload[1:1+fingerprintLen], fp) {
		return nil, workflow.ErrPageTokenMismatch
	}
	return payload[1+fingerprintLen:], nil
}
