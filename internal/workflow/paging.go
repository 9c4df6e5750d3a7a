package workflow

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

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

// Page tokens of the lists other than ListApplications (whose tokens the store makes,
// with the query's fingerprint): the history of a case, the open consultations across
// cases and a subscription's deliveries. Each is opaque and authenticated:
//
//	base64url( position | mac )
//
// where mac is the store's PageTokenMAC over the token's scope — the list, the caller
// and what the list is of — and the position. A token edited, made up, or issued for
// another list, caller or case does not verify and is INVALID_ARGUMENT on page_token;
// so a client can neither forge a position nor carry one from one list to another.

// macLen is the length of a page token's MAC, as the store's (16 bytes of HMAC-SHA256).
const tokenMACLen = 16

// tokenScope names what a token may continue: the list and its parameters, and the
// caller it was issued to.
func tokenScope(list string, actor trial.Actor, params ...string) []byte {
	b := []byte("forsok list\x00" + list + "\x00" + string(actor.Role) + "\x00" + actor.OrganisationNumber + "\x00" + actor.Ministry)
	for _, p := range params {
		b = append(b, 0)
		b = append(b, p...)
	}
	return append(b, 0xff) // the scope ends here; the position follows
}

// sealToken returns the page token continuing after position in the scope.
func sealToken(tx ReadTx, scope, position []byte) (string, error) {
	mac, err := tx.PageTokenMAC(append(scope, position...))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(append(append([]byte{}, position...), mac[:tokenMACLen]...)), nil
}

// openToken returns the position a page token of the scope continues after: nil for
// no token, an INVALID_ARGUMENT error for one this list did not issue to this caller.
func openToken(tx ReadTx, scope []byte, token string) ([]byte, error) {
	if token == "" {
		return nil, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || base64.RawURLEncoding.EncodeToString(data) != token || len(data) <= tokenMACLen {
		return nil, pageTokenInvalid()
	}
	position, mac := data[:len(data)-tokenMACLen], data[len(data)-tokenMACLen:]
	want, err := tx.PageTokenMAC(append(scope, position...))
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, want[:tokenMACLen]) {
		return nil, pageTokenInvalid()
	}
	return position, nil
}

// sealSeqToken is sealToken for a list in sequence order (a case's events, a
// subscription's deliveries): the position is the sequence number.
func sealSeqToken(tx ReadTx, scope []byte, seq uint64) (string, error) {
	return sealToken(tx, scope, binary.BigEndian.AppendUint64(nil, seq))
}

// openSeqToken is openToken for a list in sequence order: the sequence number the token
// continues from, 0 for no token.
func openSeqToken(tx ReadTx, scope []byte, token string) (uint64, error) {
	position, err := openToken(tx, scope, token)
	switch {
	case err != nil || position == nil:
		return 0, err
	case len(position) != 8:
		return 0, pageTokenInvalid()
	}
	return binary.BigEndian.Uint64(position), nil
}

func pageTokenInvalid() error {
	return trial.Invalid([]trial.Violation{badPageToken("page_token is not one this list returned to you; send a next_page_token unchanged, or start again without page_token")})
}
