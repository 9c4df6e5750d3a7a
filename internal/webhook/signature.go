package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The signature scheme. Each request carries
//
//	Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// where the HMAC is keyed with the subscription's secret (its bytes as given) and taken
// over the timestamp, a full stop and the request body exactly as received:
//
//	v1 = hex(HMAC-SHA256(secret, t + "." + body))
//
// The timestamp binds the signature to the moment of sending: a receiver refuses one
// outside its tolerance (five minutes is usual), so that a captured request cannot be
// replayed later. Within the tolerance, the CloudEvents id (the event's sequence number,
// also in the Webhook-Id header) lets the receiver drop duplicates: a redelivery or a
// retry carries the same id with a new timestamp and signature. A receiver compares in
// constant time (hmac.Equal) and accepts any of several v1 values, so that more than one
// may be sent while a secret is replaced.

// Header names of a delivery.
const (
	SignatureHeader = "Webhook-Signature"
	IDHeader        = "Webhook-Id"
)

// DefaultTolerance is how far a signature's timestamp may be from the receiver's clock
// by default.
const DefaultTolerance = 5 * time.Minute

// Sign returns the Webhook-Signature header value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrSignatureMalformed = errors.New("webhook: malformed Webhook-Signature header")
	ErrSignatureMismatch  = errors.New("webhook: no signature matches the body")
	ErrSignatureExpired   = errors.New("webhook: signature timestamp outside the tolerance")
)

// Verify checks a request's Webhook-Signature header against its body, as a receiver
// does: the timestamp within tolerance of now (DefaultTolerance when zero), and one v1
// value equal to the HMAC of timestamp + "." + body under secret. A receiver written in
// Go can copy this function as it stands; it needs only the standard library.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			return ErrSignatureMalformed
		case k == "t":
			ts = v
		case k == "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignatureMalformed
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrSignatureExpired, time.Unix(sec, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	want := []byte(mac(secret, ts, body))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}
