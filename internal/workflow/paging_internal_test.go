package workflow

import (
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

func TestSeqToken(t *testing.T) {
	tok := seqToken("2026-000001", 42)
	if got, ok := parseSeqToken("2026-000001", tok); !ok || got != 42 {
		t.Errorf("round trip: got %d, %v; want 42, true", got, ok)
	}
	for _, bad := range []string{"!!!", seqToken("2026-000002", 42), "MjAyNi0wMDAwMDEvYQ"} {
		if _, ok := parseSeqToken("2026-000001", bad); ok {
			t.Errorf("parseSeqToken(%q): got ok, want refused", bad)
		}
	}
}
