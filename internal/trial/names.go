package trial

import (
	"fmt"
	"strconv"
	"strings"
)

// The formats of identifiers and resource names (AIP-122): every id the service
// allocates or accepts is written and read here, and nowhere else.
//
//	application id      "2026-000042"  year, six-digit number (FormatApplicationID)
//	case number         "2026/42"      year, number without leading zeros
//	consultation id     "3"            a counter within its case (FormatCounterID)
//	subscription id     "7"            a counter (FormatCounterID)
//	delivery id         "1234"         the event's sequence number
//
// Names are parsed here rather than with go.einride.tech/aip/resourcename: its Sscan
// accepts forms the API refuses today ("/applications/2026-000042", full names such as
// "//forsok.kdd.no/applications/2026-000042", and "applications/" with an empty id), so
// using it would widen what a request may say; the four patterns here are fixed and
// small, and each id is checked against its format below either way.

// Etag returns the case's etag: the same for every caller who sees the case, and new
// after every write.
func Etag(app *Application) string {
	return strconv.FormatUint(app.Revision, 10)
}

// ApplicationName returns the resource name of the application id.
func ApplicationName(id string) string { return "applications/" + id }

// ParseApplicationName returns the id in "applications/{id}". field names the request
// field for the error.
func ParseApplicationName(name, field string) (string, error) {
	id, ok := strings.CutPrefix(name, "applications/")
	if !ok || !validApplicationID(id) {
		return "", Invalid([]Violation{{Field: field, Reason: "INVALID_NAME",
			Description: fmt.Sprintf("%q is not an application name; want applications/{id} such as applications/2026-000042", name)}})
	}
	return id, nil
}

// ConsultationName returns the resource name of a consultation.
func ConsultationName(appID, consultationID string) string {
	return ApplicationName(appID) + "/consultations/" + consultationID
}

// ParseConsultationName returns the ids in "applications/{id}/consultations/{cid}".
func ParseConsultationName(name, field string) (appID, consultationID string, err error) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "applications" || parts[2] != "consultations" ||
		!validApplicationID(parts[1]) || !allDigits(parts[3]) {
		return "", "", Invalid([]Violation{{Field: field, Reason: "INVALID_NAME",
			Description: fmt.Sprintf("%q is not a consultation name; want applications/{id}/consultations/{consultation}", name)}})
	}
	return parts[1], parts[3], nil
}

// MaxApplicationNumber is the last application number of a year: ids sort in creation
// order only while the number has six digits, and lists rely on it. A million
// applications in a year is far beyond what the scheme receives.
const MaxApplicationNumber = 999_999

// FormatApplicationID writes the n-th application id of the year, "2026-000042"; false
// when the year's ids are exhausted or the year is out of range.
func FormatApplicationID(year int, n uint64) (string, bool) {
	if n < 1 || n > MaxApplicationNumber || year < 1 || year > 9999 {
		return "", false
	}
	return fmt.Sprintf("%04d-%06d", year, n), true
}

// validApplicationID reports whether id looks like "2026-000042".
func validApplicationID(id string) bool {
	year, seq, ok := strings.Cut(id, "-")
	return ok && len(year) == 4 && allDigits(year) && len(seq) >= 6 && len(seq) <= 12 && allDigits(seq)
}

// ParseCaseNumber reads a case number "2026/42": a four-digit year and a number without
// leading zeros.
func ParseCaseNumber(s string) (year int, n uint64, ok bool) {
	y, num, found := strings.Cut(s, "/")
	if !found || len(y) != 4 || !allDigits(y) || num == "" || len(num) > 12 || !allDigits(num) || num[0] == '0' {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(y)
	n, _ = strconv.ParseUint(num, 10, 64)
	return year, n, year > 0
}

// FormatCaseNumber writes a case number as NextCaseNumber allocates it, "2026/42".
func FormatCaseNumber(year int, n uint64) string {
	return fmt.Sprintf("%04d/%d", year, n)
}

// FormatCounterID writes the n-th id of a counter (consultations within a case,
// subscriptions), "1", "2", ….
func FormatCounterID(n uint64) string { return strconv.FormatUint(n, 10) }

// ParseCounterID returns the number of a counter id: a positive decimal number without
// leading zeros; false for anything else.
func ParseCounterID(id string) (uint64, bool) {
	if !validCounterID(id) {
		return 0, false
	}
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// validCounterID reports whether id is a positive decimal number without leading zeros.
func validCounterID(id string) bool {
	return id != "" && len(id) <= 20 && allDigits(id) && id[0] != '0'
}

// SubscriptionName returns the resource name of the subscription id.
func SubscriptionName(id string) string { return "subscriptions/" + id }

// DeliveryName returns the delivery's resource name.
func DeliveryName(subscriptionID string, seq uint64) string {
	return SubscriptionName(subscriptionID) + "/deliveries/" + strconv.FormatUint(seq, 10)
}

// ParseSubscriptionName returns the id in "subscriptions/{id}".
func ParseSubscriptionName(name, field string) (string, error) {
	id, ok := strings.CutPrefix(name, "subscriptions/")
	if !ok || !validCounterID(id) {
		return "", Invalid([]Violation{{Field: field, Reason: "INVALID_NAME",
			Description: fmt.Sprintf("%q is not a subscription name; want subscriptions/{id} such as subscriptions/1", name)}})
	}
	return id, nil
}

// ParseDeliveryName returns the ids in "subscriptions/{id}/deliveries/{sequence}".
func ParseDeliveryName(name, field string) (subscriptionID string, seq uint64, err error) {
	parts := strings.Split(name, "/")
	if len(parts) == 4 && parts[0] == "subscriptions" && parts[2] == "deliveries" && validCounterID(parts[1]) && validCounterID(parts[3]) {
		if seq, err := strconv.ParseUint(parts[3], 10, 64); err == nil {
			return parts[1], seq, nil
		}
	}
	return "", 0, Invalid([]Violation{{Field: field, Reason: "INVALID_NAME",
		Description: fmt.Sprintf("%q is not a delivery name; want subscriptions/{id}/deliveries/{event sequence}", name)}})
}
