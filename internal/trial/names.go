package trial

import (
	"fmt"
	"strconv"
	"strings"
)

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

// validApplicationID reports whether id looks like "2026-000042".
func validApplicationID(id string) bool {
	year, seq, ok := strings.Cut(id, "-")
	return ok && len(year) == 4 && allDigits(year) && len(seq) >= 6 && len(seq) <= 12 && allDigits(seq)
}
