package workflow

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"github.com/forsok/forsok/internal/trial"
)

// The page-size rule that the store's own tests used to cover, now that the Service
// owns it.
func TestPageSizeFor(t *testing.T) {
	for _, tt := range []struct {
		name      string
		requested int
		def       int
		want      int
		wantErr   bool
	}{
		{"OKDefault", 0, DefaultPageSize, DefaultPageSize, false},
		{"OKEventDefault", 0, defaultEventPage, defaultEventPage, false},
		{"OKGiven", 7, DefaultPageSize, 7, false},
		{"OKMax", MaxPageSize, DefaultPageSize, MaxPageSize, false},
		{"OKAboveMaxIsReduced", 5000, DefaultPageSize, MaxPageSize, false},
		{"ErrNegative", -1, DefaultPageSize, 0, true},
		{"ErrNegativeOnePage", -1, noDefaultPage, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, vs := pageSizeFor(tt.requested, tt.def)
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
			if (len(vs) > 0) != tt.wantErr || tt.wantErr && (vs[0].Field != "page_size" || vs[0].Reason != "PAGE_SIZE_NEGATIVE") {
				t.Errorf("got violations %v, want an error: %v", vs, tt.wantErr)
			}
		})
	}
}

func TestPageTokenError(t *testing.T) {
	for _, tt := range []struct {
		err    error
		reason string
	}{
		{ErrBadPageToken, "PAGE_TOKEN_INVALID"},
		{fmt.Errorf("wrapped: %w", ErrPageTokenMismatch), "PAGE_TOKEN_QUERY_CHANGED"},
	} {
		var e *trial.Error
		if err := pageTokenError(tt.err); !errors.As(err, &e) || e.Code != trial.CodeInvalidArgument || len(e.Violations) != 1 ||
			e.Violations[0].Field != "page_token" || e.Violations[0].Reason != tt.reason {
			t.Errorf("pageTokenError(%v): got %v, want INVALID_ARGUMENT on page_token, %s", tt.err, err, tt.reason)
		}
	}
	other := errors.New("disk on fire")
	if got := pageTokenError(other); got != other {
		t.Errorf("pageTokenError(%v): got %v, want it unchanged", other, got)
	}
}

// macTx is a ReadTx whose only method in use is PageTokenMAC, keyed as a store is.
type macTx struct {
	ReadTx
	key []byte
}

func (m macTx) PageTokenMAC(payload []byte) ([]byte, error) {
	h := hmac.New(sha256.New, m.key)
	h.Write(payload)
	return h.Sum(nil)[:16], nil
}

func TestPageToken(t *testing.T) {
	tx := macTx{key: []byte("k1")}
	kdd := trial.Actor{Role: trial.RoleKDDHandler, OrganisationNumber: "972417858"}
	kd := trial.Actor{Role: trial.RoleMinistry, Ministry: "KD"}
	scope := tokenScope("open consultations", kdd)
	tok, err := sealToken(tx, scope, []byte("2026-06-01/2026-000001/1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		got, err := openToken(tx, tokenScope("open consultations", kdd), tok)
		if err != nil || string(got) != "2026-06-01/2026-000001/1" {
			t.Errorf("got %q, %v; want the position back", got, err)
		}
		if got, err := openToken(tx, scope, ""); got != nil || err != nil {
			t.Errorf("no token: got %q, %v; want nil, nil", got, err)
		}
	})
	forged := base64.RawURLEncoding.EncodeToString(append([]byte("2099-01-01/x/1"), make([]byte, 16)...))
	edited := []byte(tok)
	edited[0] ^= 1
	for name, tc := range map[string]struct {
		tx    ReadTx
		scope []byte
		token string
	}{
		"ErrForged":        {tx, scope, forged},
		"ErrEdited":        {tx, scope, string(edited)},
		"ErrOtherCaller":   {tx, tokenScope("open consultations", kd), tok},
		"ErrOtherList":     {tx, tokenScope("events", kdd), tok},
		"ErrOtherStore":    {macTx{key: []byte("k2")}, scope, tok},
		"ErrNotBase64":     {tx, scope, "!!!"},
		"ErrTooShort":      {tx, scope, "AAAA"},
		"ErrLineBreakMade": {tx, scope, tok[:4] + "\n" + tok[4:]},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := openToken(tc.tx, tc.scope, tc.token)
			var e *trial.Error
			if !errors.As(err, &e) || e.Code != trial.CodeInvalidArgument || e.Violations[0].Reason != "PAGE_TOKEN_INVALID" {
				t.Errorf("got %v, want INVALID_ARGUMENT PAGE_TOKEN_INVALID", err)
			}
		})
	}
}
