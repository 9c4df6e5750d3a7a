package webhook_test

import (
	"errors"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/webhook"
)

func TestVerify(t *testing.T) {
	secret := []byte("whsec-0123456789abcdef")
	body := []byte(`{"specversion":"1.0","id":"17"}`)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	header := webhook.Sign(secret, at, body)
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"OK", secret, header, body, at, nil},
		{"OKWithinTolerance", secret, header, body, at.Add(4 * time.Minute), nil},
		{"OKSeveralSignatures", secret, "t=1772442000,v1=00ff," + header[len("t=1772442000,"):], body, at, nil},
		{"ErrBodyChanged", secret, header, []byte(`{"specversion":"1.0","id":"18"}`), at, webhook.ErrSignatureMismatch},
		{"ErrOtherSecret", []byte("whsec-another-secret!"), header, body, at, webhook.ErrSignatureMismatch},
		{"ErrReplayedLater", secret, header, body, at.Add(6 * time.Minute), webhook.ErrSignatureExpired},
		{"ErrFromTheFuture", secret, header, body, at.Add(-6 * time.Minute), webhook.ErrSignatureExpired},
		{"ErrTimestampChanged", secret, "t=1772442001" + header[len("t=1772442000"):], body, at, webhook.ErrSignatureMismatch},
		{"ErrNoSignature", secret, "t=1772442000", body, at, webhook.ErrSignatureMalformed},
		{"ErrNoTimestamp", secret, header[len("t=1772442000,"):], body, at, webhook.ErrSignatureMalformed},
		{"ErrGarbage", secret, "garbage", body, at, webhook.ErrSignatureMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(tt.secret, tt.header, tt.body, tt.now, 0)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if header[:len("t=1772442000,v1=")] != "t=1772442000,v1=" || len(header) != len("t=1772442000,v1=")+64 {
		t.Errorf("header: got %q, want t=<unix>,v1=<64 hex digits>", header)
	}
}
