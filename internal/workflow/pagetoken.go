package workflow

import (
	"crypto/hmac"
	"encoding/base64"

	"github.com/forsok/forsok/internal/trial"
)

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

func pageTokenInvalid() error {
	return trial.Invalid([]trial.Violation{{Field: "page_token", Reason: "PAGE_TOKEN_INVALID",
		Description: "page_token is not one this list returned to you; send a next_page_token unchanged, or start again without page_token"}})
}
