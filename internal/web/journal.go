package web

import (
	"net/http"
	"strconv"

	"github.com/forsok/forsok/internal/trial"
)

// journalData is one page of the public journal.
type journalData struct {
	Entries   []*trial.JournalEntry
	Page      int
	NextToken string
	// BadToken is a page token the service refused (stale or made up): the page
	// starts again from the first entry.
	BadToken bool
}

// journal shows the public journal by journal date, oldest first, a page at a time:
// the workflow's ListJournalEntries as the anonymous caller, the read behind
// GET /v1/journalEntries without a token, so screened values are "*****", screened
// documents absent and ministries' statements left out exactly as the API shows them
// (trial.PublicJournalEntry).
func (h *Handler) journal(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := journalData{Page: 1}
	if n, err := strconv.Atoi(q.Get("side")); err == nil && n > 1 {
		data.Page = n
	}
	entries, next, err := h.reads.ListJournalEntries(r.Context(), anonymous, "", h.opts.PageSize, q.Get("token"))
	if isCode(err, trial.CodeInvalidArgument) {
		data.BadToken, data.Page = true, 1
		entries, next, err = h.reads.ListJournalEntries(r.Context(), anonymous, "", h.opts.PageSize, "")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data.Entries, data.NextToken = entries, next
	h.render(w, r, http.StatusOK, "journal", "journal.title", data)
}
