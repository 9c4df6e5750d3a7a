package workflow

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/forsok/forsok/internal/trial"
)

// Paging (AIP-158) has one owner: this file. It holds every list's default and largest
// page size, the rule for a requested size, the tokens the Service makes itself, and
// the field violations a bad page token becomes, whoever made the token. A store is
// given a page size already resolved here and answers a bad token of its own making with
// a storage error (ErrBadPageToken, ErrPageTokenMismatch), which pageTokenError turns
// into the violation.

// Page sizes.
const (
	// DefaultPageSize is the page size of a list whose request gives none, unless the
	// list names another default below.
	DefaultPageSize = 50
	// MaxPageSize is the largest page any list returns; larger requests get this.
	MaxPageSize = 1000
	// defaultEventPage is the default page of a case's history and of the event feed:
	// events are small, and a client catching up wants many.
	defaultEventPage = 100
	// noDefaultPage is the "default" of a list that comes in one page (subscriptions):
	// page_size is accepted for the contract's sake but does not limit it.
	noDefaultPage = 0
)

// pageSizeFor returns the page size a list uses for the requested one: def for zero, at
// most MaxPageSize, and a violation naming page_size for a negative one.
func pageSizeFor(requested, def int) (int, []trial.Violation) {
	switch {
	case requested < 0:
		description := "page_size must be zero or positive"
		if def != noDefaultPage {
			description = fmt.Sprintf("page_size must be zero (the default, %d) or positive", def)
		}
		return 0, []trial.Violation{{Field: "page_size", Reason: "PAGE_SIZE_NEGATIVE", Description: description}}
	case requested == 0:
		return def, nil
	}
	return min(requested, MaxPageSize), nil
}

// badPageToken is the violation of a page token this list did not return.
func badPageToken(description string) trial.Violation {
	if description == "" {
		description = "page_token is not one this list returned; start again without it"
	}
	return trial.Violation{Field: "page_token", Reason: "PAGE_TOKEN_INVALID", Description: description}
}

// pageTokenError turns a store's page token errors into the field violations the client
// is given; other errors pass unchanged.
func pageTokenError(err error) error {
	switch {
	case errors.Is(err, ErrBadPageToken):
		return trial.Invalid([]trial.Violation{badPageToken("page_token is malformed or was not issued by this list: send a next_page_token unchanged, or start again without page_token")})
	case errors.Is(err, ErrPageTokenMismatch):
		return trial.Invalid([]trial.Violation{{Field: "page_token", Reason: "PAGE_TOKEN_QUERY_CHANGED",
			Description: "page_token does not match the query: it continues a list with another filter, order_by or caller; send the same filter and order_by as for the first page, or start again without page_token"}})
	}
	return err
}

// seqToken is the page token of a list of one parent's sequence-numbered items (a case's
// events, a subscription's deliveries): the parent and the sequence the next page
// continues from.
func seqToken(parent string, seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(parent + "/" + strconv.FormatUint(seq, 10)))
}

// parseSeqToken returns the sequence of a seqToken for parent; 0 and true for no token.
func parseSeqToken(parent, token string) (uint64, bool) {
	if token == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	id, seq, ok := strings.Cut(string(b), "/")
	if !ok || id != parent {
		return 0, false
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	return n, err == nil
}

// cursorToken is the page token of a list whose store gives an opaque cursor.
func cursorToken(cursor string) string {
	if cursor == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(cursor))
}

// parseCursorToken returns the store cursor of a cursorToken.
func parseCursorToken(token string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	return string(b), err == nil
}
